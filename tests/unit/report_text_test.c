/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "report/frame_coverage.h"
#include "report/report.h"
#include "unit/fixture.h"

static char *text(const struct ws_profile *p, bool per_thread)
{
	struct report_opts o = { .per_thread = per_thread };

	return fx_capture(report_text, p, &o);
}

#define expect_has(out, s) cr_expect_not_null(strstr(out, s), "missing \"%s\" in:\n%s", s, out)
#define expect_lacks(out, s) cr_expect_null(strstr(out, s), "unexpected \"%s\" in:\n%s", s, out)

/* Newlines in [s, end), or up to the NUL when end is NULL. */
static size_t count_lines(const char *s, const char *end)
{
	size_t n = 0;

	for (; *s && (!end || s < end); s++)
		n += *s == '\n';
	return n;
}

Test(report_text, header, .description = "target, window, threads seen, how it ended")
{
	const char *want = "waitscope: pid 4242 (server), window 5.00s, 4 threads seen (2 exited, "
			   "1 born), full duration\n";
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	out = text(&p, false);
	cr_expect_eq(strncmp(out, want, strlen(want)), 0, "%s", out);
	free(out);
	profile_free(&p);
}

Test(report_text, header_endings, .description = "signal, one target exited, all exited")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.interrupted = true;
	out = text(&p, false);
	expect_has(out, ", stopped by signal\n");
	free(out);

	p.interrupted = false;
	p.all_targets_exited = true;
	p.targets[0].exited = true;
	p.targets[0].exit_ns = FX_START + 2500 * FX_MS;
	out = text(&p, false);
	expect_has(out, ", target exited at +2.50s\n");
	free(out);

	cr_assert_eq(profile_add_target(&p, 5000, "other"), 0);
	p.targets[1].exited = true;
	p.targets[1].exit_ns = FX_START + 3250 * FX_MS;
	out = text(&p, false);
	expect_has(out, "pids 4242 (server), 5000 (other),");
	expect_has(out, ", all targets exited at +3.25s\n");
	free(out);
	profile_free(&p);
}

Test(report_text, header_many_targets, .description = "only the first targets are named")
{
	struct ws_profile p;
	char *out;
	int i;

	fx_profile(&p);
	for (i = 1; i < 6; i++)
		cr_assert_eq(profile_add_target(&p, 4242 + 100 * i, "x"), 0);
	out = text(&p, false);
	expect_has(out, "pids 4242 (server), 4342 (x), 4442 (x) +3 more, window");
	free(out);
	profile_free(&p);
}

Test(report_text, header_command, .description = "with -- COMMAND the command is shown")
{
	char *argv[] = { "sleep", "1", NULL };
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	cr_assert_eq(profile_set_command(&p, argv), 0);
	out = text(&p, false);
	expect_has(out, "waitscope: command \"sleep 1\" (pid 4242), window 5.00s");
	free(out);
	profile_free(&p);
}

Test(report_text, time_block, .description = "seconds and share of observed time, coverage, rates")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	out = text(&p, false);
	expect_has(out, "thread time: 12.000s observed, 100.0% accounted (coverage)\n");
	expect_has(out, "  on-CPU                4.500s   37.5%\n");
	expect_has(out, "  run-queue wait        1.500s   12.5%\n");
	expect_has(out, "  blocked               6.000s   50.0%\n");
	expect_has(out, "switches/s: voluntary 102.0, involuntary 30.0; wakeups/s 102.0\n");
	free(out);
	profile_free(&p);
}

Test(report_text, histograms, .description = "n and percentiles in human units")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	out = text(&p, false);
	expect_has(out, "run-queue wait:    n=100, p50 1.6us, p90 2.0us, p99 2.0ms\n");
	expect_has(out, "blocked intervals: n=4, p50 50.3ms, p90 63.8ms, p99 66.8ms\n");
	free(out);
	memset(&p.hists, 0, sizeof(p.hists));
	out = text(&p, false);
	expect_has(out, "run-queue wait:    n=0\n");
	free(out);
	profile_free(&p);
}

Test(report_text, no_drops, .description = "drops line always shown; no anomaly or crosscheck line")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	out = text(&p, false);
	expect_has(out, "\ndrops: none\n");
	expect_lacks(out, "warning");
	expect_lacks(out, "anomalies");
	expect_lacks(out, "schedstat");
	expect_lacks(out, "TID");
	cr_expect_leq(count_lines(out, NULL), 30);
	free(out);
	profile_free(&p);
}

Test(report_text, drops_warn, .description = "drop counts, and a warning: numbers incomplete")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.counters.drops[WS_DROP_EXIT_RECORD] = 3;
	p.counters.drops[WS_DROP_STORAGE] = 2;
	p.counters.anomalies = 7;
	out = text(&p, false);
	expect_has(out, "drops: 2 events without per-thread state (transition lost), 3 exit records "
			"(threads missing from the table)\n");
	expect_has(out, "warning: INCOMPLETE report: 1 exited threads missing from the table, "
			"0.0% of observed thread time unaccounted\n");
	expect_has(out, "anomalies: 7 transitions did not fit the state machine\n");
	free(out);
	profile_free(&p);
}

Test(report_text, anomaly_kinds, .description = "anomalies: the kinds counted, in one line")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.counters.anomalies = 5;
	p.counters.anomaly_kinds[WS_ANOMALY_SEED_RACE] = 3;
	p.counters.anomaly_kinds[WS_ANOMALY_WAKEUP_UNSEEN] = 2;
	out = text(&p, false);
	expect_has(out, "anomalies: 5 transitions did not fit the state machine (seed_race 3, "
			"wakeup_unseen 2)\n");
	free(out);
	profile_free(&p);
}

Test(report_text, untracked_threads_incomplete,
     .description = "live threads without state: INCOMPLETE, how many, how much time")
{
	struct ws_thread_record r = fx_record(99, WS_STATE_UNKNOWN, 0, FX_END);
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	memset(&r.acct, 0, sizeof(r.acct)); /* what dump_threads gives for a thread without state */
	r.start_time_ns = 0;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	p.counters.drops[WS_DROP_STORAGE] = 40;
	profile_finish(&p);
	cr_assert_eq(p.untracked_threads, 1);
	cr_assert(!profile_complete(&p));
	out = text(&p, false);
	expect_has(out, "warning: INCOMPLETE report: 1 of 5 threads not tracked (per-thread map "
			"full; see --max-threads),");
	expect_has(out, "% of observed thread time unaccounted\n");
	expect_lacks(out, " 0.0% of observed thread time unaccounted");
	free(out);
	profile_free(&p);
}

Test(report_text, newborn_without_state_is_not_untracked,
     .description = "a thread without state but no failed create (forked at the end): complete")
{
	struct ws_thread_record r = fx_record(99, WS_STATE_UNKNOWN, 0, FX_END);
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	memset(&r.acct, 0, sizeof(r.acct));
	r.start_time_ns = FX_END - 1000;
	cr_assert_eq(profile_add_record(&p, &r), 0);
	profile_finish(&p);
	cr_assert_eq(p.untracked_threads, 0);
	cr_assert(profile_complete(&p));
	out = text(&p, false);
	expect_lacks(out, "INCOMPLETE");
	free(out);
	profile_free(&p);
}

Test(report_text, listing_drops_leave_times_whole,
     .description = "only a listing dropped (syscalls): times complete, listings warned")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.counters.drops[WS_DROP_SYSCALLS] = 2;
	cr_assert(profile_complete(&p));
	out = text(&p, false);
	expect_has(out, "warning: some listings above are incomplete (drops); times are whole\n");
	expect_lacks(out, "INCOMPLETE");
	free(out);
	profile_free(&p);
}

Test(report_text, complete_has_no_warning, .description = "no drops: drops: none, no warning")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	out = text(&p, false);
	expect_has(out, "drops: none\n");
	expect_lacks(out, "warning:");
	free(out);
	profile_free(&p);
}

Test(report_text, crosscheck, .description = "agrees within 5% (or 1ms), differs otherwise")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.crosscheck.valid = true;
	p.crosscheck.threads = 2;
	p.crosscheck.bpf_on_cpu_ns = 998 * FX_MS;
	p.crosscheck.kernel_on_cpu_ns = 1000 * FX_MS;
	p.crosscheck.bpf_runq_ns = 506 * FX_MS;
	p.crosscheck.kernel_run_delay_ns = 500 * FX_MS;
	out = text(&p, false);
	expect_has(out, "kernel schedstat agrees: on-CPU 99.8%, run-queue 101.2% (2 threads alive "
			"throughout)\n");
	free(out);

	p.crosscheck.bpf_runq_ns = 700 * FX_MS;
	out = text(&p, false);
	expect_has(out, "kernel schedstat differs: on-CPU 99.8%, run-queue 140.0%");
	free(out);

	p.crosscheck.bpf_runq_ns = 100000; /* 0.1ms against nothing: too small to matter */
	p.crosscheck.kernel_run_delay_ns = 0;
	out = text(&p, false);
	expect_has(out, "kernel schedstat agrees: on-CPU 99.8%, run-queue n/a");
	free(out);
	profile_free(&p);
}

Test(report_text, thread_table, .description = "-T: per-thread shares, rates and flags, sorted")
{
	struct ws_profile p;
	char *out, *a, *b, *c;

	fx_profile(&p);
	out = text(&p, true);
	expect_has(out, "threads, biggest first (% of each thread's observed time):\n");
	expect_has(out, "       TID COMM             ON-CPU    RUNQ BLOCKED"
			"     VOL/s   INVOL/s FLAGS\n");
	expect_has(out, "      4242 server            20.0%   10.0%   70.0%"
			"     100.0      10.0\n");
	expect_has(out, "      4243 worker            75.0%   25.0%    0.0%"
			"       0.0      20.0 born\n");
	expect_has(out, "      4244 helper             0.0%    0.0%  100.0%"
			"       2.0       0.0 exited\n");
	expect_has(out, "  + 1 exited threads without an exit record (in the totals only)\n");
	a = strstr(out, "  4242 ");
	b = strstr(out, "  4243 ");
	c = strstr(out, "  4244 ");
	cr_expect(a && b && c && a < b && b < c, "biggest first");
	free(out);
	profile_free(&p);
}

Test(report_text, thread_table_limit, .description = "at most 50 rows, then how many more")
{
	struct ws_profile p;
	char *out;
	__u32 tid;

	fx_profile(&p);
	for (tid = 1; tid <= 60; tid++) {
		struct ws_thread_record r = fx_record(tid, WS_STATE_RUNNING, FX_START, FX_END);

		r.exited = 1;
		r.acct.flags = WS_THREAD_BORN;
		cr_assert_eq(profile_add_record(&p, &r), 0);
	}
	profile_finish(&p);
	out = text(&p, true);
	expect_has(out, "  ... 13 more (all of them in the -j report)\n");
	expect_has(out, " exited,born\n");
	cr_assert_not_null(strstr(out, "TID"));
	cr_assert_not_null(strstr(out, "  ... "));
	cr_expect_eq(count_lines(strstr(out, "TID"), strstr(out, "  ... ")), 51,
		     "the column header and 50 rows");
	free(out);
	profile_free(&p);
}

Test(report_text, hostile_comm, .description = "control and non-ASCII bytes print as '?'")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	memcpy(p.threads[0].comm, "\x1b[2Jev\xc3\xa9l\n", 11);
	memcpy(p.targets[0].comm, "a\x07\x7f", 4);
	out = text(&p, true);
	expect_has(out, "pid 4242 (a?" "?)");
	expect_has(out, "      4242 ?[2Jev?" "?l?      ");
	expect_lacks(out, "\x1b");
	expect_lacks(out, "\x07");
	free(out);
	profile_free(&p);
}

Test(report_text, empty_profile, .description = "nothing measured: n/a, not nan")
{
	struct ws_profile p;
	char *out;

	profile_init(&p);
	profile_finish(&p);
	out = text(&p, true);
	expect_has(out, "waitscope: no target, window 0.00s, 0 threads seen, full duration\n");
	expect_has(out, "  on-CPU                0.000s     n/a\n");
	expect_lacks(out, "nan");
	expect_lacks(out, "switches/s");
	free(out);
	profile_free(&p);
}

/* Two syscalls: recvfrom waited 40 times ~50 ms; accept4 is still blocked (no wait ended). */
static void add_syscalls(struct ws_profile *p)
{
	p->syscalls = calloc(2, sizeof(*p->syscalls));
	cr_assert_not_null(p->syscalls);
	p->n_syscalls = 2;
	p->syscalls[0].nr = 45; /* recvfrom */
	p->syscalls[0].s.blocked_ns = 2000 * FX_MS;
	p->syscalls[0].s.waits = 40;
	p->syscalls[0].s.wait_slots[25] = 40; /* [33.5 ms, 67 ms) */
	p->syscalls[0].s.count = 41;
	p->syscalls[0].s.lat_slots[10] = 1; /* a call that did not block: ~1 us */
	p->syscalls[0].s.lat_slots[25] = 40;
	p->syscalls[1].nr = 288; /* accept4 */
	p->syscalls[1].s.blocked_ns = 1000 * FX_MS;
}

Test(report_text, syscall_waits_by_default,
     .description = "without --syscalls: waits and their lengths, never a call count")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	add_syscalls(&p);
	out = text(&p, false);
	expect_has(out, "  recvfrom         blocked     2.00s in 40 waits, wait p50 ");
	expect_has(out, "  accept4          blocked     1.00s, still blocked when the window ended\n");
	expect_lacks(out, " calls");
	free(out);
	profile_free(&p);
}

Test(report_text, syscall_calls_with_the_option,
     .description = "--syscalls: whole calls and their latency")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	add_syscalls(&p);
	p.syscalls_traced = true;
	out = text(&p, false);
	expect_has(out, "  recvfrom         blocked     2.00s in 41 calls, latency p50 ");
	expect_lacks(out, " waits, wait");
	free(out);
	profile_free(&p);
}

Test(report_text, storage_drops_alone_keep_times_whole,
     .description = "events without state lose transitions, not time; a thread that exits so does")
{
	struct ws_profile p;
	char *out;

	fx_profile(&p);
	p.counters.drops[WS_DROP_STORAGE] = 2;
	cr_expect(profile_complete(&p));
	out = text(&p, false);
	expect_has(out, "warning: some listings above are incomplete (drops); times are whole\n");
	free(out);

	p.counters.drops[WS_DROP_UNTRACKED_EXIT] = 1;
	cr_expect_not(profile_complete(&p));
	out = text(&p, false);
	expect_has(out, "1 threads exited without state (time missing)");
	expect_has(out, "warning: INCOMPLETE report: 1 exited threads never tracked,");
	free(out);
	profile_free(&p);
}

Test(report_text, stack_frames, .description = "with stacks: the unknown-frame share, per binary")
{
	struct frame_coverage c;
	struct report_opts o = { .frames = &c };
	struct ws_profile p;
	char *out;

	fx_frame_coverage(&c);
	fx_profile(&p);
	out = fx_capture(report_text, &p, &o);
	expect_has(out, "unknown user frames: 33.3% (4 of 12); stacks cut short (no frame "
			"pointers): 1 of 3\n  app: 3 of 6 frames unknown, no-symbols 3, 1 stacks end "
			"here\n  [anon]: 1 of 4 frames unknown, jit-no-map 1\n");
	expect_lacks(out, "libc.so.6");
	free(out);
	out = text(&p, false);
	expect_lacks(out, "unknown user frames");
	free(out);
	profile_free(&p);
}
