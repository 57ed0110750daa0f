/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_lite.h"
#include "report/frame_coverage.h"
#include "report/report.h"
#include "unit/fixture.h"

/* Run report_json on p and parse what it wrote: exactly one line of strict JSON. */
static struct jl_value *report(const struct ws_profile *p)
{
	char *out = fx_capture(report_json, p, NULL), err[128];
	size_t len = strlen(out);
	struct jl_value *v;

	cr_assert_gt(len, 0);
	cr_expect_eq(out[len - 1], '\n', "ends with a newline");
	cr_expect_eq(strchr(out, '\n'), out + len - 1, "one line");
	v = jl_parse(out, len, err, sizeof(err));
	cr_assert_not_null(v, "%s\n%s", err, out);
	free(out);
	return v;
}

static uint64_t u64_at(const struct jl_value *v, const char *path)
{
	uint64_t u = 0;

	cr_assert(jl_get_u64(v, path, &u), "%s: not an unsigned integer", path);
	return u;
}

static double num_at(const struct jl_value *v, const char *path)
{
	double d = 0;

	cr_assert(jl_get_double(v, path, &d), "%s: not a number", path);
	return d;
}

struct key_case {
	char path[48];
	enum jl_type type;
};

ParameterizedTestParameters(report_json, keys)
{
	static struct key_case cases[] = {
		{ "schema", JL_STRING },
		{ "command", JL_NULL },
		{ "targets", JL_ARRAY },
		{ "targets[0].pid", JL_NUMBER },
		{ "targets[0].comm", JL_STRING },
		{ "targets[0].exited", JL_BOOL },
		{ "targets[0].exit_s", JL_NULL },
		{ "duration_s", JL_NUMBER },
		{ "window.start_ns", JL_NUMBER },
		{ "window.end_ns", JL_NUMBER },
		{ "ended_by", JL_STRING },
		{ "attach_mode", JL_STRING },
		{ "threads_seen", JL_NUMBER },
		{ "totals.on_cpu_ns", JL_NUMBER },
		{ "totals.runq_ns", JL_NUMBER },
		{ "totals.blocked_ns", JL_NUMBER },
		{ "totals.vol_switches", JL_NUMBER },
		{ "totals.invol_switches", JL_NUMBER },
		{ "totals.wakeups", JL_NUMBER },
		{ "totals.handoffs", JL_NUMBER },
		{ "totals.observed_ns", JL_NUMBER },
		{ "totals.on_cpu_share", JL_NUMBER },
		{ "totals.runq_share", JL_NUMBER },
		{ "totals.blocked_share", JL_NUMBER },
		{ "totals.vol_switches_per_s", JL_NUMBER },
		{ "totals.invol_switches_per_s", JL_NUMBER },
		{ "coverage", JL_NUMBER },
		{ "complete", JL_BOOL },
		{ "untracked_threads", JL_NUMBER },
		{ "histograms.runq.count", JL_NUMBER },
		{ "histograms.runq.p50_ns", JL_NUMBER },
		{ "histograms.runq.p90_ns", JL_NUMBER },
		{ "histograms.runq.p99_ns", JL_NUMBER },
		{ "histograms.runq.slots[0].low_ns", JL_NUMBER },
		{ "histograms.runq.slots[0].high_ns", JL_NUMBER },
		{ "histograms.runq.slots[0].count", JL_NUMBER },
		{ "histograms.blocked.count", JL_NUMBER },
		{ "histograms.blocked.slots", JL_ARRAY },
		{ "threads", JL_ARRAY },
		{ "threads[0].tid", JL_NUMBER },
		{ "threads[0].tgid", JL_NUMBER },
		{ "threads[0].comm", JL_STRING },
		{ "threads[0].on_cpu_ns", JL_NUMBER },
		{ "threads[0].runq_ns", JL_NUMBER },
		{ "threads[0].blocked_ns", JL_NUMBER },
		{ "threads[0].vol_switches", JL_NUMBER },
		{ "threads[0].invol_switches", JL_NUMBER },
		{ "threads[0].wakeups", JL_NUMBER },
		{ "threads[0].handoffs", JL_NUMBER },
		{ "threads[0].observed_ns", JL_NUMBER },
		{ "threads[0].coverage", JL_NUMBER },
		{ "threads[0].exited", JL_BOOL },
		{ "threads[0].born", JL_BOOL },
		{ "unlisted_threads.threads", JL_NUMBER },
		{ "unlisted_threads.on_cpu_ns", JL_NUMBER },
		{ "unlisted_threads.runq_ns", JL_NUMBER },
		{ "unlisted_threads.blocked_ns", JL_NUMBER },
		{ "drops.storage", JL_NUMBER },
		{ "drops.exit_record", JL_NUMBER },
		{ "drops.exit_totals", JL_NUMBER },
		{ "drops.target_full", JL_NUMBER },
		{ "drops.total", JL_NUMBER },
		{ "anomalies", JL_NUMBER },
		{ "anomaly_kinds.seed_race", JL_NUMBER },
		{ "anomaly_kinds.wakeup_unseen", JL_NUMBER },
		{ "anomaly_kinds.switch_in_unseen", JL_NUMBER },
		{ "anomaly_kinds.switch_out_unseen", JL_NUMBER },
		{ "crosscheck", JL_NULL },
		{ "stack_frames", JL_NULL },
		{ "overhead", JL_NULL },
	};

	return cr_make_param_array(struct key_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct key_case *c, report_json, keys,
		  .description = "every documented key is there, with its type")
{
	struct ws_profile p;
	struct jl_value *v;
	const struct jl_value *x;

	fx_profile(&p);
	v = report(&p);
	x = jl_get(v, c->path);
	cr_assert_not_null(x, "missing %s", c->path);
	cr_expect_eq(x->type, c->type, "%s is %s, want %s", c->path, jl_type_name(x->type),
		     jl_type_name(c->type));
	jl_free(v);
	profile_free(&p);
}

Test(report_json, header_values, .description = "schema, target, window and how it ended")
{
	struct ws_profile p;
	struct jl_value *v;

	fx_profile(&p);
	v = report(&p);
	cr_expect_str_eq(jl_get_str(v, "schema"), "waitscope/1");
	cr_expect_eq(u64_at(v, "targets[0].pid"), 4242);
	cr_expect_str_eq(jl_get_str(v, "targets[0].comm"), "server");
	cr_expect_float_eq(num_at(v, "duration_s"), 5.0, 1e-9);
	cr_expect_eq(u64_at(v, "window.start_ns"), FX_START);
	cr_expect_eq(u64_at(v, "window.end_ns"), FX_END);
	cr_expect_str_eq(jl_get_str(v, "ended_by"), "duration");
	cr_expect_str_eq(jl_get_str(v, "attach_mode"), "tp_btf");
	cr_expect_eq(u64_at(v, "threads_seen"), 4);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, totals_values, .description = "totals, shares of observed time, rates, coverage")
{
	struct ws_profile p;
	struct jl_value *v;

	fx_profile(&p);
	v = report(&p);
	cr_expect_eq(u64_at(v, "totals.on_cpu_ns"), 4500 * FX_MS);
	cr_expect_eq(u64_at(v, "totals.runq_ns"), 1500 * FX_MS);
	cr_expect_eq(u64_at(v, "totals.blocked_ns"), 6000 * FX_MS);
	cr_expect_eq(u64_at(v, "totals.observed_ns"), 12000 * FX_MS);
	cr_expect_eq(u64_at(v, "totals.vol_switches"), 510);
	cr_expect_float_eq(num_at(v, "totals.on_cpu_share"), 0.375, 1e-9);
	cr_expect_float_eq(num_at(v, "totals.runq_share"), 0.125, 1e-9);
	cr_expect_float_eq(num_at(v, "totals.blocked_share"), 0.5, 1e-9);
	cr_expect_float_eq(num_at(v, "totals.vol_switches_per_s"), 102.0, 1e-9);
	cr_expect_float_eq(num_at(v, "totals.invol_switches_per_s"), 30.0, 1e-9);
	cr_expect_float_eq(num_at(v, "coverage"), 1.0, 1e-9);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, histograms, .description = "count, rounded percentiles, non-empty slots only")
{
	struct ws_profile p;
	struct jl_value *v;

	fx_profile(&p);
	v = report(&p);
	cr_expect_eq(u64_at(v, "histograms.runq.count"), 100);
	cr_expect_eq(u64_at(v, "histograms.runq.p50_ns"), 1593);
	cr_expect_eq(u64_at(v, "histograms.runq.p90_ns"), 2048);
	cr_expect_eq(u64_at(v, "histograms.runq.p99_ns"), 1992294);
	cr_assert_eq(jl_len(jl_get(v, "histograms.runq.slots")), 2);
	cr_expect_eq(u64_at(v, "histograms.runq.slots[0].low_ns"), 1024);
	cr_expect_eq(u64_at(v, "histograms.runq.slots[0].high_ns"), 2048);
	cr_expect_eq(u64_at(v, "histograms.runq.slots[0].count"), 90);
	cr_expect_eq(u64_at(v, "histograms.runq.slots[1].low_ns"), 1 << 20);
	cr_expect_eq(u64_at(v, "histograms.runq.slots[1].count"), 10);
	cr_expect_eq(u64_at(v, "histograms.blocked.count"), 4);
	cr_expect_eq(u64_at(v, "histograms.blocked.p50_ns"), 50331648);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, threads_sorted, .description = "all threads, biggest first, with flags")
{
	struct ws_profile p;
	struct jl_value *v;
	bool b;

	fx_profile(&p);
	v = report(&p);
	cr_assert_eq(jl_len(jl_get(v, "threads")), 3);
	cr_expect_eq(u64_at(v, "threads[0].tid"), 4242);
	cr_expect_eq(u64_at(v, "threads[1].tid"), 4243);
	cr_expect_eq(u64_at(v, "threads[2].tid"), 4244);
	cr_expect_str_eq(jl_get_str(v, "threads[1].comm"), "worker");
	cr_expect_eq(u64_at(v, "threads[1].on_cpu_ns"), 3000 * FX_MS);
	cr_expect_eq(u64_at(v, "threads[1].observed_ns"), 4000 * FX_MS);
	cr_assert(jl_get_bool(v, "threads[1].born", &b));
	cr_expect(b);
	cr_assert(jl_get_bool(v, "threads[1].exited", &b));
	cr_expect_not(b);
	cr_assert(jl_get_bool(v, "threads[2].exited", &b));
	cr_expect(b);
	cr_expect_eq(u64_at(v, "unlisted_threads.threads"), 1);
	cr_expect_eq(u64_at(v, "unlisted_threads.on_cpu_ns"), 500 * FX_MS);
	cr_expect_eq(u64_at(v, "unlisted_threads.observed_ns"), 1000 * FX_MS);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, hostile_comm, .description = "any bytes in comm still give valid JSON")
{
	struct ws_profile p;
	struct jl_value *v;

	fx_profile(&p);
	/* 0xff is invalid, c3 9b is U+00DB, the lone 0x9b continuation bytes are invalid */
	memcpy(p.threads[0].comm, "a\"\\\n\x01\xff\xc3", 7);
	memset(p.threads[0].comm + 7, '\x9b', WS_COMM_LEN - 7); /* no terminating NUL */
	memcpy(p.targets[0].comm, "\x1b]0;pwned\x07", 11);
	v = report(&p);
	cr_expect_str_eq(jl_get_str(v, "threads[0].comm"),
			 "a\"\\\n\x01\xef\xbf\xbd\xc3\x9b"
			 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	cr_expect_str_eq(jl_get_str(v, "targets[0].comm"), "\x1b]0;pwned\x07");
	jl_free(v);
	profile_free(&p);
}

Test(report_json, command_and_exit, .description = "command string, exited target, ended_by")
{
	char *argv[] = { "./app", "--flag", "two words", NULL };
	struct ws_profile p;
	struct jl_value *v;
	bool b;

	fx_profile(&p);
	cr_assert_eq(profile_set_command(&p, argv), 0);
	p.targets[0].exited = true;
	p.targets[0].exit_ns = FX_START + 2500 * FX_MS;
	p.all_targets_exited = true;
	v = report(&p);
	cr_expect_str_eq(jl_get_str(v, "command"), "./app --flag 'two words'");
	cr_assert(jl_get_bool(v, "targets[0].exited", &b));
	cr_expect(b);
	cr_expect_float_eq(num_at(v, "targets[0].exit_s"), 2.5, 1e-9);
	cr_expect_str_eq(jl_get_str(v, "ended_by"), "targets-exited");
	jl_free(v);
	p.interrupted = true;
	v = report(&p);
	cr_expect_str_eq(jl_get_str(v, "ended_by"), "signal");
	jl_free(v);
	profile_free(&p);
}

Test(report_json, drops_and_anomalies, .description = "each drop kind, their total, anomalies")
{
	struct ws_profile p;
	struct jl_value *v;

	fx_profile(&p);
	p.counters.drops[WS_DROP_STORAGE] = 1;
	p.counters.drops[WS_DROP_EXIT_RECORD] = 2;
	p.counters.drops[WS_DROP_EXIT_TOTALS] = 3;
	p.counters.drops[WS_DROP_TARGET_FULL] = 4;
	p.counters.anomalies = 9;
	p.counters.anomaly_kinds[WS_ANOMALY_SEED_RACE] = 5;
	p.counters.anomaly_kinds[WS_ANOMALY_WAKEUP_UNSEEN] = 4;
	v = report(&p);
	cr_expect_eq(u64_at(v, "drops.storage"), 1);
	cr_expect_eq(u64_at(v, "drops.exit_record"), 2);
	cr_expect_eq(u64_at(v, "drops.exit_totals"), 3);
	cr_expect_eq(u64_at(v, "drops.target_full"), 4);
	cr_expect_eq(u64_at(v, "drops.total"), 10);
	cr_expect_eq(u64_at(v, "anomalies"), 9);
	cr_expect_eq(u64_at(v, "anomaly_kinds.seed_race"), 5);
	cr_expect_eq(u64_at(v, "anomaly_kinds.wakeup_unseen"), 4);
	cr_expect_eq(u64_at(v, "anomaly_kinds.switch_in_unseen"), 0);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, complete_flag, .description = "complete: true without drops, false with them")
{
	struct ws_profile p;
	struct jl_value *v;
	bool b = false;

	fx_profile(&p);
	v = report(&p);
	cr_expect(jl_get_bool(v, "complete", &b) && b);
	cr_expect_eq(u64_at(v, "untracked_threads"), 0);
	jl_free(v);
	p.counters.drops[WS_DROP_EXIT_RECORD] = 1;
	v = report(&p);
	cr_expect(jl_get_bool(v, "complete", &b) && !b);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, crosscheck, .description = "ratios BPF/schedstat, null on a zero denominator")
{
	struct ws_profile p;
	struct jl_value *v;

	fx_profile(&p);
	p.crosscheck.valid = true;
	p.crosscheck.threads = 2;
	p.crosscheck.bpf_on_cpu_ns = 998;
	p.crosscheck.kernel_on_cpu_ns = 1000;
	p.crosscheck.bpf_runq_ns = 5;
	p.crosscheck.kernel_run_delay_ns = 0;
	v = report(&p);
	cr_expect_eq(u64_at(v, "crosscheck.threads"), 2);
	cr_expect_eq(u64_at(v, "crosscheck.bpf_on_cpu_ns"), 998);
	cr_expect_eq(u64_at(v, "crosscheck.bpf_runq_ns"), 5);
	cr_expect_eq(u64_at(v, "crosscheck.schedstat_on_cpu_ns"), 1000);
	cr_expect_eq(u64_at(v, "crosscheck.schedstat_run_delay_ns"), 0);
	cr_expect_float_eq(num_at(v, "crosscheck.on_cpu_ratio"), 0.998, 1e-9);
	cr_expect(jl_is_null(jl_get(v, "crosscheck.runq_ratio")));
	jl_free(v);
	profile_free(&p);
}

Test(report_json, empty_profile, .description = "nothing measured: still valid, nulls not NaN")
{
	struct ws_profile p;
	struct jl_value *v;

	profile_init(&p);
	profile_finish(&p);
	v = report(&p);
	cr_expect_eq(jl_len(jl_get(v, "targets")), 0);
	cr_expect_eq(jl_len(jl_get(v, "threads")), 0);
	cr_expect(jl_is_null(jl_get(v, "attach_mode")));
	cr_expect(jl_is_null(jl_get(v, "totals.on_cpu_share")));
	cr_expect(jl_is_null(jl_get(v, "totals.vol_switches_per_s")));
	cr_expect(jl_is_null(jl_get(v, "histograms.runq.p50_ns")));
	cr_expect_eq(jl_len(jl_get(v, "histograms.runq.slots")), 0);
	cr_expect_float_eq(num_at(v, "coverage"), 1.0, 1e-9);
	cr_expect_float_eq(num_at(v, "duration_s"), 0.0, 1e-9);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, decimals, .description = "shares with 4 decimals, seconds with 3")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.window_end_ns = FX_START + 5002345678ULL;
	profile_finish(&p);
	out = fx_capture(report_json, &p, NULL);
	cr_expect_not_null(strstr(out, "\"duration_s\":5.002,"), "%s", out);
	cr_expect_not_null(strstr(out, "\"on_cpu_share\":0."), "%s", out);
	cr_expect_not_null(strstr(out, "\"coverage\":"), "%s", out);
	free(out);
	p.window_end_ns = FX_END;
	profile_finish(&p);
	out = fx_capture(report_json, &p, NULL);
	cr_expect_not_null(strstr(out, "\"on_cpu_share\":0.3750,"), "%s", out);
	cr_expect_not_null(strstr(out, "\"coverage\":1.0000,"), "%s", out);
	free(out);
	profile_free(&p);
}

Test(report_json, syscalls_waits_and_calls,
     .description = "waits always; count and call latency only with --syscalls, else null")
{
	struct ws_profile p;
	struct jl_value *v;
	bool traced = true;

	fx_profile(&p);
	p.syscalls = calloc(1, sizeof(*p.syscalls));
	cr_assert_not_null(p.syscalls);
	p.n_syscalls = 1;
	p.syscalls[0].nr = 45;
	p.syscalls[0].s.blocked_ns = 2000 * FX_MS;
	p.syscalls[0].s.waits = 40;
	p.syscalls[0].s.wait_slots[25] = 40;
	p.syscalls[0].s.count = 41;
	p.syscalls[0].s.total_ns = 2001 * FX_MS;
	p.syscalls[0].s.lat_slots[25] = 41;

	v = report(&p);
	cr_assert(jl_get_bool(v, "syscalls_traced", &traced) && !traced);
	cr_expect_str_eq(jl_get_str(v, "syscalls[0].name"), "recvfrom");
	cr_expect_eq(u64_at(v, "syscalls[0].waits"), 40);
	cr_expect_eq(u64_at(v, "syscalls[0].wait.count"), 40);
	cr_expect(u64_at(v, "syscalls[0].wait_p50_ns") >= (1ull << 25));
	cr_expect(u64_at(v, "syscalls[0].wait_p50_ns") < (1ull << 26));
	/* The kernel counters are not trusted without the hooks: null, not their value */
	cr_expect(jl_is_null(jl_get(v, "syscalls[0].count")));
	cr_expect(jl_is_null(jl_get(v, "syscalls[0].p50_ns")));
	cr_expect(jl_is_null(jl_get(v, "syscalls[0].latency")));
	jl_free(v);

	p.syscalls_traced = true;
	v = report(&p);
	cr_assert(jl_get_bool(v, "syscalls_traced", &traced) && traced);
	cr_expect_eq(u64_at(v, "syscalls[0].count"), 41);
	cr_expect_eq(u64_at(v, "syscalls[0].total_ns"), 2001 * FX_MS);
	cr_expect_eq(u64_at(v, "syscalls[0].latency.count"), 41);
	cr_expect_eq(u64_at(v, "syscalls[0].waits"), 40);
	jl_free(v);
	profile_free(&p);
}

Test(report_json, stack_frames, .description = "with stacks: unknown user frames, per binary and why")
{
	struct frame_coverage c;
	struct report_opts o = { .frames = &c };
	struct ws_profile p;
	struct jl_value *v;
	char *out, err[128];

	fx_frame_coverage(&c);
	fx_profile(&p);
	out = fx_capture(report_json, &p, &o);
	v = jl_parse(out, strlen(out), err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_eq(u64_at(v, "stack_frames.user_frames"), 12);
	cr_assert_eq(u64_at(v, "stack_frames.unknown"), 4);
	cr_assert_float_eq(num_at(v, "stack_frames.unknown_share"), 0.3333, 1e-9);
	cr_assert_eq(u64_at(v, "stack_frames.stacks"), 3);
	cr_assert_eq(u64_at(v, "stack_frames.cut_short"), 1);
	cr_assert_str_eq(jl_get_str(v, "stack_frames.binaries[0].name"), "app");
	cr_assert_eq(u64_at(v, "stack_frames.binaries[0].unknown"), 3);
	cr_assert_eq(u64_at(v, "stack_frames.binaries[0].why.no_symbols"), 3);
	cr_assert_eq(u64_at(v, "stack_frames.binaries[0].why.jit_no_map"), 0);
	cr_assert_eq(u64_at(v, "stack_frames.binaries[0].cut_short"), 1);
	cr_assert_eq(u64_at(v, "stack_frames.binaries[1].why.jit_no_map"), 1);
	cr_assert_eq(u64_at(v, "stack_frames.binaries[1].why.process_gone"), 0);
	cr_assert_eq(u64_at(v, "stack_frames.binaries[2].unknown"), 0);
	jl_free(v);
	free(out);
	profile_free(&p);
}
