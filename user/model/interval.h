/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -i SECONDS: interval figures as deltas between two cumulative snapshots of the targets'
 * accounting. Pure: snapshots are filled from kernel records by the collector, and the math here
 * works on plain structs; user/report/ writes the lines.
 */
#ifndef WS_INTERVAL_H
#define WS_INTERVAL_H

#include <stdio.h>
#include "model/profile.h"

/* Totals since the window began, as of one moment. */
struct ws_snapshot {
	__u64 ns;          /* CLOCK_MONOTONIC time of the snapshot */
	struct ws_times t; /* live threads (open intervals closed at ns) + exited threads */
	__u64 threads;     /* live target threads at the snapshot */
};

/* One interval line. Shares are of the thread time accounted in the interval. */
struct ws_interval {
	double t_s;          /* end of the interval, seconds since the window began */
	double interval_s;   /* its length */
	__u64 threads;
	double on_cpu_share, runq_share, blocked_share; /* NaN when nothing was accounted */
	double busy_on_cpu_share; /* on-CPU share of the busy time (interval_busy_ns); NaN if 0 */
	double switches_per_s;
	int top_cause;       /* enum ws_cause with the most blocked time; -1 when none */
	double top_cause_share; /* of the interval's blocked time */
	const char *cls;     /* interval class (interval_class), NULL when nothing was accounted */
};

/* Add a live thread record (dump iterator), closing its open interval at the record's time. */
void snapshot_add_record(struct ws_snapshot *s, const struct ws_thread_record *r,
			 __u64 window_start_ns);
/* Add the totals of threads that exited (one process's exited_totals entry). */
void snapshot_add_exited(struct ws_snapshot *s, const struct ws_exited_totals *e);

/* d = b - a field by field, each clamped at 0 (counters only grow). */
void ws_times_delta(const struct ws_times *a, const struct ws_times *b, struct ws_times *d);

/* The figures between prev and cur (prev may be the zero snapshot at the window start). */
void interval_compute(const struct ws_snapshot *prev, const struct ws_snapshot *cur,
		      __u64 window_start_ns, struct ws_interval *out);

/*
 * Busy thread time: all accounted time except waiting for new work (idle) and sleeping (sleep):
 * a thread that only waits, like a main thread parked in nanosleep, does not dilute the shares.
 */
__u64 interval_busy_ns(const struct ws_times *d);

/*
 * A per-interval workload class from the interval's deltas alone (the full model needs the whole
 * window): "underloaded" when waiting for new work (idle) takes >= 80% of the thread time,
 * otherwise the largest of on-CPU ("cpu-bound"), run queue ("cpu-starved"), net+disk+client
 * ("io-bound") and lock ("lock-bound") when it is >= 50% of the busy time, else "mixed".
 * NULL when nothing was accounted.
 */
const char *interval_class(const struct ws_times *d);

#endif /* WS_INTERVAL_H */
