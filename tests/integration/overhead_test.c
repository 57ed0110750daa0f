// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Self-measurement on the real kernel: BPF run-time stats per program, own CPU time and RSS. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "itest.h"
#include "json_lite.h"

#define TIMEOUT 60

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
}

TestSuite(overhead, .init = require_root, .timeout = TIMEOUT);

static const struct jl_value *find_program(const struct jl_value *progs, const char *name)
{
	size_t i;

	for (i = 0; i < jl_len(progs); i++) {
		const char *n = jl_get_str(jl_at(progs, i), "name");

		if (n && strcmp(n, name) == 0)
			return jl_at(progs, i);
	}
	return NULL;
}

/* Start example (args), profile it for secs with extra options, and parse the JSON report. */
static struct jl_value *profile_example(const char *example, const char *const *args,
					const char *secs, const char *const *extra,
					struct run_result *r)
{
	const char *argv[16];
	char pidbuf[16], err[256];
	struct example ex;
	struct jl_value *j;

	cr_assert_eq(example_start(&ex, example, args), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, secs, extra);
	cr_assert_eq(waitscope_run(r, argv, TIMEOUT), 0);
	example_stop(&ex);
	cr_assert_eq(r->status, 0, "waitscope: %s", r->err);
	j = jl_parse(r->out, strlen(r->out), err, sizeof(err));
	cr_assert_not_null(j, "bad JSON: %s", err);
	return j;
}

Test(overhead, spinner, .description = "events counted, plausible ns per event, CPU share, RSS")
{
	const char *const sp_args[] = { "-n", "2", NULL };
	const struct jl_value *progs, *sw;
	struct run_result r;
	struct jl_value *j;
	uint64_t events, sw_events, rss;
	double ns, share;

	j = profile_example("spinner", sp_args, "2", NULL, &r);

	cr_assert(jl_get_u64(j, "overhead.events", &events), "overhead.events missing or null");
	cr_expect_gt(events, 0);
	cr_assert(jl_get_double(j, "overhead.bpf_ns_per_event", &ns));
	cr_expect(ns > 0 && ns < 100000, "bpf_ns_per_event %.1f", ns);

	progs = jl_get(j, "overhead.programs");
	cr_assert_not_null(progs);
	sw = find_program(progs, "sched_switch");
	cr_assert_not_null(sw, "no sched_switch program in overhead.programs");
	cr_assert(jl_get_u64(sw, "events", &sw_events));
	/* two spinners on two CPUs are switched out by the tick at least */
	cr_expect_gt(sw_events, 0);
	cr_expect_leq(sw_events, events);
	cr_assert(jl_get_double(sw, "ns_per_event", &ns));
	cr_expect(ns > 0 && ns < 100000, "sched_switch ns_per_event %.1f", ns);
	/* Global syscall hooks cost every task on the machine: attached only with --syscalls. */
	cr_assert_null(find_program(progs, "sys_enter"), "sys_enter attached without --syscalls");
	cr_assert_null(find_program(progs, "sys_exit"), "sys_exit attached without --syscalls");

	cr_assert(jl_get_double(j, "overhead.cpu_share", &share));
	cr_expect(share >= 0 && share < 1, "cpu_share %.4f", share);
	cr_assert(jl_get_u64(j, "overhead.rss_bytes", &rss));
	/* issue 6: profiler RSS <= 32 MiB */
	cr_expect(rss > 1024 * 1024 && rss <= 32ull * 1024 * 1024, "rss %llu",
		  (unsigned long long)rss);
	jl_free(j);
	run_result_free(&r);
}

Test(overhead, text_report_ends_with_it, .description = "the last line is the overhead line")
{
	const char *const sl_args[] = { NULL };
	const char *argv[8];
	char pidbuf[16];
	struct run_result r;
	struct example ex;
	char *last;
	size_t len;

	cr_assert_eq(example_start(&ex, "sleeper", sl_args), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", ex.target);
	argv[0] = "-p";
	argv[1] = pidbuf;
	argv[2] = "-d";
	argv[3] = "1";
	argv[4] = NULL;
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	cr_assert_eq(r.status, 0, "waitscope: %s", r.err);
	len = strlen(r.out);
	cr_assert_gt(len, 1);
	r.out[len - 1] = '\0';
	last = strrchr(r.out, '\n');
	last = last ? last + 1 : r.out;
	cr_expect_eq(strncmp(last, "overhead: ", 10), 0, "last line: %s", last);
	cr_expect_not_null(strstr(last, " events, "), "%s", last);
	cr_expect_not_null(strstr(last, "sched_switch "), "%s", last);
	cr_expect_not_null(strstr(last, "waitscope CPU "), "%s", last);
	run_result_free(&r);
}

Test(overhead, no_bpf_stats, .description = "--no-bpf-stats: BPF figures null, own CPU still there")
{
	const char *const sp_args[] = { NULL };
	const char *const extra[] = { "--no-bpf-stats", NULL };
	struct run_result r;
	struct jl_value *j;
	double share;

	j = profile_example("spinner", sp_args, "1", extra, &r);
	cr_expect(jl_is_null(jl_get(j, "overhead.events")));
	cr_expect(jl_is_null(jl_get(j, "overhead.bpf_ns_per_event")));
	cr_expect_eq(jl_len(jl_get(j, "overhead.programs")), 0);
	cr_assert(jl_get_double(j, "overhead.cpu_share", &share));
	cr_expect(share >= 0 && share < 1, "cpu_share %.4f", share);
	jl_free(j);
	run_result_free(&r);
}

Test(overhead, syscalls_option_attaches_syscall_hooks,
     .description = "--syscalls: sys_enter and sys_exit run for the target's calls")
{
	const char *const rl_args[] = { NULL };
	const char *const extra[] = { "--syscalls", NULL };
	const struct jl_value *progs, *p;
	struct run_result r;
	struct jl_value *j;
	uint64_t runs;
	size_t i;

	j = profile_example("readloop", rl_args, "1", extra, &r);
	progs = jl_get(j, "overhead.programs");
	cr_assert_not_null(progs);
	p = find_program(progs, "sys_enter");
	cr_assert_not_null(p, "no sys_enter with --syscalls");
	/* readloop makes millions of read()s a second */
	cr_assert(jl_get_u64(p, "events", &runs) && runs > 10000, "sys_enter runs %llu",
		  (unsigned long long)runs);
	cr_assert_not_null(find_program(progs, "sys_exit"));
	/* The blocked main thread's syscall sorts first: find read() by name. */
	for (i = 0, p = NULL; i < jl_len(jl_get(j, "syscalls")) && !p; i++)
		if (strcmp(jl_get_str(jl_at(jl_get(j, "syscalls"), i), "name"), "read") == 0)
			p = jl_at(jl_get(j, "syscalls"), i);
	cr_assert_not_null(p, "no read in syscalls: %s", r.out);
	cr_assert(jl_get_u64(p, "count", &runs) && runs > 10000, "%s", r.out);
	jl_free(j);
	run_result_free(&r);
}
