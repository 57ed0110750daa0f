// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fixture.h"
#include "model/interval.h"
#include "json_lite.h"

#define S 1000000000ULL

/* A cumulative snapshot taken at t seconds into the window with the given totals (in ms). */
static struct ws_snapshot snap(double t, __u64 on_ms, __u64 runq_ms, __u64 blocked_ms,
			       int cause, __u64 switches)
{
	struct ws_snapshot s;

	memset(&s, 0, sizeof(s));
	s.ns = FX_START + (__u64)(t * 1e9);
	s.t.on_cpu_ns = on_ms * FX_MS;
	s.t.runq_ns = runq_ms * FX_MS;
	s.t.blocked_ns = blocked_ms * FX_MS;
	if (cause >= 0)
		s.t.blocked_by_cause[cause] = blocked_ms * FX_MS;
	s.t.vol_switches = switches;
	s.threads = 2;
	return s;
}

Test(interval, deltas, .description = "shares and rates come from the difference of snapshots")
{
	struct ws_snapshot a = snap(1.0, 900, 100, 1000, WS_CAUSE_LOCK, 100);
	struct ws_snapshot b = snap(1.5, 1300, 200, 1500, WS_CAUSE_LOCK, 150);
	struct ws_interval iv;

	/* In the half second: on 400, runq 100, blocked 500 ms; 50 switches. */
	interval_compute(&a, &b, FX_START, &iv);
	cr_assert_float_eq(iv.t_s, 1.5, 1e-9);
	cr_assert_float_eq(iv.interval_s, 0.5, 1e-9);
	cr_assert_float_eq(iv.on_cpu_share, 0.4, 1e-9);
	cr_assert_float_eq(iv.runq_share, 0.1, 1e-9);
	cr_assert_float_eq(iv.blocked_share, 0.5, 1e-9);
	cr_assert_float_eq(iv.busy_on_cpu_share, 0.4, 1e-9, "lock waits are busy time");
	cr_assert_float_eq(iv.switches_per_s, 100.0, 1e-9);
	cr_assert_eq(iv.top_cause, WS_CAUSE_LOCK);
	cr_assert_float_eq(iv.top_cause_share, 1.0, 1e-9);
	cr_assert_eq(iv.threads, 2);
	cr_assert_str_eq(iv.cls, "lock-bound");
}

Test(interval, first_from_zero, .description = "the first interval is the zero snapshot to now")
{
	struct ws_snapshot z = { .ns = FX_START };
	struct ws_snapshot b = snap(0.5, 480, 20, 500, WS_CAUSE_SLEEP, 10);
	struct ws_interval iv;

	interval_compute(&z, &b, FX_START, &iv);
	cr_assert_float_eq(iv.on_cpu_share, 0.48, 1e-9);
	/* A spinner and a sleeping main thread: busy time leaves the sleep out. */
	cr_assert_float_eq(iv.busy_on_cpu_share, 0.96, 1e-9);
	cr_assert_str_eq(iv.cls, "cpu-bound");
	cr_assert_str_eq(ws_cause_name(iv.top_cause), "sleep");
}

Test(interval, counters_never_go_back, .description = "a smaller later value is a 0 delta")
{
	struct ws_snapshot a = snap(1.0, 500, 0, 500, WS_CAUSE_NET, 10);
	struct ws_snapshot b = snap(2.0, 400, 0, 900, WS_CAUSE_NET, 5);
	struct ws_interval iv;

	interval_compute(&a, &b, FX_START, &iv);
	cr_assert_float_eq(iv.on_cpu_share, 0.0, 1e-9);
	cr_assert_float_eq(iv.blocked_share, 1.0, 1e-9);
	cr_assert_float_eq(iv.switches_per_s, 0.0, 1e-9);
	cr_assert_str_eq(iv.cls, "io-bound");
}

Test(interval, empty_interval, .description = "nothing accounted: NaN shares, no cause, no class")
{
	struct ws_snapshot a = snap(1.0, 5, 5, 5, -1, 1), b = a;
	struct ws_interval iv;

	b.ns += S / 2;
	interval_compute(&a, &b, FX_START, &iv);
	cr_assert(isnan(iv.on_cpu_share));
	cr_assert(isnan(iv.busy_on_cpu_share));
	cr_assert_eq(iv.top_cause, -1);
	cr_assert_null(iv.cls);
}

Test(interval, classes, .description = "idle >= 80% is underloaded; else the biggest busy part")
{
	struct ws_times d;

	memset(&d, 0, sizeof(d));
	d.blocked_ns = d.blocked_by_cause[WS_CAUSE_IDLE] = 850;
	d.on_cpu_ns = 150;
	cr_assert_str_eq(interval_class(&d), "underloaded");
	d.blocked_ns = d.blocked_by_cause[WS_CAUSE_IDLE] = 500;
	d.runq_ns = 400;
	d.on_cpu_ns = 100;
	cr_assert_str_eq(interval_class(&d), "cpu-starved");
	d.runq_ns = 200;
	d.on_cpu_ns = 150;
	d.blocked_ns += 150;
	d.blocked_by_cause[WS_CAUSE_DISK] = 150;
	cr_assert_str_eq(interval_class(&d), "mixed", "no part reaches half the busy time");
	memset(&d, 0, sizeof(d));
	d.blocked_ns = d.blocked_by_cause[WS_CAUSE_SLEEP] = 100;
	cr_assert_str_eq(interval_class(&d), "mixed", "only sleeping: no busy time");
	memset(&d, 0, sizeof(d));
	d.blocked_by_cause[WS_CAUSE_IDLE] = 300;
	d.blocked_by_cause[WS_CAUSE_PARKED] = 600;
	d.blocked_ns = 900;
	d.on_cpu_ns = 100;
	cr_assert_str_eq(interval_class(&d), "underloaded", "parked is spare, not lock-bound");
	cr_assert_eq(interval_busy_ns(&d), 100);
}

Test(interval, snapshot_sums, .description = "live records close their open interval; exited add")
{
	struct ws_thread_record r = fx_record(7, WS_STATE_RUNNING, FX_START + 100 * FX_MS,
					      FX_START + 300 * FX_MS);
	struct ws_exited_totals e = { .on_cpu_ns = 10 * FX_MS, .blocked_ns = 5 * FX_MS,
				      .vol_switches = 3, .handoffs = 4 };
	struct ws_snapshot s = { 0 };

	e.blocked_by_cause[WS_CAUSE_NET] = 5 * FX_MS;
	r.acct.on_cpu_ns = 50 * FX_MS;
	snapshot_add_record(&s, &r, FX_START);
	snapshot_add_exited(&s, &e);
	cr_assert_eq(s.t.on_cpu_ns, (50 + 200 + 10) * FX_MS, "open 200 ms closed at the record");
	cr_assert_eq(s.t.blocked_by_cause[WS_CAUSE_NET], 5 * FX_MS);
	cr_assert_eq(s.t.vol_switches, 3);
	cr_assert_eq(s.t.handoffs, 4, "exited threads' handoffs are kept");
	cr_assert_eq(s.threads, 1, "only live threads are counted");
}

Test(interval, json_line, .description = "one JSON object on one line, with every key")
{
	struct ws_snapshot a = snap(1.0, 900, 100, 1000, WS_CAUSE_LOCK, 100);
	struct ws_snapshot b = snap(1.5, 1300, 200, 1500, WS_CAUSE_LOCK, 150);
	static const char *const keys[] = { "t_s", "interval_s", "threads", "on_cpu_share",
					    "runq_share", "blocked_share", "busy_on_cpu_share",
					    "switches_per_s", "top_wait", "top_wait_share",
					    "class" };
	struct ws_interval iv;
	struct jl_value *v;
	char *buf = NULL, jerr[128];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	interval_compute(&a, &b, FX_START, &iv);
	report_interval_json(f, &iv);
	fclose(f);
	cr_assert_eq(strchr(buf, '\n'), buf + len - 1, "exactly one line: %s", buf);
	v = jl_parse(buf, len, jerr, sizeof(jerr));
	cr_assert_not_null(v, "parses: %s (%s)", buf, jerr);
	cr_assert_str_eq(jl_get_str(v, "type"), "interval");
	cr_assert_str_eq(jl_get_str(v, "top_wait"), "lock");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert_not_null(jl_get(v, keys[i]), "key %s", keys[i]);
	jl_free(v);
	free(buf);
}

Test(interval, text_line, .description = "the compact text line")
{
	struct ws_snapshot a = snap(1.0, 900, 100, 1000, WS_CAUSE_LOCK, 100);
	struct ws_snapshot b = snap(1.5, 1300, 200, 1500, WS_CAUSE_LOCK, 150);
	struct ws_interval iv;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	interval_compute(&a, &b, FX_START, &iv);
	report_interval_text(f, &iv);
	fclose(f);
	cr_assert_str_eq(buf, "    1.5s  threads   2  cpu  40.0%  runq  10.0%  blocked  50.0%  "
			      "busy-cpu  40.0%  sw/s     100  wait lock 100%  lock-bound\n");
	free(buf);
}
