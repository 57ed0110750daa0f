// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Agent-mode options: --listen, --label, --per-process, --verdict-window, -d 0. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static enum cli_result parse(struct ws_opts *o, char *err, size_t err_size,
			     const char *const *args)
{
	static char *argv[32];
	char out[4096];
	int argc = 0;
	FILE *fo = fmemopen(out, sizeof(out), "w"), *fe = fmemopen(err, err_size, "w");
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

Test(fleet_cli, listen_defaults, .description = "--listen: an agent, until a signal, 10 s "
					       "interval, 60 s verdict window")
{
	const char *a[] = { "-n", "nginx", "--listen", "127.0.0.1:9465", NULL };
	struct ws_opts o;
	char err[512] = "";

	cr_assert_eq(parse(&o, err, sizeof(err), a), CLI_OK, "%s", err);
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
	char err[512] = "";

	cr_assert_eq(parse(&o, err, sizeof(err), a), CLI_OK, "%s", err);
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
	char err[512] = "";

	cr_assert_eq(parse(&o, err, sizeof(err), a), CLI_OK, "%s", err);
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

struct bad_case {
	const char *args[12];
	const char *msg;
};

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
		char err[512] = "";

		cr_assert_eq(parse(&o, err, sizeof(err), cases[i].args), CLI_USAGE_ERR,
			     "case %zu", i);
		cr_assert_not_null(strstr(err, cases[i].msg), "case %zu: '%s' not in '%s'", i,
				   cases[i].msg, err);
	}
}
