/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "util/json.h"
#include "lib/json_lite.h"
#include "collect/overhead.h"
#include "report/report.h"

static void add_prog(struct ws_overhead_snapshot *s, const char *name, __u64 cnt, __u64 ns)
{
	struct ws_prog_stat *p = &s->progs[s->n_progs++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->run_cnt = cnt;
	p->run_time_ns = ns;
}

/* Before: switch 100 runs, sys_enter 10. After: switch +1000 runs in 95000 ns, etc. */
static void window(struct ws_overhead *o, bool stats)
{
	struct ws_overhead_snapshot a = {}, b = {};

	add_prog(&a, "tp_sched_switch", 100, 9000);
	add_prog(&a, "sc_enter", 10, 400);
	a.cpu_ns = 5000000;
	a.wall_ns = 1000000000;
	/* different order after, and a program seen only after */
	add_prog(&b, "sc_enter", 3010, 120400);
	add_prog(&b, "tp_sched_switch", 1100, 104000);
	add_prog(&b, "tp_sched_wakeup_new", 0, 0);
	b.cpu_ns = 5000000 + 8000000;
	b.wall_ns = 3000000000;
	overhead_compute(o, &a, &b, stats, 9 * 1024 * 1024);
}

static char *capture_text(const struct ws_overhead *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	report_overhead_text(f, o);
	fclose(f);
	return buf;
}

static struct jl_value *capture_json(const struct ws_overhead *o)
{
	struct json_writer w;
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jl_value *v;

	cr_assert_not_null(f);
	json_init(&w, f, 0);
	json_obj_begin(&w);
	report_overhead_json(&w, o);
	json_obj_end(&w);
	cr_assert_not(w.error);
	fclose(f);
	v = jl_parse(buf, len, err, sizeof(err));
	cr_assert_not_null(v, "%s: %s", err, buf);
	free(buf);
	return v;
}

struct name_case {
	char prog[32];
	char want[32];
};

ParameterizedTestParameters(overhead, prog_name)
{
	static struct name_case cases[] = {
		{ "tp_sched_switch", "sched_switch" },
		{ "raw_sched_switch", "sched_switch" },
		{ "sc_enter", "sys_enter" },
		{ "sc_exit", "sys_exit" },
		{ "raw_sched_process_exit", "sched_process_exit" },
		{ "seed_threads", "seed_threads" },
	};

	return cr_make_param_array(struct name_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct name_case *c, overhead, prog_name,
		  .description = "display names drop tp_/raw_ and name syscall handlers sys_*")
{
	char buf[32];

	cr_expect_str_eq(overhead_prog_name(c->prog, buf, sizeof(buf)), c->want);
}

Test(overhead, compute, .description = "deltas per program matched by name, totals, CPU, RSS")
{
	struct ws_overhead o;

	window(&o, true);
	cr_assert(o.bpf_stats);
	cr_assert_eq(o.n_progs, 3);
	cr_expect_str_eq(o.progs[0].name, "sys_enter");
	cr_expect_eq(o.progs[0].events, 3000);
	cr_expect_eq(o.progs[0].run_ns, 120000);
	cr_expect_str_eq(o.progs[1].name, "sched_switch");
	cr_expect_eq(o.progs[1].events, 1000);
	cr_expect_eq(o.progs[1].run_ns, 95000);
	cr_expect_eq(o.progs[2].events, 0);
	cr_expect_eq(o.events, 4000);
	cr_expect_eq(o.run_ns, 215000);
	cr_expect_eq(o.cpu_ns, 8000000);
	cr_expect_eq(o.wall_ns, 2000000000);
	cr_expect_eq(o.rss_bytes, 9 * 1024 * 1024);
	cr_expect_float_eq(overhead_cpu_share(&o), 0.004, 1e-12);
	cr_expect_float_eq(overhead_ns_per_event(o.run_ns, o.events), 53.75, 1e-12);
	cr_expect(isnan(overhead_ns_per_event(0, 0)));
}

Test(overhead, counters_never_go_negative, .description = "a smaller later counter is 0")
{
	struct ws_overhead_snapshot a = {}, b = {};
	struct ws_overhead o;

	add_prog(&a, "tp_sched_switch", 500, 5000);
	add_prog(&b, "tp_sched_switch", 400, 4000);
	a.wall_ns = 10;
	b.wall_ns = 5;
	overhead_compute(&o, &a, &b, true, 0);
	cr_expect_eq(o.events, 0);
	cr_expect_eq(o.run_ns, 0);
	cr_expect_eq(o.wall_ns, 0);
	cr_expect(isnan(overhead_cpu_share(&o)));
}

Test(overhead, text, .description = "one line, programs with events only, CPU share and RSS")
{
	const char *want = "overhead: 4000 events, 54 ns/event, sys_enter 40 ns/event, "
			   "sched_switch 95 ns/event; waitscope CPU 0.4% of one core, RSS 9.0 MiB\n";
	struct ws_overhead o;
	char *out;

	window(&o, true);
	out = capture_text(&o);
	cr_expect_str_eq(out, want);
	free(out);
}

Test(overhead, text_without_stats, .description = "says the BPF side is unknown")
{
	const char *want = "overhead: BPF run-time stats unavailable; waitscope CPU 0.4% of one "
			   "core, RSS 9.0 MiB\n";
	struct ws_overhead o;
	char *out;

	window(&o, false);
	out = capture_text(&o);
	cr_expect_str_eq(out, want);
	free(out);
}

Test(overhead, json, .description = "events, ns per event in total and per program, CPU, RSS")
{
	struct ws_overhead o;
	struct jl_value *v;
	uint64_t u;
	double d;

	window(&o, true);
	v = capture_json(&o);
	cr_assert(jl_get_u64(v, "overhead.events", &u));
	cr_expect_eq(u, 4000);
	cr_assert(jl_get_double(v, "overhead.bpf_ns_per_event", &d));
	cr_expect_float_eq(d, 53.8, 1e-9); /* one decimal */
	cr_expect_eq(jl_len(jl_get(v, "overhead.programs")), 3);
	cr_expect_str_eq(jl_get_str(v, "overhead.programs[1].name"), "sched_switch");
	cr_assert(jl_get_u64(v, "overhead.programs[1].events", &u));
	cr_expect_eq(u, 1000);
	cr_assert(jl_get_u64(v, "overhead.programs[1].run_ns", &u));
	cr_expect_eq(u, 95000);
	cr_assert(jl_get_double(v, "overhead.programs[1].ns_per_event", &d));
	cr_expect_float_eq(d, 95.0, 1e-9);
	cr_expect(jl_is_null(jl_get(v, "overhead.programs[2].ns_per_event")));
	cr_assert(jl_get_u64(v, "overhead.cpu_ns", &u));
	cr_expect_eq(u, 8000000);
	cr_assert(jl_get_double(v, "overhead.cpu_share", &d));
	cr_expect_float_eq(d, 0.004, 1e-9);
	cr_assert(jl_get_u64(v, "overhead.rss_bytes", &u));
	cr_expect_eq(u, 9 * 1024 * 1024);
	jl_free(v);
}

Test(overhead, json_without_stats, .description = "null events and ns per event, no programs")
{
	struct ws_overhead o;
	struct jl_value *v;

	window(&o, false);
	o.rss_bytes = 0;
	v = capture_json(&o);
	cr_expect(jl_is_null(jl_get(v, "overhead.events")));
	cr_expect(jl_is_null(jl_get(v, "overhead.bpf_ns_per_event")));
	cr_expect_eq(jl_len(jl_get(v, "overhead.programs")), 0);
	cr_expect(jl_is_null(jl_get(v, "overhead.rss_bytes")));
	jl_free(v);
}

Test(overhead, json_null, .description = "no measurement: \"overhead\": null")
{
	struct jl_value *v = capture_json(NULL);

	cr_expect(jl_is_null(jl_get(v, "overhead")));
	jl_free(v);
}

Test(overhead, cli_no_bpf_stats, .description = "--no-bpf-stats is off by default, on when given")
{
	char *argv[] = { "waitscope", "-p", "12", "--no-bpf-stats", NULL };
	char buf[1024];
	FILE *out = fmemopen(buf, sizeof(buf), "w");
	struct ws_opts o;

	cr_assert_not_null(out);
	cr_assert_eq(cli_parse(3, argv, &o, out, out), CLI_OK);
	cr_expect_not(o.no_bpf_stats);
	cli_free(&o);
	cr_assert_eq(cli_parse(4, argv, &o, out, out), CLI_OK);
	cr_expect(o.no_bpf_stats);
	cli_free(&o);
	fclose(out);
}
