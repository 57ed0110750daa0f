// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "util/numparse.h"

enum { OPT_READY_FILE = 256, OPT_RAW_TP, OPT_VERSION, OPT_FOLDED, OPT_PPROF, OPT_PROM,
       OPT_NO_BPF_STATS, OPT_MAX_THREADS, OPT_SYSCALLS, OPT_LISTEN, OPT_LABEL, OPT_PER_PROCESS,
       OPT_VERDICT_WINDOW, OPT_MANGLED };

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
	{ "pprof", required_argument, NULL, OPT_PPROF },
	{ "mangled", no_argument, NULL, OPT_MANGLED },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "name", required_argument, NULL, 'n' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "user", required_argument, NULL, 'u' },
	{ "interval", required_argument, NULL, 'i' },
	{ "no-bpf-stats", no_argument, NULL, OPT_NO_BPF_STATS },
	{ "syscalls", no_argument, NULL, OPT_SYSCALLS },
	{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "per-process", no_argument, NULL, OPT_PER_PROCESS },
	{ "verdict-window", required_argument, NULL, OPT_VERDICT_WINDOW },
	{},
};

void cli_usage(FILE *f)
{
	fputs("USAGE: waitscope {-p PID[,PID...] | -n NAME | -c CGROUP | [-u USER] -- COMMAND [ARGS...]}\n"
	      "                 [-d SECONDS] [-i SECONDS] [-f] [-j] [-T] [-v] [--folded FILE]\n"
	      "                 [--pprof FILE] [--mangled] [--prom FILE] [--syscalls]\n"
	      "       waitscope {-p PID | -n NAME | -c CGROUP} --listen [ADDR:]PORT [-i SECONDS]\n"
	      "                 [-d SECONDS] [--label KEY=VALUE]... [--per-process]\n"
	      "                 [--verdict-window SECONDS] [--prom FILE]\n"
	      "\n"
	      "Measure where a process's threads spend their time: on CPU, waiting in the run queue\n"
	      "for a CPU, or blocked off CPU (by cause), and whether an async event loop would help.\n"
	      "Needs root (or CAP_BPF + CAP_PERFMON) and kernel BTF. See waitscope(8).\n"
	      "\n"
	      "Targets (give one):\n"
	      "  -p, --pid PID[,PID...]  profile these processes (all their threads)\n"
	      "  -n, --name NAME         processes whose name (comm) is NAME, or matches NAME as an\n"
	      "                          extended regex (as pgrep); must be one process tree\n"
	      "  -c, --cgroup PATH       every process in cgroup v2 PATH and its child cgroups\n"
	      "                          (/sys/fs/cgroup/... or relative to it), and their forks\n"
	      "  -- COMMAND [ARGS...]    launch COMMAND and profile it until it exits or -d ends\n"
	      "                          (then it is sent SIGTERM)\n"
	      "  -u, --user USER         run COMMAND as USER (name or uid); waitscope stays root\n"
	      "  -f, --follow            also profile descendant processes: existing ones and those\n"
	      "                          forked during the window (e.g. a pre-fork server's workers)\n"
	      "\n"
	      "Window and output:\n"
	      "  -d, --duration SECONDS  length of the window (default 10; with -- COMMAND: until it\n"
	      "                          exits; 0: until SIGINT or SIGTERM); fractions allowed;\n"
	      "                          Ctrl-C ends it early\n"
	      "  -i, --interval SECONDS  one line per interval during the window (with -j: JSON\n"
	      "                          Lines), then the full report\n"
	      "  -j, --json              print one JSON object (schema waitscope/1, docs/json.md)\n"
	      "  -T, --threads           per-thread table in the text report\n"
	      "  -v, --verbose           libbpf and debug messages on stderr\n"
	      "      --folded FILE       write folded stacks (flamegraph.pl, speedscope) to FILE:\n"
	      "                          off-CPU (offcpu;...) and sampled on-CPU (oncpu;...) time;\n"
	      "                          costs ~1 us per blocking switch\n"
	      "      --pprof FILE        write the same stacks as a gzipped pprof profile (go tool\n"
	      "                          pprof, Pyroscope, Grafana): off-cpu and on-cpu nanoseconds\n"
	      "      --mangled           keep C++ and Rust names in the stacks as the binary spells\n"
	      "                          them (_ZN3foo3barEv), not demangled (foo::bar)\n"
	      "      --prom FILE         write the report as Prometheus metrics (node_exporter\n"
	      "                          textfile collector, docs/prometheus.md)\n"
	      "      --syscalls          also trace every syscall of the targets: call counts and\n"
	      "                          latency histograms per syscall. Costs every task on the\n"
	      "                          machine ~100-300 ns per syscall while on; without it, the\n"
	      "                          syscall a thread blocks in is read when it blocks\n"
	      "      --ready-file FILE   write FILE once attached (for scripts waiting on waitscope)\n"
	      "      --raw-tp            use raw_tp tracepoints even where tp_btf works\n"
	      "      --no-bpf-stats      leave BPF run-time stats off: no per-event cost in the\n"
	      "                          overhead line, and no clock reads added to each event\n"
	      "      --max-threads N     track at most N threads at once and buffer N exit records\n"
	      "                          (default: no limit with tp_btf, 16384 with --raw-tp; 8192\n"
	      "                          exit records); past it the report says what is missing\n"
	      "\n"
	      "Agent (fleet) mode: counters that accumulate, for Prometheus (docs/prometheus.md):\n"
	      "      --listen [ADDR:]PORT  serve GET /metrics on ADDR (default: every address) until\n"
	      "                          SIGINT/SIGTERM (-d: until then); -i SECONDS (default 10)\n"
	      "                          is the update interval, SIGHUP reopens the outputs; -n and\n"
	      "                          -c are resolved again every interval (restarts followed)\n"
	      "      --prom FILE -i S    without --listen: an agent rewriting FILE every interval\n"
	      "                          (node_exporter textfile collector)\n"
	      "      --label KEY=VALUE   add this label to every series (repeatable)\n"
	      "      --per-process       also series per process (tgid label)\n"
	      "      --verdict-window S  the async verdict over the last S seconds (default 60)\n"
	      "  -h, --help              this help\n"
	      "      --version           print the version\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  waitscope -p 1234            # profile process 1234 for 10 seconds\n"
	      "  waitscope -p 1234,1240 -d 5  # two processes (e.g. a server's workers), 5 seconds\n"
	      "  waitscope -p 1234 -j         # JSON for scripts\n"
	      "  waitscope -f -p 4321         # a gunicorn master and all its workers\n"
	      "  waitscope -n gunicorn -d 30  # the same, found by name\n"
	      "  waitscope -c system.slice/nginx.service   # a systemd service (or a container)\n"
	      "  waitscope -p 1234 -d 60 -i 5 # a line every 5 s for a minute, then the report\n"
	      "  waitscope -u nobody -T -- ./server   # run ./server as nobody, per-thread table\n"
	      "  waitscope -p 1234 --folded cpu.folded && flamegraph.pl cpu.folded > cpu.svg\n"
	      "  waitscope -p 1234 --pprof cpu.pb.gz && go tool pprof -http=: cpu.pb.gz\n"
	      "  waitscope -p 1234 --prom /var/lib/node_exporter/textfile/waitscope.prom\n"
	      "  waitscope -n gunicorn --listen 127.0.0.1:9465 --label service=checkout\n",
	      f);
}

/* A FILE argument: any non-empty path. */
static int set_path(const char **dst, const char *opt, const char *arg, FILE *err)
{
	if (!*arg) {
		fprintf(err, "waitscope: invalid %s: empty path\n", opt);
		return -1;
	}
	*dst = arg;
	return 0;
}

bool cli_label_ok(const char *arg)
{
	static const char *const ours[] = { "comm", "tgid", "state", "cause", "kind", "le",
					    "verdict", "class", "bound", "version", "exited",
					    "job", "instance" };
	const char *eq = strchr(arg, '=');
	size_t len, i;

	if (!eq || eq == arg || (arg[0] == '_' && arg[1] == '_'))
		return false;
	len = (size_t)(eq - arg);
	for (i = 0; i < len; i++) {
		char c = arg[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strlen(ours[i]) == len && !strncmp(ours[i], arg, len))
			return false;
	return true;
}

int cli_parse_listen(const char *arg, char *addr, size_t size, unsigned int *port)
{
	const char *colon = strrchr(arg, ':'), *p = colon ? colon + 1 : arg;
	unsigned long v;
	size_t len = colon ? (size_t)(colon - arg) : 0;

	if (parse_ulong(p, 1, 65535, &v))
		return -EINVAL;
	if (len && arg[0] == '[') { /* [IPv6]:PORT */
		if (len < 3 || arg[len - 1] != ']')
			return -EINVAL;
		arg++;
		len -= 2;
	} else if (len && memchr(arg, ':', len)) {
		return -EINVAL; /* an IPv6 address needs its brackets */
	}
	if (colon && !len)
		return -EINVAL;
	if (len >= size)
		return -EINVAL;
	memcpy(addr, arg, len);
	addr[len] = '\0';
	*port = (unsigned int)v;
	return 0;
}

/* Agent mode's rules: its targets, its interval and its default duration. */
static int check_agent(struct ws_opts *o, FILE *err)
{
	o->agent = o->listen || (o->prom_file && o->interval_s > 0);
	if (!o->agent) {
		if (o->n_labels || o->per_process || o->verdict_window_s > 0) {
			fprintf(err, "waitscope: --label, --per-process and --verdict-window need "
				     "--listen or -i with --prom\n");
			return -1;
		}
		return 0;
	}
	if (o->command) {
		fprintf(err, "waitscope: agent mode follows -p, -n or -c, not a command\n");
		return -1;
	}
	if (o->folded_file || o->pprof_file) {
		fprintf(err, "waitscope: --folded and --pprof are one-shot outputs, not for agent "
			     "mode\n");
		return -1;
	}
	if (!o->interval_s)
		o->interval_s = WS_AGENT_INTERVAL_S;
	if (!o->duration_set)
		o->duration_s = 0; /* until a signal */
	if (!o->verdict_window_s)
		o->verdict_window_s = WS_VERDICT_WINDOW_S;
	if (o->verdict_window_s < o->interval_s) {
		fprintf(err, "waitscope: --verdict-window %.3g s is shorter than the interval "
			     "(-i %.3g)\n", o->verdict_window_s, o->interval_s);
		return -1;
	}
	return 0;
}

enum cli_result cli_parse(int argc, char **argv, struct ws_opts *o, FILE *out, FILE *err)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->duration_s = WS_DEFAULT_DURATION_S;
	optind = 0; /* 0, not 1: glibc then also drops its state from an earlier parse */
	opterr = 0;
	/* "+": stop at the first non-option so "--" and COMMAND's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+:p:d:fjTvhn:c:u:i:", long_opts, NULL)) != -1) {
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
			rc = parse_double(optarg, 0, WS_MAX_DURATION_S, &o->duration_s);
			if (!rc && o->duration_s > 0 && o->duration_s < 0.001)
				rc = -ERANGE;
			if (rc) {
				fprintf(err, "waitscope: invalid duration '%s': expected 0 (until a "
					"signal) or seconds from 0.001 to %.0f\n", optarg,
					WS_MAX_DURATION_S);
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
			if (set_path(&o->ready_file, "--ready-file", optarg, err))
				goto usage_err;
			break;
		case OPT_FOLDED:
			if (set_path(&o->folded_file, "--folded", optarg, err))
				goto usage_err;
			break;
		case OPT_PPROF:
			if (set_path(&o->pprof_file, "--pprof", optarg, err))
				goto usage_err;
			break;
		case OPT_MANGLED:
			o->mangled = true;
			break;
		case OPT_PROM:
			if (set_path(&o->prom_file, "--prom", optarg, err))
				goto usage_err;
			break;
		case 'n':
		case 'c':
		case 'u':
			if (cli_parse_target(c, optarg, o, err))
				goto usage_err;
			break;
		case 'i':
			if (parse_double(optarg, WS_MIN_INTERVAL_S, WS_MAX_DURATION_S, &o->interval_s)) {
				fprintf(err, "waitscope: invalid interval '%s': expected seconds from "
					"%.1f to %.0f\n", optarg, WS_MIN_INTERVAL_S, WS_MAX_DURATION_S);
				goto usage_err;
			}
			break;
		case OPT_MAX_THREADS:
			if (parse_ulong(optarg, 1, WS_MAX_THREADS_LIMIT, &o->max_threads)) {
				fprintf(err, "waitscope: invalid --max-threads '%s': expected a number "
					"from 1 to %d\n", optarg, WS_MAX_THREADS_LIMIT);
				goto usage_err;
			}
			break;
		case OPT_LISTEN:
			if (cli_parse_listen(optarg, o->listen_addr, sizeof(o->listen_addr),
					     &o->listen_port)) {
				fprintf(err, "waitscope: invalid --listen '%s': expected [ADDR:]PORT "
					"with PORT from 1 to 65535 ([ADDR] for IPv6)\n", optarg);
				goto usage_err;
			}
			o->listen = optarg;
			break;
		case OPT_LABEL: {
			const char **grown;

			if (!cli_label_ok(optarg)) {
				fprintf(err, "waitscope: invalid --label '%s': expected KEY=VALUE with "
					"KEY a label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*) that "
					"waitscope does not set itself\n", optarg);
				goto usage_err;
			}
			grown = realloc(o->labels, (o->n_labels + 1) * sizeof(*grown));
			if (!grown) {
				fprintf(err, "waitscope: failed to add --label: out of memory\n");
				goto usage_err;
			}
			o->labels = grown;
			o->labels[o->n_labels++] = optarg;
			break;
		}
		case OPT_PER_PROCESS:
			o->per_process = true;
			break;
		case OPT_VERDICT_WINDOW:
			if (parse_double(optarg, 1, WS_MAX_DURATION_S, &o->verdict_window_s)) {
				fprintf(err, "waitscope: invalid --verdict-window '%s': expected "
					"seconds from 1 to %.0f\n", optarg, WS_MAX_DURATION_S);
				goto usage_err;
			}
			break;
		case OPT_RAW_TP:
			o->force_raw_tp = true;
			break;
		case OPT_NO_BPF_STATS:
			o->no_bpf_stats = true;
			break;
		case OPT_SYSCALLS:
			o->syscalls = true;
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

	if (check_agent(o, err) || cli_check_targets(o, err))
		goto usage_err;
	if (o->mangled && !o->folded_file && !o->pprof_file) {
		fprintf(err, "waitscope: --mangled needs --folded or --pprof\n");
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
	free(o->labels);
	o->labels = NULL;
	o->n_labels = 0;
}
