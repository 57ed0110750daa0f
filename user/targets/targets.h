/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Targets: which processes a run profiles. The flow is one-directional, and nothing here calls
 * the collector:
 *
 *   cli/        parses -p/-n/-c/-u/-f/-- COMMAND into struct ws_opts (syntax and option rules)
 *   run.c       copies the target options into a struct target_spec
 *   targets/    targets_resolve(): -n and -c scanned (targets_scan.c, over host/procfs.h), each
 *               PID validated, -u resolved; returns a struct target_set (plain data)
 *               targets_launch() / targets_add_descendants() complete the set after the load
 *   run.c       targets_to_profile(), then hands each tgid and the cgroup to the collector
 *   targets/    target_recheck() right before and after attach (PID reuse): run.c takes the
 *               targets it reports gone out of the collector
 *
 * The deciding logic (name matching, the ambiguity rule, cgroup path resolution, liveness) is
 * pure and works on plain structs (targets.c); thin scanners fill them from /proc and the
 * cgroup2 file system (targets_scan.c, resolve.c).
 */
#ifndef WS_TARGETS_H
#define WS_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "host/procfs.h"
#include "targets/cred.h"
#include "targets/launch.h"

struct ws_profile;
struct ws_target_info;

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
int targets_by_name(const char *name, bool any, pid_t **pids, size_t *n);
/* any (agent mode): every match, no error when none matches or several trees do. */

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
	char dir[4096]; /* its directory, for the agent's re-resolution */
};

/*
 * Resolve -c PATH to the PIDs of every process in the cgroup and its descendant cgroups, with a
 * one-line error on a missing path (-ENOENT), a path that is not a cgroup v2 directory (-ENOTDIR)
 * or an empty cgroup (-ESRCH). An absolute path outside the cgroup2 mount that exists (e.g. a
 * cgroup v1 directory) is taken as it is, and refused as not cgroup v2. Caller frees *pids.
 */
int targets_by_cgroup(const char *path, bool any, pid_t **pids, size_t *n,
		      struct cgroup_target *cg);
/* any (agent mode): an empty cgroup is not an error. */

/* The processes in cg now (quiet; a removed cgroup has none). Caller frees *pids. */
int targets_cgroup_rescan(const struct cgroup_target *cg, pid_t **pids, size_t *n);

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

/* What to profile, as the command line gave it (one source: cli_check_targets). */
struct target_spec {
	const pid_t *pids;   /* -p */
	size_t n_pids;
	const char *name;    /* -n */
	const char *cgroup;  /* -c */
	char **command;      /* -- COMMAND: one target, launched by targets_launch */
	const char *user;    /* -u: who the command runs as */
	bool agent;          /* agent mode: -n/-c may match nothing now, or several trees */
};

/* The resolved targets: plain data for the profile and the collector. */
struct target_set {
	struct ws_target_info *info; /* one per target, until targets_to_profile takes it */
	pid_t *tgids;        /* the same targets' tgids (the profile's list grows with forks) */
	size_t n;
	struct cgroup_target cg; /* -c: the cgroup for the kernel side; id 0 = none */
	struct ws_cred cred; /* -u, when has_cred */
	bool has_cred;
	bool usage_error;    /* a failure of targets_resolve was the user's (exit 2) */
};

/*
 * Resolve and validate the targets (a thread id becomes its process). With a command, one slot
 * is left for targets_launch. Returns 0, or -errno with a one-line error printed and
 * ts->usage_error set when the user's input is at fault. Free ts with target_set_free.
 */
int targets_resolve(const struct target_spec *s, struct target_set *ts);

/* Start the command stopped at its gate (launch.h) and make it the one target. 0 or -errno. */
int targets_launch(struct target_set *ts, struct launch *child, char **argv);

/* -f: the targets' existing descendants join the set. 0 or -errno (message printed). */
int targets_add_descendants(struct target_set *ts);

/* Move ts->info into the profile's target list (ts->tgids stays). */
void targets_to_profile(struct target_set *ts, struct ws_profile *p);

void target_set_free(struct target_set *ts);

/*
 * PID reuse: re-check a target's start time. Returns true when it was alive and has now exited
 * or its PID names another process: it is marked exited (with a warning), and the caller takes it
 * out of the kernel's targets.
 */
bool target_recheck(struct ws_target_info *t);

/*
 * Agent mode, every interval: the processes -n or -c selects now that are not in known[] (sorted
 * or not), validated quietly (one that exits meanwhile is skipped), appended to *out (caller
 * frees). -p selects no new process. Returns the number found, or -errno.
 */
int targets_rescan(const struct target_spec *s, const struct cgroup_target *cg,
		   const pid_t *known, size_t n_known, struct ws_target_info **out);

/* 0 while a target is left, else -ESRCH with a one-line error. */
int targets_check_alive(const struct ws_profile *p);

#endif /* WS_TARGETS_H */
