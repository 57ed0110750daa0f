// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/log.h"
#include "cli/outpath.h"

int outpath_check(const char *option, const char *path)
{
	char tmp[4096];
	struct stat st;
	int fd, err;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			ws_err("invalid %s '%s': a symbolic link (refusing to replace it or write "
			       "through it)", option, path);
			return -ELOOP;
		}
		if (!S_ISREG(st.st_mode)) {
			ws_err("invalid %s '%s': not a regular file", option, path);
			return -EINVAL;
		}
	} else if (errno != ENOENT) {
		err = -errno;
		ws_err("invalid %s '%s': %s", option, path, strerror(-err));
		return err;
	}
	/* The same temp name atomic_file uses: if it can be created now, it can be then. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp)) {
		ws_err("invalid %s '%s': %s", option, path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		ws_err("invalid %s '%s': cannot create a file there: %s", option, path,
		       strerror(-err));
		return err;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

int outpath_check_opts(const struct ws_opts *o)
{
	const struct {
		const char *option, *path;
	} paths[] = {
		{ "--folded", o->folded_file },
		{ "--pprof", o->pprof_file },
		{ "--prom", o->prom_file },
		{ "--ready-file", o->ready_file },
	};
	size_t i;
	int err;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!paths[i].path)
			continue;
		err = outpath_check(paths[i].option, paths[i].path);
		if (err)
			return err;
	}
	return 0;
}
