/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/profile.h"
#include "unit/fixture.h"

static struct ws_times times_of(const struct ws_thread_record *r)
{
	struct ws_times t;

	ws_times_from_record(r, FX_START, FX_END, &t);
	return t;
}

struct open_case {
	enum ws_state state;
	__u64 on_cpu, runq, blocked; /* expected extra ns from the open interval */
};

ParameterizedTestParameters(profile, open_interval_goes_to_current_state)
{
	static struct open_case cases[] = {
		{ WS_STATE_RUNNING, 7 * FX_MS, 0, 0 },
		{ WS_STATE_RUNQ, 0, 7 * FX_MS, 0 },
		{ WS_STATE_BLOCKED, 0, 0, 7 * FX_MS },
		{ WS_STATE_UNKNOWN, 0, 0, 0 },
		{ WS_STATE_EXITED, 0, 0, 0 },
	};

	return cr_make_param_array(struct open_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct open_case *c, profile, open_interval_goes_to_current_state,
		  .description = "the interval from acct.ts to the snapshot is added to acct.state")
{
	struct ws_thread_record r = fx_record(1, c->state, FX_START + 10 * FX_MS,
					      FX_START + 17 * FX_MS);
	struct ws_times t;

	r.acct.on_cpu_ns = 1;
	r.acct.runq_ns = 2;
	r.acct.blocked_ns = 3;
	t = times_of(&r);
	cr_expect_eq(t.on_cpu_ns, 1 + c->on_cpu);
	cr_expect_eq(t.runq_ns, 2 + c->runq);
	cr_expect_eq(t.blocked_ns, 3 + c->blocked);
}

Test(profile, open_interval_capped_at_window_end,
     .description = "a snapshot taken after the window closes the interval at the window end")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_RUNNING, FX_END - 3 * FX_MS,
					      FX_END + 50 * FX_MS);
	struct ws_times t = times_of(&r);

	cr_expect_eq(t.on_cpu_ns, 3 * FX_MS);
}

Test(profile, open_interval_ignored_when_ts_not_before_end,
     .description = "ts at or after min(snapshot, window end) adds nothing")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_RUNNING, FX_START + 20, FX_START + 10);
	struct ws_times t = times_of(&r);

	cr_expect_eq(t.on_cpu_ns, 0);
	r = fx_record(1, WS_STATE_BLOCKED, FX_END + 5, FX_END + 10);
	t = times_of(&r);
	cr_expect_eq(t.blocked_ns, 0);
	r = fx_record(1, WS_STATE_BLOCKED, FX_END, FX_END + 10);
	t = times_of(&r);
	cr_expect_eq(t.blocked_ns, 0);
}

Test(profile, open_interval_starts_at_window_start,
     .description = "an open interval that began before the window counts from the window start")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_BLOCKED, FX_START - 50 * FX_MS,
					      FX_START + 5 * FX_MS);
	struct ws_times t = times_of(&r);

	cr_expect_eq(t.blocked_ns, 5 * FX_MS);
}

Test(profile, counters_copied, .description = "switch and wakeup counters pass through")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_UNKNOWN, 0, FX_END);
	struct ws_times t;

	r.acct.vol_switches = 11;
	r.acct.invol_switches = 12;
	r.acct.wakeups = 13;
	t = times_of(&r);
	cr_expect_eq(t.vol_switches, 11);
	cr_expect_eq(t.invol_switches, 12);
	cr_expect_eq(t.wakeups, 13);
}

Test(profile, observed_whole_window, .description = "a live thread older than the window")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_RUNNING, FX_START, FX_END + 99);
	struct ws_times t = times_of(&r);

	cr_expect_eq(t.observed_ns, FX_END - FX_START);
}

Test(profile, observed_born_in_window, .description = "a thread born inside the window")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_RUNNING, FX_START, FX_END);
	struct ws_times t;

	r.start_time_ns = FX_START + 1500 * FX_MS;
	t = times_of(&r);
	cr_expect_eq(t.observed_ns, 3500 * FX_MS);
}

Test(profile, observed_exited, .description = "an exit record is observed until its snapshot")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_EXITED, FX_START + 800 * FX_MS,
					      FX_START + 800 * FX_MS);
	struct ws_times t;

	r.exited = 1;
	t = times_of(&r);
	cr_expect_eq(t.observed_ns, 800 * FX_MS);
	r.start_time_ns = FX_START + 300 * FX_MS; /* born and exited inside the window */
	t = times_of(&r);
	cr_expect_eq(t.observed_ns, 500 * FX_MS);
}

Test(profile, observed_clamped_at_zero,
     .description = "start after the end gives 0, never a wrapped-around huge number")
{
	struct ws_thread_record r = fx_record(1, WS_STATE_UNKNOWN, 0, FX_END + 10);
	struct ws_times t;

	r.start_time_ns = FX_END + 5; /* born after the window closed, before the dump */
	t = times_of(&r);
	cr_expect_eq(t.observed_ns, 0);
	r = fx_record(1, WS_STATE_EXITED, 0, FX_START - 10);
	r.exited = 1; /* exit record from before the window */
	t = times_of(&r);
	cr_expect_eq(t.observed_ns, 0);
}

Test(profile, add_record_fills_thread, .description = "tid, tgid, comm and flags are copied")
{
	struct ws_thread_record r = fx_record(77, WS_STATE_EXITED, 0, FX_START + 10);
	struct ws_profile p;

	profile_init(&p);
	p.window_start_ns = FX_START;
	p.window_end_ns = FX_END;
	r.tgid = 70;
	r.exited = 1;
	r.acct.flags = WS_THREAD_BORN | WS_THREAD_SEEDED;
	memset(r.comm, 'x', sizeof(r.comm)); /* no terminating NUL */
	cr_assert_eq(profile_add_record(&p, &r), 0);
	cr_assert_eq(p.n_threads, 1);
	cr_expect_eq(p.threads[0].tid, 77);
	cr_expect_eq(p.threads[0].tgid, 70);
	cr_expect_str_eq(p.threads[0].comm, "xxxxxxxxxxxxxxx");
	cr_expect(p.threads[0].exited);
	cr_expect(p.threads[0].born);
	profile_free(&p);
}

Test(profile, duplicate_tid_replaced, .description = "a later snapshot replaces the thread")
{
	struct ws_thread_record r = fx_record(5, WS_STATE_RUNNING, FX_START, FX_START + 10);
	struct ws_profile p;

	profile_init(&p);
	p.window_start_ns = FX_START;
	p.window_end_ns = FX_END;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	r.snap_ns = FX_START + 30;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	cr_assert_eq(p.n_threads, 1);
	cr_expect_eq(p.threads[0].t.on_cpu_ns, 30);
	profile_free(&p);
}

Test(profile, exit_record_wins, .description = "an exit record replaces a live snapshot")
{
	struct ws_thread_record live = fx_record(5, WS_STATE_RUNNING, FX_START, FX_START + 10);
	struct ws_thread_record dead = fx_record(5, WS_STATE_EXITED, FX_START + 40, FX_START + 40);
	struct ws_profile p;

	dead.exited = 1;
	dead.acct.on_cpu_ns = 40;
	profile_init(&p);
	p.window_start_ns = FX_START;
	p.window_end_ns = FX_END;
	cr_assert_eq(profile_add_record(&p, &live), 0);
	cr_assert_eq(profile_add_record(&p, &dead), 0);
	cr_assert_eq(p.n_threads, 1);
	cr_expect(p.threads[0].exited);
	cr_expect_eq(p.threads[0].t.on_cpu_ns, 40);
	cr_expect_eq(p.threads[0].t.observed_ns, 40);
	/* a zombie's live snapshot taken after the exit record must not undo it */
	cr_assert_eq(profile_add_record(&p, &live), 0);
	cr_assert_eq(p.n_threads, 1);
	cr_expect(p.threads[0].exited);
	cr_expect_eq(p.threads[0].t.on_cpu_ns, 40);
	profile_free(&p);
}

Test(profile, many_records, .description = "the thread array grows past its first capacity")
{
	struct ws_profile p;
	__u32 tid;

	profile_init(&p);
	p.window_start_ns = FX_START;
	p.window_end_ns = FX_END;
	for (tid = 1; tid <= 1000; tid++) {
		struct ws_thread_record r = fx_record(tid, WS_STATE_BLOCKED, FX_START, FX_END);

		cr_assert_eq(profile_add_record(&p, &r), 0);
	}
	cr_assert_eq(p.n_threads, 1000);
	cr_expect_eq(p.threads[999].tid, 1000);
	cr_expect_eq(p.threads[999].t.blocked_ns, FX_END - FX_START);
	profile_free(&p);
	cr_expect_eq(p.n_threads, 0);
	cr_expect_null(p.threads);
}

Test(profile, totals_and_coverage, .description = "totals sum listed and unlisted threads")
{
	struct ws_profile p;

	fx_profile(&p);
	cr_expect_eq(p.n_threads, 3);
	cr_expect_eq(p.n_threads_total, 4);
	cr_expect_eq(p.totals.on_cpu_ns, 4500 * FX_MS);
	cr_expect_eq(p.totals.runq_ns, 1500 * FX_MS);
	cr_expect_eq(p.totals.blocked_ns, 6000 * FX_MS);
	cr_expect_eq(p.totals.observed_ns, 12000 * FX_MS);
	cr_expect_eq(p.totals.vol_switches, 510);
	cr_expect_eq(p.totals.invol_switches, 150);
	cr_expect_eq(p.totals.wakeups, 510);
	cr_expect_float_eq(p.coverage, 1.0, 1e-12);
	profile_free(&p);
}

Test(profile, coverage_counts_unlisted, .description = "unlisted threads enter the coverage")
{
	struct ws_profile p;

	fx_profile(&p);
	p.unlisted.on_cpu_ns = 0;
	p.unlisted.blocked_ns = 0; /* 1s observed, nothing accounted */
	profile_finish(&p);
	cr_expect_float_eq(p.coverage, 11.0 / 12.0, 1e-12);
	profile_free(&p);
}

Test(profile, coverage_without_observed_time, .description = "nothing observed is full coverage")
{
	struct ws_profile p;
	struct ws_times t = {};

	profile_init(&p);
	profile_finish(&p);
	cr_expect_float_eq(p.coverage, 1.0, 1e-12);
	cr_expect_eq(p.n_threads_total, 0);
	cr_expect_float_eq(ws_times_coverage(&t), 1.0, 1e-12);
	t.observed_ns = 4;
	t.runq_ns = 1;
	cr_expect_float_eq(ws_times_coverage(&t), 0.25, 1e-12);
	profile_free(&p);
}

Test(profile, finish_is_repeatable, .description = "profile_finish() twice, same totals")
{
	struct ws_profile p;

	fx_profile(&p);
	profile_finish(&p);
	cr_expect_eq(p.totals.observed_ns, 12000 * FX_MS);
	cr_expect_eq(p.n_threads_total, 4);
	profile_free(&p);
}

Test(profile, ratio, .description = "ws_ratio is NaN on a zero denominator")
{
	cr_expect(isnan(ws_ratio(1, 0)));
	cr_expect_float_eq(ws_ratio(1, 4), 0.25, 1e-12);
}

Test(profile, sort_biggest_first, .description = "threads sort by accounted time, then by tid")
{
	struct ws_profile p;
	const struct ws_thread **v;
	struct ws_thread_record r = fx_record(1, WS_STATE_UNKNOWN, 0, FX_END);

	fx_profile(&p);
	r.acct.runq_ns = 2000 * FX_MS; /* ties with tid 4244 (2s blocked), sorts before it */
	cr_assert_eq(profile_add_record(&p, &r), 0);
	v = profile_sorted_threads(&p);
	cr_assert_not_null(v);
	cr_expect_eq(v[0]->tid, 4242);
	cr_expect_eq(v[1]->tid, 4243);
	cr_expect_eq(v[2]->tid, 1);
	cr_expect_eq(v[3]->tid, 4244);
	cr_expect_eq(p.threads[3].tid, 1, "profile_sorted_threads() must not reorder p");
	free(v);
	profile_sort_threads(&p);
	cr_expect_eq(p.threads[0].tid, 4242);
	cr_expect_eq(p.threads[1].tid, 4243);
	cr_expect_eq(p.threads[2].tid, 1);
	cr_expect_eq(p.threads[3].tid, 4244);
	profile_free(&p);
}

Test(profile, sorted_threads_empty, .description = "an empty profile still gives an array")
{
	struct ws_profile p;
	const struct ws_thread **v;

	profile_init(&p);
	v = profile_sorted_threads(&p);
	cr_expect_not_null(v);
	free(v);
	profile_sort_threads(&p);
}

Test(profile, window_seconds, .description = "window length in seconds, 0 when not set")
{
	struct ws_profile p;

	profile_init(&p);
	cr_expect_float_eq(profile_window_s(&p), 0.0, 1e-12);
	p.window_start_ns = FX_START;
	p.window_end_ns = FX_END;
	cr_expect_float_eq(profile_window_s(&p), 5.0, 1e-12);
	p.window_end_ns = FX_START - 1;
	cr_expect_float_eq(profile_window_s(&p), 0.0, 1e-12);
}

Test(profile, ended_by, .description = "signal wins over targets-exited, else duration")
{
	struct ws_profile p;

	profile_init(&p);
	cr_expect_str_eq(profile_ended_by(&p), "duration");
	p.all_targets_exited = true;
	cr_expect_str_eq(profile_ended_by(&p), "targets-exited");
	p.interrupted = true;
	cr_expect_str_eq(profile_ended_by(&p), "signal");
}

Test(profile, drops_total, .description = "every drop kind is summed")
{
	struct ws_profile p;
	int i;

	profile_init(&p);
	cr_expect_eq(profile_drops_total(&p), 0);
	for (i = 0; i < WS_DROP_KINDS; i++)
		p.counters.drops[i] = 1ULL << i;
	cr_expect_eq(profile_drops_total(&p), (1ULL << WS_DROP_KINDS) - 1);
}

Test(profile, add_target, .description = "targets are appended with a terminated comm")
{
	struct ws_profile p;

	profile_init(&p);
	cr_assert_eq(profile_add_target(&p, 10, "a-very-long-command-name"), 0);
	cr_assert_eq(profile_add_target(&p, 11, NULL), 0);
	cr_assert_eq(p.n_targets, 2);
	cr_expect_eq(p.targets[0].tgid, 10);
	cr_expect_str_eq(p.targets[0].comm, "a-very-long-com");
	cr_expect_str_eq(p.targets[1].comm, "");
	cr_expect_not(p.targets[1].exited);
	profile_free(&p);
	cr_expect_null(p.targets);
}

Test(profile, set_command_quotes, .description = "words that need it are single-quoted")
{
	char *argv[] = { "sh", "-c", "sleep 1; echo 'hi'", "", "a=b,c:d/e.f", NULL };
	struct ws_profile p;

	profile_init(&p);
	cr_assert_eq(profile_set_command(&p, argv), 0);
	cr_expect_str_eq(p.command, "sh -c 'sleep 1; echo '\\''hi'\\''' '' a=b,c:d/e.f");
	cr_assert_eq(profile_set_command(&p, argv + 4), 0);
	cr_expect_str_eq(p.command, "a=b,c:d/e.f");
	profile_free(&p);
	cr_expect_null(p.command);
}

/* A 2 s window, and a record of thread 7 blocked since before it in syscall nr for cause. */
static void open_block_setup(struct ws_profile *p, struct ws_thread_record *r, __u32 cause,
			     __u32 nr)
{
	profile_init(p);
	p->window_start_ns = 1000;
	p->window_end_ns = 1000 + 2000000000ull;
	memset(r, 0, sizeof(*r));
	r->tid = r->tgid = 7;
	r->snap_ns = p->window_end_ns;
	r->acct.state = WS_STATE_BLOCKED;
	r->acct.ts = 0; /* blocked since before the window */
	r->acct.block_cause = cause;
	r->acct.block_nr_plus1 = nr + 1;
}

Test(profile, open_blocks_are_charged_to_their_syscall,
     .description = "a thread still blocked in accept4 at the end adds its open wait to accept4")
{
	struct ws_profile p;
	struct ws_thread_record r;

	open_block_setup(&p, &r, WS_CAUSE_IDLE, 288); /* accept4 */
	cr_assert_eq(profile_add_record(&p, &r), 0);
	r.tid = 8;
	r.acct.block_nr_plus1 = 0; /* not in a syscall: nothing to charge */
	cr_assert_eq(profile_add_record(&p, &r), 0);
	cr_assert_eq(profile_add_open_blocks(&p), 0);
	cr_assert_eq(p.n_syscalls, 1);
	cr_expect_eq(p.syscalls[0].nr, 288);
	cr_expect_eq(p.syscalls[0].s.blocked_ns, 2000000000ull);
	cr_expect_eq(p.syscalls[0].s.count, 0);
	profile_free(&p);
}

Test(profile, open_waits_carry_their_peer,
     .description = "a thread blocked in recv since before the window lists its peer (issue 13)")
{
	struct ws_profile p;
	struct ws_thread_record r;

	open_block_setup(&p, &r, WS_CAUSE_NET, 45); /* recvfrom */
	r.acct.block_lport = 40000;
	r.acct.block_rport = 5432;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	r.tid = 8; /* a client wait: keyed by the listening port */
	r.acct.block_cause = WS_CAUSE_CLIENT;
	r.acct.block_lport = 8080;
	r.acct.block_rport = 50000;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	r.tid = 9; /* no socket */
	r.acct.block_lport = r.acct.block_rport = 0;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	cr_assert_eq(profile_add_open_blocks(&p), 0);
	cr_assert_eq(p.n_peers, 2);
	cr_expect_eq(p.peers[0].s.blocked_ns, 2000000000ull);
	cr_expect_eq(p.peers[0].s.waits, 0, "no wait ended");
	for (size_t i = 0; i < 2; i++) {
		const struct ws_peer_key *k = &p.peers[i].key;

		if (k->cause == WS_CAUSE_NET)
			cr_expect(k->lport == 0 && k->rport == 5432);
		else
			cr_expect(k->cause == WS_CAUSE_CLIENT && k->lport == 8080 && k->rport == 0);
	}
	profile_free(&p);
}

Test(profile, tgids_are_distinct_in_first_seen_order,
     .description = "profile_tgids: one entry per process, in the order threads list them")
{
	struct ws_profile p;
	struct ws_thread_record r;
	__u32 *tgids = NULL, want[] = { 20, 10 };
	__u32 tids[] = { 21, 11, 22, 12 }, of[] = { 20, 10, 20, 10 };
	size_t i, n;

	profile_init(&p);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 4; i++) {
		r.tid = tids[i];
		r.tgid = of[i];
		cr_assert_eq(profile_add_record(&p, &r), 0);
	}
	n = profile_tgids(&p, &tgids);
	cr_assert_eq(n, 2);
	cr_expect_arr_eq(tgids, want, sizeof(want));
	free(tgids);
	profile_free(&p);
}

Test(profile, unlisted_are_exited_totals_minus_exit_records,
     .description = "exited totals minus the listed exit records, handoffs included")
{
	struct ws_thread_record r = fx_record(11, WS_STATE_EXITED, FX_START + 10 * FX_MS,
					      FX_START + 20 * FX_MS);
	struct ws_exited_totals e = { .on_cpu_ns = 30 * FX_MS, .wakeups = 9, .handoffs = 5,
				      .lifetime_ns = 40 * FX_MS, .threads = 3 };
	struct ws_times exited = {};
	struct ws_profile p;

	profile_init(&p);
	p.window_start_ns = FX_START;
	p.window_end_ns = FX_END;
	r.exited = 1;
	r.acct.on_cpu_ns = 10 * FX_MS;
	r.acct.wakeups = 4;
	r.acct.handoffs = 2;
	e.blocked_by_cause[WS_CAUSE_IDLE] = 7 * FX_MS;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	ws_times_add_exited(&exited, &e);
	cr_assert_eq(exited.observed_ns, 40 * FX_MS, "an exited thread's lifetime is observed");
	profile_set_unlisted(&p, &exited, e.threads);
	cr_expect_eq(p.unlisted_threads, 2);
	cr_expect_eq(p.unlisted.on_cpu_ns, 20 * FX_MS);
	cr_expect_eq(p.unlisted.wakeups, 5);
	cr_expect_eq(p.unlisted.handoffs, 3, "the handoffs of threads whose records were dropped");
	cr_expect_eq(p.unlisted.blocked_by_cause[WS_CAUSE_IDLE], 7 * FX_MS);
	profile_finish(&p);
	cr_expect_eq(p.totals.handoffs, 5, "every exited thread's handoffs reach the totals");
	profile_free(&p);
}

Test(profile, counts_add_and_sub, .description = "one add, one subtract floored at zero")
{
	struct ws_counts a = { .on_cpu_ns = 5, .handoffs = 2 };
	struct ws_counts b = { .on_cpu_ns = 7, .handoffs = 1 };
	struct ws_counts d;

	a.blocked_by_cause[WS_CAUSE_LOCK] = 3;
	ws_counts_sub(&d, &a, &b);
	cr_expect_eq(d.on_cpu_ns, 0, "a counter that went back is a zero step");
	cr_expect_eq(d.handoffs, 1);
	cr_expect_eq(d.blocked_by_cause[WS_CAUSE_LOCK], 3);
	ws_counts_add(&d, &b);
	cr_expect_eq(d.on_cpu_ns, 7);
	cr_expect_eq(d.handoffs, 2);
}
