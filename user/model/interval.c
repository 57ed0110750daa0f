// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <string.h>
#include "model/interval.h"

void snapshot_add_record(struct ws_snapshot *s, const struct ws_thread_record *r,
			 __u64 window_start_ns)
{
	struct ws_times t;

	ws_times_from_record(r, window_start_ns, (__u64)-1, &t);
	ws_times_add(&s->t, &t);
	s->threads++;
}

void snapshot_add_exited(struct ws_snapshot *s, const struct ws_exited_totals *e)
{
	ws_times_add_exited(&s->t, e);
}

/* Counters only grow; a thread caught between two maps may make one step look negative. */
static __u64 sub(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

__u64 interval_busy_ns(const struct ws_times *d)
{
	__u64 total = d->on_cpu_ns + d->runq_ns + d->blocked_ns;
	__u64 waiting = d->blocked_by_cause[WS_CAUSE_IDLE] + d->blocked_by_cause[WS_CAUSE_PARKED] +
			d->blocked_by_cause[WS_CAUSE_SLEEP];

	return total > waiting ? total - waiting : 0;
}

const char *interval_class(const struct ws_times *d)
{
	static const char *const names[] = {"cpu-bound", "cpu-starved", "io-bound", "lock-bound"};
	__u64 total = d->on_cpu_ns + d->runq_ns + d->blocked_ns;
	/* parked threads are spare capacity too, never lock */
	__u64 idle = d->blocked_by_cause[WS_CAUSE_IDLE] + d->blocked_by_cause[WS_CAUSE_PARKED];
	__u64 busy, parts[4];
	size_t i, best = 0;

	if (!total)
		return NULL;
	if ((double)idle >= 0.8 * (double)total)
		return "underloaded";
	busy = interval_busy_ns(d);
	if (!busy)
		return "mixed";
	parts[0] = d->on_cpu_ns;
	parts[1] = d->runq_ns;
	parts[2] = d->blocked_by_cause[WS_CAUSE_NET] + d->blocked_by_cause[WS_CAUSE_DISK] +
		   d->blocked_by_cause[WS_CAUSE_CLIENT];
	parts[3] = d->blocked_by_cause[WS_CAUSE_LOCK];
	for (i = 1; i < 4; i++)
		if (parts[i] > parts[best])
			best = i;
	return (double)parts[best] >= 0.5 * (double)busy ? names[best] : "mixed";
}

void interval_compute(const struct ws_snapshot *prev, const struct ws_snapshot *cur,
		      __u64 window_start_ns, struct ws_interval *out)
{
	struct ws_times d;
	__u64 total, best = 0;
	int k;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	ws_times_sub(&d, &cur->t, &prev->t);
	out->t_s = (double)sub(cur->ns, window_start_ns) / 1e9;
	out->interval_s = (double)sub(cur->ns, prev->ns) / 1e9;
	out->threads = cur->threads;
	total = d.on_cpu_ns + d.runq_ns + d.blocked_ns;
	out->on_cpu_share = ws_ratio(d.on_cpu_ns, total);
	out->runq_share = ws_ratio(d.runq_ns, total);
	out->blocked_share = ws_ratio(d.blocked_ns, total);
	out->busy_on_cpu_share = ws_ratio(d.on_cpu_ns, interval_busy_ns(&d));
	out->switches_per_s =
		out->interval_s > 0 ? (double)(d.vol_switches + d.invol_switches) / out->interval_s
				    : NAN;
	out->top_cause = -1;
	for (k = 0; k < WS_CAUSE_KINDS; k++) {
		if (d.blocked_by_cause[k] > best) {
			best = d.blocked_by_cause[k];
			out->top_cause = k;
		}
	}
	out->top_cause_share = out->top_cause >= 0 ? ws_ratio(best, d.blocked_ns) : NAN;
	out->cls = interval_class(&d);
}
