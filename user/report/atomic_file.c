// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Output files written whole or not at all: a reader never sees a half-written report. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "report/atomic_file.h"
#include "util/log.h"

int atomic_file_open(struct atomic_file *af, const char *path)
{
	int fd, err;

	af->f = NULL;
	af->path = path;
	af->tmp[0] = '\0';
	if (snprintf(af->tmp, sizeof(af->tmp), "%s.tmp.%d", path, getpid()) >=
	    (int)sizeof(af->tmp)) {
		af->tmp[0] = '\0';
		ws_err("failed to write %s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		af->tmp[0] = '\0';
		ws_err("failed to write %s: %s", path, strerror(-err));
		return err;
	}
	af->f = fdopen(fd, "w");
	if (!af->f) {
		err = -errno;
		close(fd);
		atomic_file_abort(af);
		ws_err("failed to write %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

int atomic_file_commit(struct atomic_file *af)
{
	int err = 0;

	if (ferror(af->f))
		err = -EIO;
	if (fflush(af->f) || fsync(fileno(af->f)))
		err = err ? err : -errno;
	if (fclose(af->f) && !err)
		err = -errno;
	af->f = NULL;
	if (!err && rename(af->tmp, af->path))
		err = -errno;
	if (err) {
		atomic_file_abort(af);
		ws_err("failed to write %s: %s", af->path, strerror(-err));
		return err;
	}
	af->tmp[0] = '\0';
	return 0;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (af->f) {
		fclose(af->f);
		af->f = NULL;
	}
	if (af->tmp[0]) {
		unlink(af->tmp);
		af->tmp[0] = '\0';
	}
}
