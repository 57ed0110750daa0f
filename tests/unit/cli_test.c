// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

#define OUT_SIZE 8192
#define ERR_SIZE 4096

/* Parse a NULL-terminated argument list; captures stdout and stderr text. */
static enum cli_result parse(struct ws_opts *o, char *out, char *err, const char *const *args)
{
	static char *argv[32]; /* o->command points into it after we return */
	int argc = 0;
	FILE *fo = fmemopen(out, OUT_SIZE, "w"), *fe = fmemopen(err, ERR_SIZE, "w");
	enum cli_result r;

	argv[argc++] = "waitscope";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	r = cli_parse(argc, argv, o, fo, fe);
	fclose(fo);
	fclose(fe);
	return r;
}

static char out[OUT_SIZE], err[ERR_SIZE];

Test(cli, pid_and_defaults, .description = "-p 12 gives one target, 10 s, text report")
{
	struct ws_opts o;
	const char *a[] = { "-p", "12", NULL };

	cr_assert_eq(parse(&o, out, err, a), CLI_OK);
	cr_assert_eq(o.n_pids, 1);
	cr_assert_eq(o.pids[0], 12);
	cr_assert_float_eq(o.duration_s, 10.0, 1e-9);
	cr_assert(!o.json && !o.per_thread && !o.command);
	cli_free(&o);
}

Test(cli, all_flags, .description = "-p list, -d fraction, -j -T -v, --ready-file")
{
	struct ws_opts o;
	const char *a[] = { "-p", "3,4", "-d", "0.5", "-j", "-T", "-v", "-f", "--ready-file",
			    "/tmp/r", NULL };

	cr_assert_eq(parse(&o, out, err, a), CLI_OK);
	cr_assert_eq(o.n_pids, 2);
	cr_assert_float_eq(o.duration_s, 0.5, 1e-9);
	cr_assert(o.json && o.per_thread && o.verbose && o.follow);
	cr_assert_str_eq(o.ready_file, "/tmp/r");
	cli_free(&o);
}

Test(cli, export_files, .description = "--folded, --pprof and --prom take their paths")
{
	struct ws_opts o;
	const char *a[] = { "-p", "3", "--folded", "s.folded", "--pprof", "s.pb.gz", "--prom",
			    "s.prom", NULL };

	cr_assert_eq(parse(&o, out, err, a), CLI_OK);
	cr_assert_str_eq(o.folded_file, "s.folded");
	cr_assert_str_eq(o.pprof_file, "s.pb.gz");
	cr_assert_str_eq(o.prom_file, "s.prom");
	cli_free(&o);
}

Test(cli, mangled, .description = "--mangled with --folded or --pprof keeps names mangled")
{
	struct ws_opts o;
	const char *with_folded[] = { "-p", "3", "--folded", "s.folded", "--mangled", NULL };
	const char *with_pprof[] = { "-p", "3", "--mangled", "--pprof", "s.pb.gz", NULL };
	const char *without[] = { "-p", "3", "--folded", "s.folded", NULL };

	cr_assert_eq(parse(&o, out, err, with_folded), CLI_OK);
	cr_assert(o.mangled);
	cli_free(&o);
	cr_assert_eq(parse(&o, out, err, with_pprof), CLI_OK);
	cr_assert(o.mangled);
	cli_free(&o);
	cr_assert_eq(parse(&o, out, err, without), CLI_OK);
	cr_assert(!o.mangled, "names are demangled by default");
	cli_free(&o);
}

Test(cli, mangled_needs_stacks, .description = "--mangled without --folded/--pprof: usage error")
{
	struct ws_opts o;
	const char *a[] = { "-p", "3", "--mangled", NULL };

	memset(err, 0, sizeof(err));
	cr_assert_eq(parse(&o, out, err, a), CLI_USAGE_ERR);
	cr_assert_str_eq(err, "waitscope: --mangled needs --folded or --pprof\n");
}

Test(cli, help_lists_export_options, .description = "--help documents --pprof and --prom")
{
	struct ws_opts o;
	const char *a[] = { "--help", NULL };

	cr_assert_eq(parse(&o, out, err, a), CLI_EXIT_OK);
	cr_assert_not_null(strstr(out, "--pprof FILE"));
	cr_assert_not_null(strstr(out, "--prom FILE"));
}

Test(cli, command_mode, .description = "-- CMD ARGS keeps the command's own options")
{
	struct ws_opts o;
	const char *a[] = { "-j", "--", "sleep", "-x", "1", NULL };

	cr_assert_eq(parse(&o, out, err, a), CLI_OK);
	cr_assert_not_null(o.command);
	cr_assert_str_eq(o.command[0], "sleep");
	cr_assert_str_eq(o.command[1], "-x");
	cr_assert_float_eq(o.duration_s, 0.0, 1e-9, "no -d: until the command exits");
	cli_free(&o);
}

Test(cli, help_exits_zero, .description = "--help prints USAGE and EXAMPLES on stdout")
{
	struct ws_opts o;
	const char *a[] = { "--help", NULL };

	cr_assert_eq(parse(&o, out, err, a), CLI_EXIT_OK);
	cr_assert_not_null(strstr(out, "USAGE:"));
	cr_assert_not_null(strstr(out, "EXAMPLES:"));
}

struct bad_case {
	const char *args[12];
	const char *msg;
};

Test(cli, usage_errors, .description = "malformed input: one line on stderr, CLI_USAGE_ERR")
{
	static const struct bad_case cases[] = {
		{ { NULL }, "no target" },
		{ { "-p", "abc", NULL }, "invalid PID list" },
		{ { "-p", "0", NULL }, "invalid PID list" },
		{ { "-p", "", NULL }, "invalid PID list" },
		{ { "-p", "1", "-d", "-5", NULL }, "invalid duration" },
		{ { "-p", "1", "-d", "10abc", NULL }, "invalid duration" },
		{ { "-p", "1", "-d", "-1", NULL }, "invalid duration" },
		{ { "-p", "1", "-d", "0.0001", NULL }, "invalid duration" },
		{ { "-p", "1", "-d", "1e12", NULL }, "invalid duration" },
		{ { "-p", NULL }, "needs a value" },
		{ { "-p", "1", "-x", NULL }, "unknown option" },
		{ { "-p", "1", "--bogus", NULL }, "unknown option" },
		{ { "-p", "1", "stray", NULL }, "unexpected argument" },
		{ { "-p", "1", "--", "ls", NULL }, "give one target" },
		{ { "--", NULL }, "no command" },
		{ { "-p", "1", "--ready-file", "", NULL }, "empty path" },
		{ { "-p", "1", "--pprof", "", NULL }, "invalid --pprof: empty path" },
		{ { "-p", "1", "--prom", "", NULL }, "invalid --prom: empty path" },
		{ { "-p", "1", "--pprof", NULL }, "needs a value" },
		{ { "-p", "1", "--prom", NULL }, "needs a value" },
		{ { "-n", "", NULL }, "invalid name" },
		{ { "-c", "", NULL }, "invalid cgroup" },
		{ { "-n", "x", "-p", "1", NULL }, "give one target" },
		{ { "-c", "a", "-n", "x", NULL }, "give one target" },
		{ { "-c", "a", "--", "ls", NULL }, "give one target" },
		{ { "-u", "nobody", "-p", "1", NULL }, "needs a command" },
		{ { "-u", "", "--", "ls", NULL }, "invalid user" },
		{ { "-p", "1", "-i", "0", NULL }, "invalid interval" },
		{ { "-p", "1", "-i", "0.05", NULL }, "invalid interval" },
		{ { "-p", "1", "-i", "x", NULL }, "invalid interval" },
		{ { "-p", "1", "-d", "1", "-i", "2", NULL }, "longer than the window" },
		{ { "-p", "1", "-i", "11", NULL }, "longer than the window" },
		{ { "-p", "1", "--max-threads", "0", NULL }, "invalid --max-threads" },
		{ { "-p", "1", "--max-threads", "65537", NULL }, "invalid --max-threads" },
		{ { "-p", "1", "--max-threads", "-3", NULL }, "invalid --max-threads" },
		{ { "-p", "1", "--max-threads", "16k", NULL }, "invalid --max-threads" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_opts o;
		char *nl;

		memset(err, 0, sizeof(err));
		cr_assert_eq(parse(&o, out, err, cases[i].args), CLI_USAGE_ERR, "case %zu", i);
		cr_assert_not_null(strstr(err, cases[i].msg), "case %zu: '%s'", i, err);
		nl = strchr(err, '\n');
		cr_assert(nl && nl[1] == '\0', "case %zu: exactly one line: '%s'", i, err);
	}
}

Test(cli, target_options, .description = "-n, -c, -u with a command, -i: stored as given")
{
	struct ws_opts o;
	const char *a1[] = { "-n", "^gunicorn$", "-i", "0.5", NULL };
	const char *a4[] = { "-i", "60", "--", "sleep", "100", NULL };
	const char *a2[] = { "--cgroup", "system.slice/x.service", "--interval", "2", NULL };
	const char *a3[] = { "-u", "nobody", "--", "sleep", "1", NULL };

	cr_assert_eq(parse(&o, out, err, a1), CLI_OK);
	cr_assert_str_eq(o.name, "^gunicorn$");
	cr_assert_float_eq(o.interval_s, 0.5, 1e-9);
	cr_assert_null(o.cgroup);
	cli_free(&o);
	cr_assert_eq(parse(&o, out, err, a2), CLI_OK);
	cr_assert_str_eq(o.cgroup, "system.slice/x.service");
	cr_assert_float_eq(o.interval_s, 2.0, 1e-9);
	cli_free(&o);
	cr_assert_eq(parse(&o, out, err, a3), CLI_OK);
	cr_assert_str_eq(o.user, "nobody");
	cr_assert_str_eq(o.command[0], "sleep");
	cli_free(&o);
	cr_assert_eq(parse(&o, out, err, a4), CLI_OK, "a command runs until it exits: %s", err);
	cli_free(&o);
}

Test(cli, help_lists_every_option, .description = "--help names every option, long and short")
{
	static const char *const names[] = {
		"-p, --pid", "-n, --name", "-c, --cgroup", "-u, --user", "-d, --duration",
		"-i, --interval", "-j, --json", "-f, --follow", "-T, --threads", "-v, --verbose",
		"--folded FILE", "--pprof FILE", "--prom FILE", "--ready-file", "--raw-tp",
		"--max-threads N", "--mangled",
		"-h, --help", "--version", "EXAMPLES:",
	};
	struct ws_opts o;
	const char *a[] = { "-h", NULL };
	size_t i;

	memset(out, 0, sizeof(out));
	cr_assert_eq(parse(&o, out, err, a), CLI_EXIT_OK);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_not_null(strstr(out, names[i]), "--help lacks '%s'", names[i]);
}

Test(cli, max_threads, .description = "--max-threads N sets the map size; default 0 (built-in)")
{
	const char *args[] = { "-p", "1", "--max-threads", "16", NULL };
	const char *plain[] = { "-p", "1", NULL };
	struct ws_opts o;

	cr_assert_eq(parse(&o, out, err, args), CLI_OK);
	cr_assert_eq(o.max_threads, 16);
	cli_free(&o);
	cr_assert_eq(parse(&o, out, err, plain), CLI_OK);
	cr_assert_eq(o.max_threads, 0);
	cli_free(&o);
}

Test(cli, reparse_after_error, .description = "a parse after one that stopped mid-cluster is clean")
{
	/* glibc getopt kept a pointer into the first argv ("-jxT": stopped at x) unless reset. */
	const char *bad[] = { "-p", "1", "-jxT", NULL };
	const char *good[] = { "-p", "2", "-d", "3", NULL };
	struct ws_opts o;

	cr_assert_eq(parse(&o, out, err, bad), CLI_USAGE_ERR);
	cr_assert_eq(parse(&o, out, err, good), CLI_OK);
	cr_assert_eq(o.n_pids, 1);
	cr_assert_eq(o.pids[0], 2);
	cr_assert_float_eq(o.duration_s, 3.0, 1e-9);
	cli_free(&o);
}

/* ---- agent mode: --listen, --label, --per-process, --verdict-window, -d 0 ---- */

Test(fleet_cli, listen_defaults, .description = "--listen: an agent, until a signal, 10 s "
					       "interval, 60 s verdict window")
{
	const char *a[] = { "-n", "nginx", "--listen", "127.0.0.1:9465", NULL };
	struct ws_opts o;
	
	cr_assert_eq(parse(&o, out, err, a), CLI_OK, "%s", err);
	cr_assert(o.agent);
	cr_assert_str_eq(o.listen_addr, "127.0.0.1");
	cr_assert_eq(o.listen_port, 9465);
	cr_assert_float_eq(o.duration_s, 0, 0);
	cr_assert_float_eq(o.interval_s, WS_AGENT_INTERVAL_S, 0);
	cr_assert_float_eq(o.verdict_window_s, WS_VERDICT_WINDOW_S, 0);
	cli_free(&o);
}

Test(fleet_cli, textfile_agent, .description = "-i with --prom is an agent; labels repeat")
{
	const char *a[] = { "-c", "system.slice/x.service", "-i", "5", "--prom", "/tmp/w.prom",
			    "--label", "service=checkout", "--label", "team=pay", "--per-process",
			    "--verdict-window", "30", "-d", "120", NULL };
	struct ws_opts o;
	
	cr_assert_eq(parse(&o, out, err, a), CLI_OK, "%s", err);
	cr_assert(o.agent && o.per_process && !o.listen);
	cr_assert_eq(o.n_labels, 2);
	cr_assert_str_eq(o.labels[1], "team=pay");
	cr_assert_float_eq(o.duration_s, 120, 0);
	cr_assert_float_eq(o.verdict_window_s, 30, 0);
	cli_free(&o);
}

Test(fleet_cli, duration_zero, .description = "-d 0 without --listen: a one-shot window until a "
					     "signal")
{
	const char *a[] = { "-p", "1", "-d", "0", "-i", "2", NULL };
	struct ws_opts o;
	
	cr_assert_eq(parse(&o, out, err, a), CLI_OK, "%s", err);
	cr_assert(!o.agent);
	cr_assert_float_eq(o.duration_s, 0, 0);
	cli_free(&o);
}

struct listen_case {
	const char *arg;
	int ok;
	const char *addr;
	unsigned int port;
};

Test(fleet_cli, listen_forms, .description = "[ADDR:]PORT, [IPv6]:PORT; bad ports and bare IPv6 "
					    "refused")
{
	static const struct listen_case cases[] = {
		{ "9465", 1, "", 9465 },           { "127.0.0.1:80", 1, "127.0.0.1", 80 },
		{ "[::1]:9465", 1, "::1", 9465 },  { ":9465", 0, "", 0 },
		{ "::1:9465", 0, "", 0 },          { "0", 0, "", 0 },
		{ "65536", 0, "", 0 },             { "host:x", 0, "", 0 },
		{ "[]:1", 0, "", 0 },              { "", 0, "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct listen_case *c = &cases[i];
		char addr[64] = "";
		unsigned int port = 0;
		int rc = cli_parse_listen(c->arg, addr, sizeof(addr), &port);

		cr_assert_eq(rc == 0, c->ok, "%s", c->arg);
		if (c->ok) {
			cr_assert_str_eq(addr, c->addr);
			cr_assert_eq(port, c->port);
		}
	}
}

Test(fleet_cli, label_names, .description = "label names: Prometheus syntax, not __*, not ours")
{
	cr_assert(cli_label_ok("service=checkout"));
	cr_assert(cli_label_ok("_x1=")); /* an empty value is a valid label value */
	cr_assert(!cli_label_ok("1x=a"));
	cr_assert(!cli_label_ok("a-b=c"));
	cr_assert(!cli_label_ok("=v"));
	cr_assert(!cli_label_ok("novalue"));
	cr_assert(!cli_label_ok("__name__=x"));
	cr_assert(!cli_label_ok("comm=x"), "waitscope sets comm");
	cr_assert(!cli_label_ok("le=x"));
	cr_assert(!cli_label_ok("instance=x"), "the scrape sets instance");
}

Test(fleet_cli, usage_errors, .description = "agent-mode misuse: one line, usage error")
{
	static const struct bad_case cases[] = {
		{ { "-p", "1", "--listen", "x", NULL }, "invalid --listen" },
		{ { "-p", "1", "--listen", "9465", "--label", "comm=a", NULL }, "invalid --label" },
		{ { "-p", "1", "--label", "a=b", NULL }, "need --listen" },
		{ { "-p", "1", "--per-process", NULL }, "need --listen" },
		{ { "--listen", "9465", "--", "/bin/true", NULL }, "not a command" },
		{ { "-p", "1", "--listen", "9465", "--folded", "x", NULL }, "one-shot outputs" },
		{ { "-p", "1", "--listen", "9465", "-i", "10", "--verdict-window", "5", NULL },
		  "shorter than the interval" },
		{ { "-p", "1", "--listen", "9465", "--verdict-window", "0", NULL },
		  "invalid --verdict-window" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_opts o;
		
		cr_assert_eq(parse(&o, out, err, cases[i].args), CLI_USAGE_ERR,
			     "case %zu", i);
		cr_assert_not_null(strstr(err, cases[i].msg), "case %zu: '%s' not in '%s'", i,
				   cases[i].msg, err);
	}
}
