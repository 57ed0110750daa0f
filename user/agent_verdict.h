/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's async verdict over the last --verdict-window seconds: the exits of the window are
 * kept, and at its end the live threads' totals minus their totals at its start make a profile of
 * the window alone, which the model reads with the load sampled during it. The verdict shown is
 * the last complete window's (refreshed every window).
 */
#ifndef WS_AGENT_VERDICT_H
#define WS_AGENT_VERDICT_H

#include <stdbool.h>
#include "collect/collector.h"
#include "host/load_sampler.h"
#include "model/model.h"
#include "model/profile.h"

/*
 * Threads one window keeps (exited and live): past it, later exit records are dropped, so a
 * workload churning threads costs neither memory nor the profile's per-record lookup.
 */
#define AGENT_VERDICT_MAX_THREADS 4096

struct agent_verdict {
	__u64 window_ns;
	__u64 slack_ns;            /* half an interval */
	__u64 start_ns;            /* the current window's start */
	struct ws_profile prof;    /* its exit records so far */
	struct ws_thread *base;    /* live threads' totals at its start, sorted by tid */
	size_t n_base;
	pid_t *tgids;              /* the load sampler's targets (a copy it may point into) */
	struct load_sampler ls;
	bool ls_on;
	struct ws_prediction pred;
	bool have;
};

int agent_verdict_init(struct agent_verdict *v, double window_s, double interval_s,
		       __u64 start_ns);
/* Move exit records into the window (on every tick: the kernel buffer stays small). */
int agent_verdict_drain(struct agent_verdict *v, struct collector *c);
/* On each interval: sample the load; at the window's end compute the verdict. */
void agent_verdict_tick(struct agent_verdict *v, struct collector *c,
			const struct ws_target_info *targets, size_t n);
/* The last complete window's verdict, NULL before the first. */
const struct ws_prediction *agent_verdict_get(const struct agent_verdict *v);
void agent_verdict_free(struct agent_verdict *v);

/*
 * Pure: each thread of p minus its entry in base (same tid and tgid, sorted by tid), so a
 * profile of cumulative totals becomes one of the window since base was taken.
 */
void agent_verdict_subtract(struct ws_profile *p, const struct ws_thread *base, size_t n_base);

#endif /* WS_AGENT_VERDICT_H */
