// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The thin shell of target discovery: /proc and cgroup2 scanners feeding targets.c. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "util/log.h"
#include "host/procfs.h"
#include "targets/targets.h"

#define CGROUP2_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC, linux/magic.h */
#define MAX_LISTED 8		 /* candidates named in the ambiguity error */

static void format_pids(char *buf, size_t size, const pid_t *pids, size_t n, size_t total)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%d", i ? ", " : "", pids[i]);
	if (total > n && off < size)
		snprintf(buf + off, size - off, ", ...");
}

int targets_by_name(const char *name, bool any, pid_t **pids, size_t *n)
{
	struct proc_entry *procs = NULL;
	pid_t roots[MAX_LISTED];
	char errbuf[128], list[160];
	size_t np = 0, nroots;
	int err;

	*pids = NULL;
	*n = 0;
	err = proc_scan_all(&procs, &np);
	if (err) {
		ws_err("failed to list processes: %s", strerror(-err));
		return err;
	}
	err = match_by_name(procs, np, name, getpid(), pids, n, errbuf, sizeof(errbuf));
	if (err == -EINVAL) {
		ws_err("invalid name pattern '%s': %s", name, errbuf);
		goto cleanup;
	}
	if (err) {
		ws_err("failed to match processes: %s", strerror(-err));
		goto cleanup;
	}
	if (any)
		goto cleanup; /* agent mode: none is fine, and so are several trees */
	if (!*n) {
		ws_err("no process matches name '%s'", name);
		err = -ESRCH;
		goto cleanup;
	}
	nroots = match_roots(procs, np, *pids, *n, roots, MAX_LISTED);
	if (nroots > 1) {
		format_pids(list, sizeof(list), roots, nroots < MAX_LISTED ? nroots : MAX_LISTED,
			    nroots);
		ws_err("name '%s' is ambiguous: it matches %zu separate process trees (PIDs %s): "
		       "pick one with -p PID",
		       name, nroots, list);
		err = -EEXIST;
	}
cleanup:
	free(procs);
	if (err) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
	return err;
}

/* Append the PIDs of dir/cgroup.procs and of every child cgroup below it. */
static int cgroup_walk(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth)
{
	static const size_t max_text = 1 << 20;
	char path[4096], *text;
	struct dirent *de;
	ssize_t len;
	DIR *d;
	int err;

	if (depth > 64)
		return 0;
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	text = malloc(max_text);
	if (!text)
		return -ENOMEM;
	len = read_small_file(path, text, max_text);
	err = len < 0 ? (int)len : cgroup_procs_parse(text, pids, n, cap);
	free(text);
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			err = -ENAMETOOLONG;
		else
			err = cgroup_walk(path, pids, n, cap, depth + 1);
		if (err == -ENOENT)
			err = 0; /* removed meanwhile */
	}
	closedir(d);
	return err;
}

/* The processes of cgroup dir and its child cgroups, without kernel threads, zombies and self. */
static int cgroup_procs(const char *dir, pid_t **pids, size_t *n)
{
	size_t cap = 0, i, k;
	int err = cgroup_walk(dir, pids, n, &cap, 0);

	if (err)
		return err;
	for (i = 0, k = 0; i < *n; i++) {
		struct proc_stat ps;

		if ((*pids)[i] == getpid() || proc_stat_read((*pids)[i], &ps) ||
		    ps.flags & WS_PF_KTHREAD || ps.state == 'Z' || ps.state == 'X')
			continue;
		(*pids)[k++] = (*pids)[i];
	}
	*n = k;
	return 0;
}

int targets_cgroup_rescan(const struct cgroup_target *cg, pid_t **pids, size_t *n)
{
	int err;

	*pids = NULL;
	*n = 0;
	err = cgroup_procs(cg->dir, pids, n);
	if (err == -ENOENT)
		err = 0; /* the cgroup went away with its service: no target this interval */
	if (err) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
	return err;
}

int targets_by_cgroup(const char *arg, bool any, pid_t **pids, size_t *n,
		      struct cgroup_target *cg)
{
	char mount[4096], dir[4096], *text = NULL;
	struct statfs sfs;
	struct stat st;
	int err;

	*pids = NULL;
	*n = 0;
	text = malloc(1 << 16);
	if (!text)
		return -ENOMEM;
	err = (int)read_small_file("/proc/self/mountinfo", text, 1 << 16);
	if (err >= 0)
		err = mountinfo_find_cgroup2(text, mount, sizeof(mount));
	free(text);
	if (err) {
		ws_err("failed to find the cgroup v2 mount: %s (-c needs the unified hierarchy)",
		       err == -ENOENT ? "no cgroup2 file system mounted" : strerror(-err));
		return err;
	}
	/* An existing absolute path outside the mount (a cgroup v1 directory...) is checked as is.
	 */
	if (arg[0] == '/' && strncmp(arg, mount, strlen(mount)) != 0 && stat(arg, &st) == 0)
		err = snprintf(dir, sizeof(dir), "%s", arg) >= (int)sizeof(dir) ? -ENAMETOOLONG : 0;
	else
		err = cgroup_resolve_path(mount, arg, dir, sizeof(dir));
	if (err) {
		ws_err("invalid cgroup path '%s': %s", arg,
		       err == -EINVAL ? "empty or contains '..'" : strerror(-err));
		return err;
	}
	if (stat(dir, &st)) {
		err = -errno;
		if (err == -ENOENT)
			ws_err("no such cgroup: %s", dir);
		else
			ws_err("failed to open cgroup %s: %s", dir, strerror(-err));
		return err;
	}
	if (!S_ISDIR(st.st_mode) || statfs(dir, &sfs) || sfs.f_type != CGROUP2_MAGIC) {
		ws_err("%s is not a cgroup v2 directory (cgroup2 is mounted at %s)", dir, mount);
		return -ENOTDIR;
	}
	cg->id = st.st_ino; /* a cgroup2 directory's inode number is the cgroup id */
	cg->level = (unsigned int)cgroup_level(mount, dir);
	snprintf(cg->dir, sizeof(cg->dir), "%s", dir);
	/* Kernel threads (in the root cgroup), zombies and waitscope itself are not targets. */
	err = cgroup_procs(dir, pids, n);
	if (err) {
		ws_err("failed to read cgroup %s: %s", dir, strerror(-err));
		goto fail;
	}
	if (!*n && !any) {
		ws_err("cgroup %s has no processes", dir);
		err = -ESRCH;
		goto fail;
	}
	return 0;
fail:
	free(*pids);
	*pids = NULL;
	*n = 0;
	return err;
}
