// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The agent's accumulator: counters per selector that never go down across target churn. */
#include <criterion/criterion.h>
#include <string.h>
#include "agent_verdict.h"
#include "model/series.h"

#define S 1000000000ull

static struct ws_proc_snapshot snap(pid_t tgid, __u64 on_cpu_s, __u64 blocked_s, __u64 threads)
{
	struct ws_proc_snapshot ps;

	memset(&ps, 0, sizeof(ps));
	ps.tgid = tgid;
	snprintf(ps.comm, sizeof(ps.comm), "srv");
	ps.s.t.on_cpu_ns = on_cpu_s * S;
	ps.s.t.blocked_ns = blocked_s * S;
	ps.s.t.blocked_by_cause[WS_CAUSE_NET] = blocked_s * S;
	ps.s.t.vol_switches = on_cpu_s;
	ps.s.threads = threads;
	return ps;
}

Test(series, first_snapshot_adds_all, .description = "a process seen first adds its whole "
						     "totals; live threads and processes are set")
{
	struct ws_series s;
	struct ws_proc_snapshot p[2] = { snap(10, 3, 1, 2), snap(11, 1, 0, 1) };

	series_init(&s);
	cr_assert_eq(series_update(&s, p, 2), 0);
	cr_assert_eq(s.acc.on_cpu_ns, 4 * S);
	cr_assert_eq(s.acc.blocked_by_cause[WS_CAUSE_NET], 1 * S);
	cr_assert_eq(s.threads, 3);
	cr_assert_eq(s.processes, 2);
	series_free(&s);
}

Test(series, steps_accumulate, .description = "a known process adds its step since the last "
					      "snapshot")
{
	struct ws_series s;
	struct ws_proc_snapshot a = snap(10, 3, 1, 2), b = snap(10, 5, 4, 2);

	series_init(&s);
	series_update(&s, &a, 1);
	series_update(&s, &b, 1);
	cr_assert_eq(s.acc.on_cpu_ns, 5 * S);
	cr_assert_eq(s.acc.blocked_ns, 4 * S);
	cr_assert_eq(s.acc.vol_switches, 5);
	cr_assert_eq(s.updates, 2);
	series_free(&s);
}

Test(series, restart_never_resets, .description = "a service restart: the old process dies and "
						  "is forgotten, the new one adds; no counter drops")
{
	struct ws_series s;
	struct ws_proc_snapshot old1 = snap(10, 4, 0, 4), old2 = snap(10, 6, 0, 4);
	struct ws_proc_snapshot new1 = snap(20, 1, 0, 4);
	__u64 before;

	series_init(&s);
	series_update(&s, &old1, 1);
	old2.dead = true;
	series_update(&s, &old2, 1);
	cr_assert_eq(s.threads, 0, "a dead process has no live threads");
	cr_assert_eq(s.processes, 0);
	series_forget(&s, 10);
	before = s.acc.on_cpu_ns;
	cr_assert_eq(before, 6 * S);
	/* an interval with no live target is not an error */
	cr_assert_eq(series_update(&s, NULL, 0), 0);
	cr_assert_eq(s.acc.on_cpu_ns, before);
	series_update(&s, &new1, 1);
	cr_assert_eq(s.acc.on_cpu_ns, 7 * S, "the new process adds to the same counter");
	cr_assert_eq(s.threads, 4);
	cr_assert_eq(s.n_procs, 1);
	series_free(&s);
}

Test(series, steps_clamped, .description = "a field that reads lower (a thread caught between two "
					   "maps) adds 0, never subtracts")
{
	struct ws_series s;
	struct ws_proc_snapshot a = snap(10, 5, 2, 1), b = snap(10, 4, 3, 1);

	series_init(&s);
	series_update(&s, &a, 1);
	series_update(&s, &b, 1);
	cr_assert_eq(s.acc.on_cpu_ns, 5 * S);
	cr_assert_eq(s.acc.blocked_ns, 3 * S);
	series_free(&s);
}

Test(series, absent_keeps_last, .description = "a process missing from one snapshot is not "
					       "counted twice when it comes back")
{
	struct ws_series s;
	struct ws_proc_snapshot a = snap(10, 2, 0, 1), other = snap(11, 1, 0, 1),
				b = snap(10, 3, 0, 1);

	series_init(&s);
	series_update(&s, &a, 1);
	series_update(&s, &other, 1);
	cr_assert(!s.procs[0].live);
	series_update(&s, &b, 1);
	cr_assert_eq(s.acc.on_cpu_ns, 4 * S);
	series_free(&s);
}

Test(series, kernel_totals_never_lower, .description = "histograms and drop counters only grow")
{
	struct ws_series s;
	struct ws_hists h = { 0 };
	struct ws_counters c = { 0 };

	series_init(&s);
	h.slots[WS_HIST_RUNQ][3] = 5;
	c.drops[WS_DROP_PEERS] = 2;
	series_set_kernel(&s, &h, &c);
	h.slots[WS_HIST_RUNQ][3] = 4;
	c.drops[WS_DROP_PEERS] = 3;
	series_set_kernel(&s, &h, &c);
	cr_assert_eq(s.hists.slots[WS_HIST_RUNQ][3], 5);
	cr_assert_eq(s.counters.drops[WS_DROP_PEERS], 3);
	series_free(&s);
}

Test(series, verdict_window_subtracts_base, .description = "the verdict window's threads: totals "
							   "minus those at its start; born "
							   "threads whole")
{
	struct ws_thread base[1], cur[2];
	struct ws_profile p;

	memset(base, 0, sizeof(base));
	memset(cur, 0, sizeof(cur));
	base[0].tid = 7;
	base[0].tgid = 7;
	base[0].t.on_cpu_ns = 10 * S;
	cur[0] = base[0];
	cur[0].t.on_cpu_ns = 25 * S;
	cur[0].t.observed_ns = 60 * S;
	cur[1].tid = 9;
	cur[1].tgid = 7;
	cur[1].t.on_cpu_ns = 3 * S;
	profile_init(&p);
	p.threads = cur;
	p.n_threads = 2;
	agent_verdict_subtract(&p, base, 1);
	cr_assert_eq(cur[0].t.on_cpu_ns, 15 * S);
	cr_assert_eq(cur[0].t.observed_ns, 60 * S, "observed is already the window's");
	cr_assert_eq(cur[1].t.on_cpu_ns, 3 * S);
}
