// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pure target-discovery logic: name matching, the one-tree rule, cgroup path resolution. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/numparse.h"
#include "targets/targets.h"

struct name_matcher {
	char *name;
	regex_t re;
	bool have_re;
};

int name_matcher_new(const char *name, struct name_matcher **out, char *errbuf, size_t errsize)
{
	struct name_matcher *m;
	int rc;

	*out = NULL;
	if (!name || !*name) {
		snprintf(errbuf, errsize, "empty name");
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->name = strdup(name);
	if (!m->name) {
		free(m);
		return -ENOMEM;
	}
	rc = regcomp(&m->re, name, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &m->re, errbuf, errsize);
		free(m->name);
		free(m);
		return -EINVAL;
	}
	m->have_re = true;
	*out = m;
	return 0;
}

bool name_matcher_match(const struct name_matcher *m, const char *comm)
{
	if (strcmp(m->name, comm) == 0)
		return true;
	return m->have_re && regexec(&m->re, comm, 0, NULL, 0) == 0;
}

void name_matcher_free(struct name_matcher *m)
{
	if (!m)
		return;
	if (m->have_re)
		regfree(&m->re);
	free(m->name);
	free(m);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

int match_by_name(const struct proc_entry *procs, size_t n, const char *name, pid_t self,
		  pid_t **out, size_t *n_out, char *errbuf, size_t errsize)
{
	struct name_matcher *m;
	pid_t *pids;
	size_t i, k = 0;
	int err;

	*out = NULL;
	*n_out = 0;
	err = name_matcher_new(name, &m, errbuf, errsize);
	if (err)
		return err;
	pids = calloc(n ? n : 1, sizeof(*pids));
	if (!pids) {
		name_matcher_free(m);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (procs[i].tgid != self && name_matcher_match(m, procs[i].comm))
			pids[k++] = procs[i].tgid;
	name_matcher_free(m);
	qsort(pids, k, sizeof(*pids), cmp_pid);
	*out = pids;
	*n_out = k;
	return 0;
}

static const struct proc_entry *find_proc(const struct proc_entry *procs, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (procs[i].tgid == pid)
			return &procs[i];
	return NULL;
}

static bool in_set(const pid_t *set, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

/* Does an ancestor of pid belong to matches? Bounded by n steps against ppid loops. */
static bool has_matching_ancestor(const struct proc_entry *procs, size_t n, pid_t pid,
				  const pid_t *matches, size_t n_matches)
{
	const struct proc_entry *e = find_proc(procs, n, pid);
	size_t steps;

	for (steps = 0; e && e->ppid > 0 && e->ppid != pid && steps < n; steps++) {
		if (in_set(matches, n_matches, e->ppid))
			return true;
		e = find_proc(procs, n, e->ppid);
	}
	return false;
}

size_t match_roots(const struct proc_entry *procs, size_t n, const pid_t *matches, size_t n_matches,
		   pid_t *roots, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n_matches; i++) {
		if (has_matching_ancestor(procs, n, matches[i], matches, n_matches))
			continue;
		if (k < max)
			roots[k] = matches[i];
		k++;
	}
	qsort(roots, k < max ? k : max, sizeof(*roots), cmp_pid);
	return k;
}

int mountinfo_find_cgroup2(const char *text, char *mount, size_t size)
{
	const char *line = text;

	/* "36 25 0:30 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw,..." */
	while (line && *line) {
		const char *eol = strchr(line, '\n'), *sep;
		char buf[4096], mnt[4096], fstype[64];
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			sep = strstr(buf, " - ");
			if (sep && sscanf(buf, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
			    sscanf(sep + 3, "%63s", fstype) == 1 &&
			    strcmp(fstype, "cgroup2") == 0) {
				if (strlen(mnt) >= size)
					return -ENAMETOOLONG;
				strcpy(mount, mnt);
				return 0;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

/* Does path contain a ".." component? */
static bool has_dotdot(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, ".."))) {
		bool start = p == path || p[-1] == '/';
		bool end = p[2] == '\0' || p[2] == '/';

		if (start && end)
			return true;
		p += 2;
	}
	return false;
}

int cgroup_resolve_path(const char *mount, const char *arg, char *out, size_t size)
{
	size_t ml = strlen(mount), len;
	const char *rel = arg;
	int n;

	if (!arg || !*arg || has_dotdot(arg))
		return -EINVAL;
	while (ml > 1 && mount[ml - 1] == '/')
		ml--;
	if (arg[0] == '/' && strncmp(arg, mount, ml) == 0 && (arg[ml] == '/' || !arg[ml]))
		rel = arg + ml;
	while (*rel == '/')
		rel++;
	n = snprintf(out, size, "%.*s%s%s", (int)ml, mount, *rel ? "/" : "", rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	len = strlen(out);
	while (len > ml && out[len - 1] == '/')
		out[--len] = '\0';
	return 0;
}

int cgroup_procs_parse(const char *text, pid_t **pids, size_t *n, size_t *cap)
{
	const char *line = text;

	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		unsigned long v;
		char buf[32];

		if (len) {
			if (len >= sizeof(buf))
				return -EINVAL;
			memcpy(buf, line, len);
			buf[len] = '\0';
			if (parse_ulong(buf, 1, 4194304, &v))
				return -EINVAL;
			if (*n == *cap) {
				size_t nc = *cap ? *cap * 2 : 64;
				pid_t *g = realloc(*pids, nc * sizeof(*g));

				if (!g)
					return -ENOMEM;
				*pids = g;
				*cap = nc;
			}
			(*pids)[(*n)++] = (pid_t)v;
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	return 0;
}

enum target_liveness target_liveness(unsigned long long recorded_start, int read_err, char state,
				     unsigned long long start_now)
{
	if (read_err)
		return TARGET_EXITED;
	if (recorded_start && start_now != recorded_start)
		return TARGET_REUSED;
	if (state == 'Z' || state == 'X')
		return TARGET_EXITED;
	return TARGET_ALIVE;
}

int cgroup_level(const char *mount, const char *dir)
{
	size_t ml = strlen(mount);
	const char *p;
	int level = 0;

	while (ml > 1 && mount[ml - 1] == '/')
		ml--;
	if (strncmp(dir, mount, ml) != 0 || (dir[ml] && dir[ml] != '/'))
		return -EINVAL;
	for (p = dir + ml; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

bool targets_usage_error(int err)
{
	return err == -ESRCH || err == -EINVAL || err == -EEXIST || err == -ENOENT ||
	       err == -ENOTDIR || err == -ENAMETOOLONG;
}
