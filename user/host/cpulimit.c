// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* CPU quota of a process's cgroups: what an event loop could use inside a container. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cpulimit.h"
#include "host/procfs.h"

double cpulimit_parse_cpu_max(const char *text)
{
	char quota[32];
	unsigned long long period;
	char *end;
	double q;

	if (sscanf(text, "%31s %llu", quota, &period) != 2 || !period)
		return -1;
	if (!strcmp(quota, "max"))
		return -1;
	errno = 0;
	q = (double)strtoull(quota, &end, 10);
	if (errno || *end || end == quota || q <= 0)
		return -1;
	return q / (double)period;
}

double cpulimit_parse_cfs(const char *quota, const char *period)
{
	long long q, p;
	char *end;

	errno = 0;
	q = strtoll(quota, &end, 10);
	if (errno || end == quota || (*end && *end != '\n') || q <= 0)
		return -1; /* -1: unlimited */
	p = strtoll(period, &end, 10);
	if (errno || end == period || (*end && *end != '\n') || p <= 0)
		return -1;
	return (double)q / (double)p;
}

static void copy_path(char *dst, size_t size, const char *src, size_t len)
{
	if (!size)
		return;
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void cpulimit_parse_proc_cgroup(const char *text, char *v2, size_t v2_size, char *v1_cpu,
				size_t v1_size)
{
	const char *line = text;

	if (v2_size)
		v2[0] = '\0';
	if (v1_size)
		v1_cpu[0] = '\0';
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;

		if (c2) {
			size_t ctl_len = (size_t)(c2 - c1 - 1);
			const char *path = c2 + 1;
			size_t path_len = len - (size_t)(path - line);

			if (c1 - line == 1 && line[0] == '0' && ctl_len == 0) {
				copy_path(v2, v2_size, path, path_len);
			} else {
				/* controllers are comma-separated: "cpu,cpuacct" */
				const char *ctl = c1 + 1;

				while (ctl < c2) {
					const char *comma = memchr(ctl, ',', (size_t)(c2 - ctl));
					size_t n = comma ? (size_t)(comma - ctl) : (size_t)(c2 - ctl);

					if (n == 3 && !memcmp(ctl, "cpu", 3))
						copy_path(v1_cpu, v1_size, path, path_len);
					ctl = comma ? comma + 1 : c2;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

/* Drop the last path component; false at the root. */
static int parent(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash || slash == path) {
		if (path[0] && strcmp(path, "/")) {
			strcpy(path, "/");
			return 1;
		}
		return 0;
	}
	*slash = '\0';
	return 1;
}

static double tighter(double a, double b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static double v2_limit(const char *mount, char *path)
{
	char file[4096 + 64], buf[128];
	double best = -1;

	do {
		snprintf(file, sizeof(file), "%s%s/cpu.max", mount, strcmp(path, "/") ? path : "");
		if (read_small_file(file, buf, sizeof(buf)) > 0)
			best = tighter(best, cpulimit_parse_cpu_max(buf));
	} while (parent(path));
	return best;
}

static double v1_limit(const char *mount, char *path)
{
	char file[4096 + 64], quota[64], period[64];
	double best = -1;

	do {
		const char *p = strcmp(path, "/") ? path : "";

		snprintf(file, sizeof(file), "%s%s/cpu.cfs_quota_us", mount, p);
		if (read_small_file(file, quota, sizeof(quota)) <= 0)
			continue;
		snprintf(file, sizeof(file), "%s%s/cpu.cfs_period_us", mount, p);
		if (read_small_file(file, period, sizeof(period)) > 0)
			best = tighter(best, cpulimit_parse_cfs(quota, period));
	} while (parent(path));
	return best;
}

double cpulimit_of_pid(pid_t pid)
{
	static const char *const v2_mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	static const char *const v1_mounts[] = { "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct" };
	char file[64], text[4096], v2[2048], v1[2048], path[2048];
	double best = -1;
	size_t i;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (read_small_file(file, text, sizeof(text)) <= 0)
		return -1;
	cpulimit_parse_proc_cgroup(text, v2, sizeof(v2), v1, sizeof(v1));
	for (i = 0; v2[0] && i < sizeof(v2_mounts) / sizeof(v2_mounts[0]); i++) {
		snprintf(path, sizeof(path), "%s", v2);
		best = tighter(best, v2_limit(v2_mounts[i], path));
	}
	for (i = 0; v1[0] && i < sizeof(v1_mounts) / sizeof(v1_mounts[0]); i++) {
		snprintf(path, sizeof(path), "%s", v1);
		best = tighter(best, v1_limit(v1_mounts[i], path));
	}
	return best;
}
