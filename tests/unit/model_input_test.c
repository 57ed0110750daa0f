// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "model/model_input.h"

static struct ws_host_obs obs(void)
{
	struct ws_host_obs h;

	memset(&h, 0, sizeof(h));
	h.cpus = 2;
	h.online_cpus = 4;
	h.cpu_quota = -1;
	return h;
}

Test(model_input, averages, .description = "sample sums over their counts; the queue max as is")
{
	struct ws_host_obs h = obs();
	struct ws_model_input in;
	struct ws_profile p = { 0 };

	h.runnable_sum = 9;
	h.runnable_samples = 3;
	h.queue_sum = 10;
	h.queue_max = 7;
	h.queue_samples = 4;
	h.conn_sum = 30;
	h.conn_samples = 3;
	model_input_build(&in, &p, &h, NAN);
	cr_assert_eq(in.p, &p);
	cr_assert_eq(in.m.cpus, 2);
	cr_assert_float_eq(in.m.runnable_avg, 3.0, 1e-9);
	cr_assert_float_eq(in.load.accept_queue_avg, 2.5, 1e-9);
	cr_assert_float_eq(in.load.accept_queue_max, 7.0, 1e-9);
	cr_assert_float_eq(in.load.connections_avg, 10.0, 1e-9);
	cr_assert_float_eq(in.load.accepts_per_s, -1.0, 1e-9, "taken from the syscall counts");
}

Test(model_input, unknowns, .description = "no samples and no counter readings: every figure -1")
{
	struct ws_host_obs h = obs();
	struct ws_model_input in;
	struct ws_profile p = { 0 };

	model_input_build(&in, &p, &h, NAN);
	cr_assert_float_eq(in.m.runnable_avg, -1.0, 1e-9);
	cr_assert_float_eq(in.m.busy_cpus, -1.0, 1e-9);
	cr_assert_float_eq(in.load.accept_queue_avg, -1.0, 1e-9);
	cr_assert_float_eq(in.load.accept_queue_max, -1.0, 1e-9);
	cr_assert_float_eq(in.load.connections_avg, -1.0, 1e-9);
	cr_assert_float_eq(in.load.listen_overflows, -1.0, 1e-9);
	cr_assert_eq(in.worker_rss_bytes, 0);
}

Test(model_input, busy_cpus, .description = "busy share of the jiffies times online CPUs, "
					   "less the profiler's own, never below 0")
{
	struct ws_host_obs h = obs();
	struct ws_model_input in;
	struct ws_profile p = { 0 };

	h.cpu_ok = true;
	h.cpu_busy0 = 100;
	h.cpu_total0 = 1000;
	h.cpu_busy1 = 600;
	h.cpu_total1 = 2000; /* half busy, 4 online: 2 CPUs */
	model_input_build(&in, &p, &h, NAN);
	cr_assert_float_eq(in.m.busy_cpus, 2.0, 1e-9);
	model_input_build(&in, &p, &h, 0.25);
	cr_assert_float_eq(in.m.busy_cpus, 1.75, 1e-9);
	model_input_build(&in, &p, &h, 3.0);
	cr_assert_float_eq(in.m.busy_cpus, 0.0, 1e-9);
	h.cpu_total1 = h.cpu_total0; /* no time passed: unknown */
	model_input_build(&in, &p, &h, NAN);
	cr_assert_float_eq(in.m.busy_cpus, -1.0, 1e-9);
}

Test(model_input, overflows_and_rss, .description = "the overflow delta; RSS per target process")
{
	struct ws_proc_parent parents[] = { { 10, 1 }, { 11, 10 } };
	struct ws_host_obs h = obs();
	struct ws_model_input in;
	struct ws_profile p = { 0 };

	h.overflows_ok = true;
	h.overflows0 = 5;
	h.overflows1 = 12;
	h.rss_sum = 3000;
	h.n_procs = 3;
	h.parents = parents;
	h.n_parents = 2;
	model_input_build(&in, &p, &h, NAN);
	cr_assert_float_eq(in.load.listen_overflows, 7.0, 1e-9);
	cr_assert_eq(in.worker_rss_bytes, 1000);
	cr_assert_eq(in.parents, parents);
	cr_assert_eq(in.n_parents, 2);
	h.overflows1 = 4; /* the counter went back (a reset): unknown */
	model_input_build(&in, &p, &h, NAN);
	cr_assert_float_eq(in.load.listen_overflows, -1.0, 1e-9);
}
