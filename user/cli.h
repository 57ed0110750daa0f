/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-line options: parsed into one struct that is passed down, never a global. */
#ifndef WS_CLI_H
#define WS_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define WS_DEFAULT_DURATION_S 10.0
#define WS_MAX_DURATION_S (366.0 * 24 * 3600)

struct ws_opts {
	pid_t *pids;           /* -p */
	size_t n_pids;
	double duration_s;     /* -d; 0 = until the command exits (only with -- COMMAND) */
	bool duration_set;
	bool json;             /* -j */
	bool per_thread;       /* -T */
	bool follow;           /* -f: descendants, existing and forked during the window */
	bool verbose;          /* -v */
	bool force_raw_tp;     /* --raw-tp: use the raw_tp fallback even where tp_btf works */
	bool no_bpf_stats;     /* --no-bpf-stats: no BPF run-time stats for the overhead line */
	const char *ready_file; /* --ready-file: written once attached (for scripts and tests) */
	const char *folded_file; /* --folded: off-CPU folded stacks written here */
	char **command;        /* argv after "--", NULL-terminated; NULL when not given */
};

enum cli_result {
	CLI_OK = 0,
	CLI_EXIT_OK = 1,    /* --help / --version printed: exit 0 */
	CLI_USAGE_ERR = 2,  /* message printed: exit 2 */
};

/* Parse argv. Errors are one line on err. On CLI_OK the caller owns o and frees it with cli_free. */
enum cli_result cli_parse(int argc, char **argv, struct ws_opts *o, FILE *out, FILE *err);
void cli_free(struct ws_opts *o);
void cli_usage(FILE *f);

#endif /* WS_CLI_H */
