/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's async verdict over the last --verdict-window seconds, sliding by interval: every
 * interval the live threads' totals minus their totals at the previous interval, plus that
 * interval's exits, make one step (model/slide.h) with the load sampled during it; the window is
 * the last ceil(window / interval) steps, and the model reads their sum. The verdict shown is
 * refreshed every interval once the window is full.
 */
#ifndef WS_AGENT_VERDICT_H
#define WS_AGENT_VERDICT_H

#include <stdbool.h>
#include "collect/collector.h"
#include "host/load_sampler.h"
#include "model/model.h"
#include "model/profile.h"
#include "model/slide.h"

struct agent_verdict {
	__u64 start_ns;            /* the current step's start (the previous interval) */
	struct ws_profile prof;    /* its exit records so far */
	struct ws_thread *base;    /* live threads' totals at its start, sorted by tid */
	size_t n_base;
	__u64 cut;                 /* the step's exit records past WS_SLIDE_MAX_THREADS */
	struct ws_slide slide;
	pid_t *tgids;              /* the load sampler's targets (a copy it may point into) */
	size_t n_tgids;
	size_t steps_sampled;      /* steps since the sampler last looked for listeners */
	struct load_sampler ls;
	bool ls_on;
	struct ws_prediction pred;
	bool have;
};

int agent_verdict_init(struct agent_verdict *v, double window_s, double interval_s,
		       __u64 start_ns);
/* Move exit records into the step (on every tick: the kernel buffer stays small). */
int agent_verdict_drain(struct agent_verdict *v, struct collector *c);
/* On each interval: close the step, slide the window, compute the verdict. */
void agent_verdict_tick(struct agent_verdict *v, struct collector *c,
			const struct ws_target_info *targets, size_t n);
/* The verdict of the last full window, NULL before the first. */
const struct ws_prediction *agent_verdict_get(const struct agent_verdict *v);
void agent_verdict_free(struct agent_verdict *v);

/*
 * Pure: each thread of p minus its entry in base (same tid and tgid, sorted by tid), so a
 * profile of cumulative totals becomes one of the step since base was taken.
 */
void agent_verdict_subtract(struct ws_profile *p, const struct ws_thread *base, size_t n_base);

#endif /* WS_AGENT_VERDICT_H */
