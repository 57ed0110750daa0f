/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A sliding window of per-interval steps: each step holds one interval's per-thread deltas (its
 * exits included) and the load sampled during it. The window keeps the last k steps and their
 * per-thread sum, kept sorted by tid: a step coming in is added, the one leaving is subtracted
 * with the very values it added (integers: exact), and a thread no step still holds is dropped.
 * Pure: plain structs in, plain structs out; user/agent_verdict.c feeds it.
 */
#ifndef WS_SLIDE_H
#define WS_SLIDE_H

#include <stdbool.h>
#include <stddef.h>
#include "model/model_input.h"
#include "model/profile.h"

/*
 * Threads one step keeps (live and exited): past it the rest is counted in cut, so a workload
 * churning threads costs neither memory nor the sum's merge.
 */
#define WS_SLIDE_MAX_THREADS 4096

/* The load sampled during one step; the CPU and overflow counters as deltas. */
struct ws_slide_obs {
	double runnable_sum;
	unsigned long runnable_samples;
	double queue_sum, queue_max;
	unsigned long queue_samples;
	double conn_sum;
	unsigned long conn_samples;
	bool cpu_ok, overflows_ok;
	unsigned long long cpu_busy, cpu_total, overflows;
};

struct ws_slide_step {
	struct ws_thread *threads; /* sorted by tid, owned */
	size_t n;
	__u64 cut;                 /* threads past WS_SLIDE_MAX_THREADS */
	struct ws_slide_obs obs;
	__u64 start_ns, end_ns;
};

struct ws_slide {
	struct ws_slide_step *ring;
	size_t k, head, n_steps;   /* head: the oldest step */
	struct ws_thread *sum;     /* per-thread sum of the steps, sorted by tid */
	unsigned int *refs;        /* steps holding each sum entry */
	size_t n_sum, cap_sum;
};

/* k: the steps the window spans, ceil(window / interval). Returns 0 or -ENOMEM. */
int slide_init(struct ws_slide *s, size_t k);
void slide_free(struct ws_slide *s);

/*
 * One interval's step: threads (deltas, taken over: freed by the slide, also on error) and its
 * load. The oldest step leaves first when k are held. Returns 0 or -ENOMEM (window unchanged,
 * the step dropped).
 */
int slide_push(struct ws_slide *s, struct ws_thread *threads, size_t n,
	       const struct ws_slide_obs *obs, __u64 start_ns, __u64 end_ns);

/* The window's threads: born only if born in its oldest step holding them. */
const struct ws_thread *slide_threads(const struct ws_slide *s, size_t *n);
/* The window's start and end, the threads its steps cut, and its load summed into h's fields. */
__u64 slide_start_ns(const struct ws_slide *s);
__u64 slide_end_ns(const struct ws_slide *s);
__u64 slide_cut(const struct ws_slide *s);
void slide_obs(const struct ws_slide *s, struct ws_host_obs *h);

#endif /* WS_SLIDE_H */
