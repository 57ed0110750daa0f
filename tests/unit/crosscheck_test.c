// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include "host/crosscheck.h"

Test(crosscheck, sums_live_threads_in_both_snapshots,
     .description = "exited threads and threads missing from a snapshot are left out")
{
	struct ws_thread threads[3] = {
		{ .tid = 10, .t = { .on_cpu_ns = 900, .runq_ns = 50 } },
		{ .tid = 11, .t = { .on_cpu_ns = 100, .runq_ns = 5 }, .exited = true },
		{ .tid = 12, .t = { .on_cpu_ns = 7, .runq_ns = 7 } },
	};
	struct schedstat_sample s0[] = { { 1, 10, { 1000, 100, 1 } }, { 1, 11, { 0, 0, 0 } } };
	struct schedstat_sample s1[] = { { 1, 10, { 1910, 148, 9 } }, { 1, 12, { 5, 5, 5 } } };
	struct schedstat_snapshot a = { s0, 2 }, b = { s1, 2 };
	struct ws_profile p = { .threads = threads, .n_threads = 3 };

	crosscheck_compute(&p, &a, &b);
	cr_assert(p.crosscheck.valid);
	cr_assert_eq(p.crosscheck.threads, 1);
	cr_assert_eq(p.crosscheck.bpf_on_cpu_ns, 900);
	cr_assert_eq(p.crosscheck.kernel_on_cpu_ns, 910);
	cr_assert_eq(p.crosscheck.bpf_runq_ns, 50);
	cr_assert_eq(p.crosscheck.kernel_run_delay_ns, 48);
}

Test(crosscheck, invalid_without_common_threads, .description = "nothing to compare")
{
	struct ws_thread t = { .tid = 10 };
	struct schedstat_snapshot empty = { NULL, 0 };
	struct ws_profile p = { .threads = &t, .n_threads = 1 };

	crosscheck_compute(&p, &empty, &empty);
	cr_assert(!p.crosscheck.valid);
}
