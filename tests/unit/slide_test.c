// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The sliding verdict window: steps in, the oldest out, exactly. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "model/slide.h"

#define S 1000000000ull

/* One step: threads tids[0..n) of tgid 7, each on CPU on_s seconds and blocked blk_s. */
static struct ws_thread *step(const __u32 *tids, size_t n, __u64 on_s, __u64 blk_s)
{
	struct ws_thread *t = calloc(n ? n : 1, sizeof(*t));
	size_t i;

	cr_assert_not_null(t);
	for (i = 0; i < n; i++) {
		t[i].tid = tids[i];
		t[i].tgid = 7;
		t[i].t.on_cpu_ns = on_s * S;
		t[i].t.blocked_ns = blk_s * S;
		t[i].t.blocked_by_cause[WS_CAUSE_NET] = blk_s * S;
		t[i].t.observed_ns = (on_s + blk_s) * S;
	}
	return t;
}

static const struct ws_thread *find(const struct ws_slide *s, __u32 tid)
{
	size_t n, i;
	const struct ws_thread *t = slide_threads(s, &n);

	for (i = 0; i < n; i++)
		if (t[i].tid == tid)
			return &t[i];
	return NULL;
}

static struct ws_slide_obs obs(double runnable, double qmax, unsigned long long busy)
{
	struct ws_slide_obs o = { .runnable_sum = runnable, .runnable_samples = 10,
				  .queue_sum = qmax, .queue_max = qmax, .queue_samples = 10,
				  .cpu_ok = true, .cpu_busy = busy, .cpu_total = 200,
				  .overflows_ok = true, .overflows = 1 };

	return o;
}

Test(slide, sums_last_k, .description = "the window is the sum of its last k steps; a step "
					"leaving is subtracted exactly")
{
	struct ws_slide s;
	__u32 tids[] = { 9, 3 };
	struct ws_slide_obs o = obs(1, 0, 100);
	const struct ws_thread *t;
	size_t n;

	cr_assert_eq(slide_init(&s, 3), 0);
	cr_assert_eq(slide_push(&s, step(tids, 2, 1, 0), 2, &o, 0, 1 * S), 0);
	cr_assert_eq(slide_push(&s, step(tids, 2, 0, 1), 2, &o, 1 * S, 2 * S), 0);
	cr_assert_eq(slide_push(&s, step(tids, 2, 0, 1), 2, &o, 2 * S, 3 * S), 0);
	t = slide_threads(&s, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(t[0].tid, 3, "sorted by tid");
	cr_assert_eq(t[0].t.on_cpu_ns, 1 * S);
	cr_assert_eq(t[0].t.blocked_ns, 2 * S);
	cr_assert_eq(t[0].t.observed_ns, 3 * S);
	/* W + i: the first (on-CPU) step leaves, only the last 3 s count */
	cr_assert_eq(slide_push(&s, step(tids, 2, 0, 1), 2, &o, 3 * S, 4 * S), 0);
	t = find(&s, 9);
	cr_assert_eq(t->t.on_cpu_ns, 0, "the step that left is gone: %llu",
		     (unsigned long long)t->t.on_cpu_ns);
	cr_assert_eq(t->t.blocked_ns, 3 * S);
	cr_assert_eq(t->t.blocked_by_cause[WS_CAUSE_NET], 3 * S);
	cr_assert_eq(t->t.observed_ns, 3 * S);
	cr_assert_eq(slide_start_ns(&s), 1 * S);
	cr_assert_eq(slide_end_ns(&s), 4 * S);
	slide_free(&s);
}

Test(slide, threads_leave_and_born, .description = "a thread no step holds is dropped; born only "
						   "while its first step is in the window")
{
	struct ws_slide s;
	__u32 a[] = { 5 }, ab[] = { 5, 6 }, b[] = { 6 };
	struct ws_slide_obs o = obs(1, 0, 100);
	struct ws_thread *st;

	cr_assert_eq(slide_init(&s, 2), 0);
	st = step(a, 1, 1, 0);
	st[0].exited = true; /* 5 exits in the first step */
	cr_assert_eq(slide_push(&s, st, 1, &o, 0, 1 * S), 0);
	st = step(b, 1, 1, 0);
	st[0].born = true;   /* 6 is born in the second */
	cr_assert_eq(slide_push(&s, st, 1, &o, 1 * S, 2 * S), 0);
	cr_assert(find(&s, 5)->exited);
	cr_assert(find(&s, 6)->born);
	cr_assert_eq(slide_push(&s, step(b, 1, 1, 0), 1, &o, 2 * S, 3 * S), 0);
	cr_assert_null(find(&s, 5), "the exited thread left with its last step");
	cr_assert(find(&s, 6)->born, "its birth step is still in the window");
	cr_assert_eq(slide_push(&s, step(ab, 2, 1, 0), 2, &o, 3 * S, 4 * S), 0);
	cr_assert(!find(&s, 6)->born, "its birth step left: alive before the window");
	cr_assert(find(&s, 5)->t.on_cpu_ns == 1 * S, "a reused tid starts afresh");
	slide_free(&s);
}

Test(slide, open_block_is_latest, .description = "the open block is the newest step's; a thread "
						 "missing from it has none")
{
	struct ws_slide s;
	__u32 ab[] = { 1, 2 }, a[] = { 1 };
	struct ws_slide_obs o = obs(1, 0, 100);
	struct ws_thread *st;

	cr_assert_eq(slide_init(&s, 4), 0);
	st = step(ab, 2, 1, 0);
	st[0].open_blocked_ns = 5;
	st[1].open_blocked_ns = 7;
	st[1].exited = true;
	cr_assert_eq(slide_push(&s, st, 2, &o, 0, 1 * S), 0);
	st = step(a, 1, 1, 0);
	st[0].open_blocked_ns = 9;
	cr_assert_eq(slide_push(&s, st, 1, &o, 1 * S, 2 * S), 0);
	cr_assert_eq(find(&s, 1)->open_blocked_ns, 9);
	cr_assert_eq(find(&s, 2)->open_blocked_ns, 0);
	slide_free(&s);
}

Test(slide, load_over_window, .description = "the load sums the window's steps: averages, the "
					     "largest queue, CPU and overflow deltas")
{
	struct ws_slide s;
	struct ws_slide_obs o1 = obs(10, 8, 100), o2 = obs(20, 2, 50), o3 = obs(30, 4, 20);
	struct ws_host_obs h;

	memset(&h, 0, sizeof(h));
	cr_assert_eq(slide_init(&s, 2), 0);
	cr_assert_eq(slide_push(&s, NULL, 0, &o1, 0, 1 * S), 0);
	cr_assert_eq(slide_push(&s, NULL, 0, &o2, 1 * S, 2 * S), 0);
	cr_assert_eq(slide_push(&s, NULL, 0, &o3, 2 * S, 3 * S), 0);
	slide_obs(&s, &h);
	cr_assert_float_eq(h.runnable_sum, 50, 1e-9);
	cr_assert_eq(h.runnable_samples, 20);
	cr_assert_float_eq(h.queue_max, 4, 1e-9, "the 8 left with its step");
	cr_assert(h.cpu_ok);
	cr_assert_eq(h.cpu_busy1 - h.cpu_busy0, 70);
	cr_assert_eq(h.cpu_total1 - h.cpu_total0, 400);
	cr_assert(h.overflows_ok);
	cr_assert_eq(h.overflows1 - h.overflows0, 2);
	slide_free(&s);
}

Test(slide, threads_capped, .description = "a step keeps at most WS_SLIDE_MAX_THREADS threads and "
					   "counts the rest")
{
	struct ws_slide s;
	size_t n = WS_SLIDE_MAX_THREADS + 10, i, got;
	__u32 *tids = calloc(n, sizeof(*tids));
	struct ws_slide_obs o = obs(1, 0, 100);

	cr_assert_not_null(tids);
	for (i = 0; i < n; i++)
		tids[i] = (__u32)(i + 1);
	cr_assert_eq(slide_init(&s, 2), 0);
	cr_assert_eq(slide_push(&s, step(tids, n, 1, 0), n, &o, 0, 1 * S), 0);
	slide_threads(&s, &got);
	cr_assert_eq(got, WS_SLIDE_MAX_THREADS);
	cr_assert_eq(slide_cut(&s), 10);
	cr_assert_eq(slide_push(&s, step(tids, 1, 1, 0), 1, &o, 1 * S, 2 * S), 0);
	cr_assert_eq(slide_push(&s, step(tids, 1, 1, 0), 1, &o, 2 * S, 3 * S), 0);
	cr_assert_eq(slide_cut(&s), 0, "the cut left with its step");
	slide_threads(&s, &got);
	cr_assert_eq(got, 1);
	free(tids);
	slide_free(&s);
}
