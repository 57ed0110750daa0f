/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Real-server integration tests (tests/integration/servers_test.c): start a server script from
 * tests/servers/ and its load generator, profile the server with `waitscope -f -p PID -j`, and
 * read the JSON per thread: the share of one wait cause over the threads a predicate selects.
 * No Criterion here: callers assert on what these return.
 */
#ifndef WS_SRVPROF_H
#define WS_SRVPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "itest.h"
#include "json_lite.h"

/* A free TCP port on 127.0.0.1 (bound to port 0, then closed); 0 on failure. */
int srv_free_port(void);

/* Path of tests/servers/NAME: $WAITSCOPE_SOURCE/tests/servers/NAME (default: from the cwd). */
const char *srv_script_path(const char *name, char *buf, size_t size);

/* A private directory for one server, /tmp/ws-srv-TAG.XXXXXX (created); false on failure. */
bool srv_mkdtemp(char *buf, size_t size, const char *tag);
/* rm -rf of a directory made by srv_mkdtemp (the scripts remove theirs; this is the backstop). */
void srv_rmtree(const char *dir);

/* Start tests/servers/SCRIPT with args and wait up to 10 s for its "ready pid=N port=P" line. */
int srv_start(struct example *ex, const char *script, const char *const *args);

/* Start a load generator with stdout and stderr to out_file (through tests/servers/load.sh). */
int srv_load_start(struct example *ex, const char *out_file, const char *const *cmd);
/* Wait up to timeout_s for the load generator to exit by itself, else stop it; its status. */
int srv_load_wait(struct example *ex, double timeout_s);
/* The number following the first occurrence of key in file (e.g. "Requests/sec:"); -1 if none. */
double srv_file_number_after(const char *file, const char *key);

struct srv_profile {
	struct run_result r;
	struct jl_value *j;
	char err[256];   /* why srv_profile failed */
};

/*
 * Run waitscope -f -p pid -d secs -j and parse its report. 0 on success; else -1 with p->err
 * set (p->r keeps what waitscope wrote). With $WS_SERVERS_SAVE set, the JSON is also written to
 * $WS_SERVERS_SAVE/name.json (to record the figures a run found).
 */
int srv_profile(struct srv_profile *p, pid_t pid, const char *secs, const char *name);
void srv_profile_free(struct srv_profile *p);

/* Which threads of the report to count. arg is the predicate's own. */
typedef bool (*srv_thread_pred)(const struct jl_value *thread, const void *arg);

bool srv_thread_main(const struct jl_value *t, const void *unused);       /* tid == tgid */
bool srv_thread_not_main(const struct jl_value *t, const void *unused);   /* tid != tgid */
bool srv_thread_comm_prefix(const struct jl_value *t, const void *prefix); /* comm starts so */
bool srv_thread_not_tgid(const struct jl_value *t, const void *tgid);      /* (const pid_t *) */
/* The process's /proc/TGID/cmdline (its title: "postgres: walwriter") contains the string. */
bool srv_thread_cmdline_has(const struct jl_value *t, const void *needle);

struct srv_cause_sum {
	size_t threads;        /* threads the predicate selected */
	uint64_t blocked_ns;   /* their blocked time */
	uint64_t cause_ns;     /* of which in the cause asked for */
};

/*
 * Sum the cause over the selected threads' blocked_by_cause (a cause the report does not have,
 * e.g. one not implemented yet, counts 0). Returns cause_ns / blocked_ns, or -1 when the
 * selected threads blocked for no time.
 */
double srv_cause_share(const struct jl_value *j, const char *cause, srv_thread_pred pred,
		       const void *arg, struct srv_cause_sum *sum);

/* The blocked_ns of the peers[] entry with this port and cause (0 if none). */
uint64_t srv_peer_ns(const struct jl_value *j, int port, const char *cause);
/* blocked_ns of syscalls[] entry name (0 if absent). */
uint64_t srv_syscall_ns(const struct jl_value *j, const char *name);
/* The first syscalls[] name that is not a real name ("?" or "syscall_N"), or NULL. */
const char *srv_unnamed_syscall(const struct jl_value *j);

/*
 * What the report says, for failure messages and docs/servers.md: per selected thread (pred may
 * be NULL for all) "tid comm blocked=S cause=share ...", then the top syscalls and peers.
 * Returns buf.
 */
char *srv_describe(const struct jl_value *j, srv_thread_pred pred, const void *arg, char *buf,
		   size_t size);

#endif /* WS_SRVPROF_H */
