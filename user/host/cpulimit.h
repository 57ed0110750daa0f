/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* CPU bandwidth limits (cgroup CPU quota) of a process: containers get fewer CPUs than online. */
#ifndef WS_CPULIMIT_H
#define WS_CPULIMIT_H

#include <stddef.h>
#include <sys/types.h>

/* cgroup v2 "cpu.max" text ("max 100000" or "QUOTA PERIOD"): CPUs, or -1 for no limit/junk. */
double cpulimit_parse_cpu_max(const char *text);

/* cgroup v1 cpu.cfs_quota_us and cpu.cfs_period_us texts: CPUs, or -1 (quota -1: no limit). */
double cpulimit_parse_cfs(const char *quota, const char *period);

/*
 * From "/proc/PID/cgroup" text: the v2 path (the "0::" line) and the v1 path of the hierarchy
 * holding the "cpu" controller, each copied into its buffer, "" when absent.
 */
void cpulimit_parse_proc_cgroup(const char *text, char *v2, size_t v2_size, char *v1_cpu,
				size_t v1_size);

/*
 * The tightest CPU quota on the process's cgroup and its ancestors, v2 or v1, in CPUs; -1 when
 * none is set or it cannot be read.
 */
double cpulimit_of_pid(pid_t pid);

#endif /* WS_CPULIMIT_H */
