// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* Parse a NULL-terminated argument list; captures stdout and stderr text. */
static enum cli_result parse(struct ws_opts *o, char *out, char *err, const char *const *args)
{
	static char *argv[32]; /* o->command points into it after we return */
	int argc = 0;
	FILE *fo = fmemopen(out, 4096, "w"), *fe = fmemopen(err, 4096, "w");
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

static char out[4096], err[4096];

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
	const char *args[6];
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
		{ { "-p", "1", "-d", "0", NULL }, "invalid duration" },
		{ { "-p", "1", "-d", "1e12", NULL }, "invalid duration" },
		{ { "-p", NULL }, "needs a value" },
		{ { "-p", "1", "-x", NULL }, "unknown option" },
		{ { "-p", "1", "--bogus", NULL }, "unknown option" },
		{ { "-p", "1", "stray", NULL }, "unexpected argument" },
		{ { "-p", "1", "--", "ls", NULL }, "not both" },
		{ { "--", NULL }, "no command" },
		{ { "-p", "1", "--ready-file", "", NULL }, "empty path" },
		{ { "-p", "1", "--pprof", "", NULL }, "invalid --pprof: empty path" },
		{ { "-p", "1", "--prom", "", NULL }, "invalid --prom: empty path" },
		{ { "-p", "1", "--pprof", NULL }, "needs a value" },
		{ { "-p", "1", "--prom", NULL }, "needs a value" },
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
