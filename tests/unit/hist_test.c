/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include "model/hist.h"
#include "waitscope.h"

#define MAX_FILLED 3

struct pct_case {
	struct {
		int slot;
		__u64 count;
	} filled[MAX_FILLED]; /* count 0 ends the list */
	double q;
	double expect;
};

ParameterizedTestParameters(hist, percentile)
{
	static struct pct_case cases[] = {
		/* empty histogram */
		{ .filled = {}, .q = 0.5, .expect = 0 },
		/* one sample in [1024, 2048): the median sits halfway, the maximum at the top */
		{ .filled = { { 10, 1 } }, .q = 0.5, .expect = 1536 },
		{ .filled = { { 10, 1 } }, .q = 1.0, .expect = 2048 },
		{ .filled = { { 10, 1 } }, .q = 0.0, .expect = 1024 },
		/* slot 0 is [0, 2) */
		{ .filled = { { 0, 1 } }, .q = 0.5, .expect = 1 },
		{ .filled = { { 0, 4 } }, .q = 1.0, .expect = 2 },
		/* the last slot's upper bound is 2^(i+1) too */
		{ .filled = { { WS_HIST_SLOTS - 1, 1 } }, .q = 1.0,
		  .expect = (double)(1ULL << WS_HIST_SLOTS) },
		{ .filled = { { WS_HIST_SLOTS - 1, 2 } }, .q = 0.5,
		  .expect = 1.5 * (double)(1ULL << (WS_HIST_SLOTS - 1)) },
		/* interpolation by rank inside [16, 32) with 4 samples */
		{ .filled = { { 4, 4 } }, .q = 0.25, .expect = 20 },
		{ .filled = { { 4, 4 } }, .q = 0.5, .expect = 24 },
		{ .filled = { { 4, 4 } }, .q = 0.9, .expect = 30.4 },
		/* the rank that exactly reaches a slot's cumulative count stays in it (0.9 * 10) */
		{ .filled = { { 3, 9 }, { 10, 1 } }, .q = 0.9, .expect = 16 },
		{ .filled = { { 3, 9 }, { 10, 1 } }, .q = 0.99, .expect = 1024 + 1024 * 0.9 },
		/* empty slots in between are skipped */
		{ .filled = { { 1, 1 }, { 7, 1 } }, .q = 0.5, .expect = 4 },
		{ .filled = { { 1, 1 }, { 7, 1 } }, .q = 0.51, .expect = 128 + 128 * 0.02 },
		/* q outside (0, 1] is clamped */
		{ .filled = { { 4, 4 } }, .q = 7.0, .expect = 32 },
		{ .filled = { { 4, 4 }, { 9, 1 } }, .q = -1.0, .expect = 16 },
	};

	return cr_make_param_array(struct pct_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct pct_case *c, hist, percentile,
		  .description = "slot found by cumulative count, linear inside the slot")
{
	__u64 slots[WS_HIST_SLOTS] = {};
	int i;

	for (i = 0; i < MAX_FILLED && c->filled[i].count; i++)
		slots[c->filled[i].slot] = c->filled[i].count;
	cr_expect_float_eq(hist_percentile(slots, WS_HIST_SLOTS, c->q), c->expect,
			   1e-9 * (c->expect + 1), "q=%g: got %.6f, want %.6f", c->q,
			   hist_percentile(slots, WS_HIST_SLOTS, c->q), c->expect);
}

struct bounds_case {
	int slot;
	__u64 low, high;
};

ParameterizedTestParameters(hist, slot_bounds)
{
	static struct bounds_case cases[] = {
		{ 0, 0, 2 },
		{ 1, 2, 4 },
		{ 2, 4, 8 },
		{ 10, 1024, 2048 },
		{ WS_HIST_SLOTS - 1, 1ULL << (WS_HIST_SLOTS - 1), 1ULL << WS_HIST_SLOTS },
		{ 63, 1ULL << 63, UINT64_MAX },
	};

	return cr_make_param_array(struct bounds_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bounds_case *c, hist, slot_bounds,
		  .description = "slot 0 = [0,2), slot i = [2^i, 2^(i+1))")
{
	cr_expect_eq(hist_slot_low(c->slot), c->low, "slot %d low", c->slot);
	cr_expect_eq(hist_slot_high(c->slot), c->high, "slot %d high", c->slot);
}

Test(hist, slots_are_contiguous, .description = "each slot starts where the previous one ends")
{
	int i;

	for (i = 1; i < WS_HIST_SLOTS; i++)
		cr_expect_eq(hist_slot_low(i), hist_slot_high(i - 1), "slot %d", i);
}

Test(hist, count, .description = "hist_count sums every slot")
{
	__u64 slots[WS_HIST_SLOTS] = {};

	cr_expect_eq(hist_count(slots, WS_HIST_SLOTS), 0);
	slots[0] = 3;
	slots[WS_HIST_SLOTS - 1] = 4;
	cr_expect_eq(hist_count(slots, WS_HIST_SLOTS), 7);
}

Test(hist, percentiles_ordered, .description = "p50 <= p90 <= p99 on a spread histogram")
{
	__u64 slots[WS_HIST_SLOTS] = {};
	double p50, p90, p99;
	int i;

	for (i = 0; i < WS_HIST_SLOTS; i++)
		slots[i] = (__u64)(i * 7 % 5);
	p50 = hist_percentile(slots, WS_HIST_SLOTS, 0.5);
	p90 = hist_percentile(slots, WS_HIST_SLOTS, 0.9);
	p99 = hist_percentile(slots, WS_HIST_SLOTS, 0.99);
	cr_expect_leq(p50, p90);
	cr_expect_leq(p90, p99);
	cr_expect_leq(p99, (double)hist_slot_high(WS_HIST_SLOTS - 1));
}
