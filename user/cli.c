// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "numparse.h"

#define WS_VERSION "0.1.0"

enum { OPT_READY_FILE = 256, OPT_RAW_TP, OPT_VERSION, OPT_FOLDED, OPT_NO_BPF_STATS };

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "threads", no_argument, NULL, 'T' },
	{ "follow", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "raw-tp", no_argument, NULL, OPT_RAW_TP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "no-bpf-stats", no_argument, NULL, OPT_NO_BPF_STATS },
	{},
};

void cli_usage(FILE *f)
{
	fputs("USAGE: waitscope [-p PID[,PID...] | -- COMMAND [ARGS...]] [-d SECONDS] [-f] [-j] [-T] [-v]\n"
	      "\n"
	      "Measure where a process's threads spend their time: on CPU, waiting in the run queue\n"
	      "for a CPU, or blocked off CPU. Needs root (or CAP_BPF + CAP_PERFMON) and kernel BTF.\n"
	      "\n"
	      "  -p, --pid PID[,PID...]  profile these processes (all their threads)\n"
	      "  -- COMMAND [ARGS...]    launch COMMAND and profile it until it exits or -d ends\n"
	      "                          (then it is sent SIGTERM)\n"
	      "  -d, --duration SECONDS  length of the window (default 10; with -- COMMAND: until it\n"
	      "                          exits); fractions allowed; Ctrl-C ends it early\n"
	      "  -j, --json              print one JSON object (schema waitscope/1, docs/json.md)\n"
	      "  -f, --follow            also profile descendant processes: existing ones and those\n"
	      "                          forked during the window (e.g. a pre-fork server's workers)\n"
	      "  -T, --threads           per-thread table in the text report\n"
	      "  -v, --verbose           libbpf and debug messages on stderr\n"
	      "      --folded FILE       write off-CPU folded stacks (flamegraph.pl, speedscope) to\n"
	      "                          FILE; costs ~1 us per blocking switch\n"
	      "      --ready-file FILE   write FILE once attached (for scripts waiting on waitscope)\n"
	      "      --raw-tp            use raw_tp tracepoints even where tp_btf works\n"
	      "      --no-bpf-stats      leave BPF run-time stats off: no per-event cost in the\n"
	      "                          overhead line, and no clock reads added to each event\n"
	      "  -h, --help              this help\n"
	      "      --version           print the version\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  waitscope -p 1234            # profile process 1234 for 10 seconds\n"
	      "  waitscope -p 1234,1240 -d 5  # two processes (e.g. a server's workers), 5 seconds\n"
	      "  waitscope -p 1234 -j         # JSON for scripts\n"
	      "  waitscope -f -p 4321         # a gunicorn master and all its workers\n"
	      "  waitscope -T -- ./server     # run ./server and profile it, per-thread table\n"
	      "  waitscope -p 1234 --folded off.folded && flamegraph.pl off.folded > off.svg\n",
	      f);
}

enum cli_result cli_parse(int argc, char **argv, struct ws_opts *o, FILE *out, FILE *err)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->duration_s = WS_DEFAULT_DURATION_S;
	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option so "--" and COMMAND's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+:p:d:fjTvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			pid_t *pids;
			size_t n;

			rc = parse_pid_list(optarg, &pids, &n);
			if (rc) {
				fprintf(err, "waitscope: invalid PID list '%s': expected PID[,PID...] "
					"with PIDs from 1 to 4194304\n", optarg);
				goto usage_err;
			}
			free(o->pids);
			o->pids = pids;
			o->n_pids = n;
			break;
		}
		case 'd':
			rc = parse_double(optarg, 0.001, WS_MAX_DURATION_S, &o->duration_s);
			if (rc) {
				fprintf(err, "waitscope: invalid duration '%s': expected seconds from "
					"0.001 to %.0f\n", optarg, WS_MAX_DURATION_S);
				goto usage_err;
			}
			o->duration_set = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'T':
			o->per_thread = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_READY_FILE:
			if (!*optarg) {
				fprintf(err, "waitscope: invalid --ready-file: empty path\n");
				goto usage_err;
			}
			o->ready_file = optarg;
			break;
		case OPT_FOLDED:
			if (!*optarg) {
				fprintf(err, "waitscope: invalid --folded: empty path\n");
				goto usage_err;
			}
			o->folded_file = optarg;
			break;
		case OPT_RAW_TP:
			o->force_raw_tp = true;
			break;
		case OPT_NO_BPF_STATS:
			o->no_bpf_stats = true;
			break;
		case 'h':
			cli_usage(out);
			cli_free(o);
			return CLI_EXIT_OK;
		case OPT_VERSION:
			fprintf(out, "waitscope %s\n", WS_VERSION);
			cli_free(o);
			return CLI_EXIT_OK;
		case ':':
			fprintf(err, "waitscope: option '%s' needs a value (see --help)\n",
				argv[optind - 1]);
			goto usage_err;
		default:
			if (optopt)
				fprintf(err, "waitscope: unknown option '-%c' (see --help)\n", optopt);
			else
				fprintf(err, "waitscope: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			goto usage_err;
		}
	}

	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(err, "waitscope: unexpected argument '%s' (a command goes after --)\n",
				argv[optind]);
			goto usage_err;
		}
		o->command = &argv[optind];
	} else if (optind > 1 && strcmp(argv[optind - 1], "--") == 0) {
		fprintf(err, "waitscope: no command after --\n");
		goto usage_err;
	}

	if (o->command && o->n_pids) {
		fprintf(err, "waitscope: give either -p PID or -- COMMAND, not both\n");
		goto usage_err;
	}
	if (!o->command && !o->n_pids) {
		fprintf(err, "waitscope: no target: give -p PID or -- COMMAND (see --help)\n");
		goto usage_err;
	}
	if (o->command && !o->duration_set)
		o->duration_s = 0; /* until the command exits */
	return CLI_OK;

usage_err:
	cli_free(o);
	return CLI_USAGE_ERR;
}

void cli_free(struct ws_opts *o)
{
	free(o->pids);
	o->pids = NULL;
	o->n_pids = 0;
}
