/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * storm.h: the measured window of the storm workloads (pingpong, readloop), for bench/overhead.sh.
 * One worker thread counts operations in storm_ops; the main thread prints the ready line, lets
 * WARM_MS pass (time for a profiler to attach), counts the operations done from then to the end
 * of the run and reports the rate as one line on stderr:
 *   result ops=N secs=S ops_per_s=R ns_per_op=T cpu_ns_per_op=C
 * cpu_ns_per_op is the whole process's CPU time (user + system, all threads) per operation: on a
 * shared machine it moves far less than the wall-clock rate when other work takes the CPU.
 */
#ifndef WL_STORM_H
#define WL_STORM_H

#include "workload.h"

static atomic_ullong storm_ops; /* written by the one worker thread only */

#define STORM_USAGE_WARM_HELP \
	"  -w, --warmup=MS      not measured: the first MS milliseconds (default 0)\n"
/* What a round-trip storm prints (pingpong, pollwait). */
#define STORM_USAGE_RESULT_HELP                                                               \
	"Prints \"ready pid=PID\" on stdout once running, and at the end one line on stderr:\n" \
	"\"result ops=N secs=S ops_per_s=R ns_per_op=T\" (round trips after the warm-up).\n"

/* Publish the worker's count: a plain store (one writer), cheap next to a syscall. */
static inline void storm_count(unsigned long long n)
{
	atomic_store_explicit(&storm_ops, n, memory_order_relaxed);
}

/* CPU time of the whole process (all threads), ns. */
static inline long long storm_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Run fn(arg) in one worker thread (stop signals blocked), print the ready line, measure from
 * warm_ms after it to the end of the run (-t or a signal), then stop and join the worker.
 */
static inline int storm_run(void *(*fn)(void *), void *arg, long warm_ms, double secs)
{
	unsigned long long c0, c1;
	long long t0, t1, cpu0, cpu1;
	pthread_attr_t attr;
	pthread_t tid;
	double s;
	int err;

	err = wl_thread_attr_init(&attr);
	if (err) {
		wl_err("failed to init thread attributes: %s", strerror(err));
		return WL_EXIT_FAIL;
	}
	err = pthread_create(&tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (err) {
		wl_err("failed to create worker thread: %s", strerror(err));
		return WL_EXIT_FAIL;
	}
	if (wl_ready(secs, NULL)) {
		wl_end();
		pthread_join(tid, NULL);
		return WL_EXIT_FAIL;
	}
	if (warm_ms > 0)
		wl_wait_ns(warm_ms * NSEC_PER_MSEC);
	c0 = atomic_load_explicit(&storm_ops, memory_order_relaxed);
	t0 = wl_now_ns();
	cpu0 = storm_cpu_ns();
	wl_wait();
	c1 = atomic_load_explicit(&storm_ops, memory_order_relaxed);
	t1 = wl_now_ns();
	cpu1 = storm_cpu_ns();
	wl_end();
	pthread_join(tid, NULL);
	s = (double)(t1 - t0) / 1e9;
	fprintf(stderr, "result ops=%llu secs=%.3f ops_per_s=%.0f ns_per_op=%.1f cpu_ns_per_op=%.1f\n",
		c1 - c0, s, s > 0 ? (double)(c1 - c0) / s : 0.0,
		c1 > c0 ? (double)(t1 - t0) / (double)(c1 - c0) : 0.0,
		c1 > c0 ? (double)(cpu1 - cpu0) / (double)(c1 - c0) : 0.0);
	return WL_EXIT_OK;
}

#endif /* WL_STORM_H */
