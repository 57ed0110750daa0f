/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Target discovery for -n NAME and -c CGROUP. The deciding logic (name matching, the ambiguity
 * rule, cgroup path resolution) is pure and works on plain structs; thin scanners fill them from
 * /proc and the cgroup2 file system.
 */
#ifndef WS_TARGETS_H
#define WS_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "host/procfs.h"


/*
 * Name matching rule (-n), like pgrep: a process matches when its comm (the 15-character name in
 * /proc/PID/comm) equals NAME exactly, or when NAME, compiled as a POSIX extended regular
 * expression, matches anywhere in the comm (anchor it with ^...$ for a whole-name match).
 * Returns 0 and sets *match, or -EINVAL when NAME is not a valid regular expression.
 */
struct name_matcher;
int name_matcher_new(const char *name, struct name_matcher **out, char *errbuf, size_t errsize);
bool name_matcher_match(const struct name_matcher *m, const char *comm);
void name_matcher_free(struct name_matcher *m);

/*
 * Select the processes among procs[] that match, excluding self. The result (caller frees
 * *out) is sorted by PID. Returns 0, -EINVAL (bad pattern: errbuf says why) or -ENOMEM.
 */
int match_by_name(const struct proc_entry *procs, size_t n, const char *name, pid_t self,
		  pid_t **out, size_t *n_out, char *errbuf, size_t errsize);

/*
 * The roots of a set of matches: the matches whose parent chain (through procs[]) does not reach
 * another match. All matches form one process tree when there is exactly one root, e.g. a
 * gunicorn master and its workers; more than one root is ambiguous. Returns the number of roots
 * and writes up to max of them to roots (sorted by PID).
 */
size_t match_roots(const struct proc_entry *procs, size_t n, const pid_t *matches,
		   size_t n_matches, pid_t *roots, size_t max);

/*
 * Resolve -n NAME to target PIDs: a one-line error and -ESRCH when nothing matches, -EINVAL on a
 * bad pattern, -EEXIST when the matches belong to more than one process tree (the message lists
 * the candidates and suggests -p). Caller frees *pids.
 */
int targets_by_name(const char *name, pid_t **pids, size_t *n);

/*
 * The cgroup2 mount point from /proc/self/mountinfo text (the first "cgroup2" file system).
 * Returns 0, or -ENOENT when there is none.
 */
int mountinfo_find_cgroup2(const char *text, char *mount, size_t size);

/*
 * The directory of cgroup arg under the cgroup2 mount: an absolute path inside the mount is used
 * as it is; any other absolute path ("/system.slice/x.service", as /proc/PID/cgroup shows it)
 * and any relative path are taken relative to the mount. ".." components are refused.
 * Returns 0, -EINVAL (empty, "..") or -ENAMETOOLONG.
 */
int cgroup_resolve_path(const char *mount, const char *arg, char *out, size_t size);

/*
 * Parse cgroup.procs text (one PID a line) and append the PIDs to *pids (grown as needed).
 * Returns 0, -EINVAL (junk) or -ENOMEM.
 */
int cgroup_procs_parse(const char *text, pid_t **pids, size_t *n, size_t *cap);

/* Depth of directory dir below the cgroup2 mount (the mount itself is 0); -EINVAL if outside. */
int cgroup_level(const char *mount, const char *dir);

/* The cgroup -c names, for the kernel side: its id (inode number) and depth. */
struct cgroup_target {
	unsigned long long id;
	unsigned int level;
};

/*
 * Resolve -c PATH to the PIDs of every process in the cgroup and its descendant cgroups, with a
 * one-line error on a missing path (-ENOENT), a path that is not a cgroup v2 directory (-ENOTDIR)
 * or an empty cgroup (-ESRCH). An absolute path outside the cgroup2 mount that exists (e.g. a
 * cgroup v1 directory) is taken as it is, and refused as not cgroup v2. Caller frees *pids.
 */
int targets_by_cgroup(const char *path, pid_t **pids, size_t *n, struct cgroup_target *cg);

/* Is an error of targets_by_name / targets_by_cgroup the user's (exit 2), not the system's? */
bool targets_usage_error(int err);

/* PID reuse: is the process with a recorded start time still the same one? */
enum target_liveness {
	TARGET_ALIVE = 0,
	TARGET_EXITED,   /* gone, or a zombie */
	TARGET_REUSED,   /* the PID now names a process with another start time */
};

/*
 * Pure: from the result of reading /proc/PID/stat now (read_err 0 and st, or -errno) and the
 * start time recorded at validation (0: unknown, never called reused).
 */
enum target_liveness target_liveness(unsigned long long recorded_start, int read_err,
				     char state, unsigned long long start_now);

struct collector;
struct ws_profile;

/*
 * Re-check every target's start time (right before and right after attach): a target that exited
 * or whose PID was reused is taken out of the kernel's targets and marked exited, with a warning.
 * Returns 0, or -ESRCH (one-line error) when no target is left.
 */
int targets_recheck(struct collector *c, struct ws_profile *p);

#endif /* WS_TARGETS_H */
