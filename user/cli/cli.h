/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-line options: parsed into one struct that is passed down, never a global. */
#ifndef WS_CLI_H
#define WS_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define WS_DEFAULT_DURATION_S 10.0
#define WS_MAX_DURATION_S (366.0 * 24 * 3600)
#define WS_MIN_INTERVAL_S 0.1
#define WS_MAX_THREADS_LIMIT 65536 /* --max-threads upper bound (exit records: 248 B each) */

struct ws_opts {
	pid_t *pids;           /* -p */
	size_t n_pids;
	double duration_s;     /* -d; 0 = until a signal (or the command exits) */
	bool duration_set;
	bool json;             /* -j */
	bool per_thread;       /* -T */
	bool follow;           /* -f: descendants, existing and forked during the window */
	bool verbose;          /* -v */
	bool force_raw_tp;     /* --raw-tp: use the raw_tp fallback even where tp_btf works */
	bool no_bpf_stats;     /* --no-bpf-stats: no BPF run-time stats for the overhead line */
	bool syscalls;         /* --syscalls: trace every syscall (counts, latency histograms) */
	const char *ready_file; /* --ready-file: written once attached (for scripts and tests) */
	const char *folded_file; /* --folded: off- and on-CPU folded stacks written here */
	const char *pprof_file;  /* --pprof: gzipped pprof profile of the same stacks */
	bool mangled;            /* --mangled: C++/Rust names in the stacks as the binary has them */
	const char *prom_file;   /* --prom: Prometheus text exposition of the report */
	unsigned long max_threads; /* --max-threads: per-thread map size; 0 = the default */
	char **command;        /* argv after "--", NULL-terminated; NULL when not given */
	const char *name;      /* -n: processes by comm or extended regex (targets.h) */
	const char *cgroup;    /* -c: cgroup v2 path, with its descendant cgroups */
	const char *user;      /* -u: run COMMAND as this user (name or numeric uid) */
	double interval_s;     /* -i: one line per interval; 0 = off */
	/* fleet mode (docs/prometheus.md) */
	const char *listen;    /* --listen [ADDR:]PORT: serve GET /metrics; NULL = off */
	char listen_addr[64];  /* its address ("" = every address) and port */
	unsigned int listen_port;
	const char **labels;   /* --label KEY=VALUE, repeatable (argv strings) */
	size_t n_labels;
	bool per_process;      /* --per-process: series with a tgid label */
	double verdict_window_s; /* --verdict-window: the agent's verdict window */
	bool agent;            /* --listen, or -i with --prom: an agent (cli_is_agent) */
};

#define WS_AGENT_INTERVAL_S 10.0   /* the agent's -i default */
#define WS_VERDICT_WINDOW_S 60.0   /* --verdict-window default */
#define WS_VERSION "0.1.0"

enum cli_result {
	CLI_OK = 0,
	CLI_EXIT_OK = 1,    /* --help / --version printed: exit 0 */
	CLI_USAGE_ERR = 2,  /* message printed: exit 2 */
};

/* Parse argv. Errors are one line on err. On CLI_OK the caller owns o and frees it with cli_free. */
enum cli_result cli_parse(int argc, char **argv, struct ws_opts *o, FILE *out, FILE *err);
void cli_free(struct ws_opts *o);
void cli_usage(FILE *f);

/* A --label KEY=VALUE: Prometheus label syntax, not reserved ("__"), not one waitscope sets. */
bool cli_label_ok(const char *arg);
/* --listen [ADDR:]PORT into addr (IPv4 or [IPv6], "" when absent) and port 1..65535. */
int cli_parse_listen(const char *arg, char *addr, size_t size, unsigned int *port);

/* cli_targets.c: -n/-c/-u values, and the rules tying target options together. */
int cli_parse_target(int opt, const char *arg, struct ws_opts *o, FILE *err);
int cli_check_targets(const struct ws_opts *o, FILE *err);

#endif /* WS_CLI_H */
