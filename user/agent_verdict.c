// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "agent_verdict.h"
#include "model/interval.h"
#include "model/model_input.h"
#include "run.h"
#include "util/log.h"

static void open_step(struct agent_verdict *v, __u64 now)
{
	profile_init(&v->prof);
	v->prof.window_start_ns = now;
	v->prof.window_end_ns = (__u64)-1;
	v->start_ns = now;
}

int agent_verdict_init(struct agent_verdict *v, double window_s, double interval_s,
		       __u64 start_ns)
{
	/* The steps due within half an interval of the window count: ceil with a little slack. */
	size_t k = (size_t)ceil(window_s / interval_s - 0.01);

	memset(v, 0, sizeof(*v));
	open_step(v, start_ns);
	return slide_init(&v->slide, k ? k : 1);
}

int agent_verdict_drain(struct agent_verdict *v, struct collector *c)
{
	struct ws_profile scratch;
	int err;

	if (v->prof.n_threads < WS_SLIDE_MAX_THREADS)
		return collector_drain_exits(c, &v->prof);
	/* Heavy churn: the step keeps its first exits, later ones are counted and emptied out. */
	profile_init(&scratch);
	scratch.window_start_ns = v->prof.window_start_ns;
	scratch.window_end_ns = (__u64)-1;
	err = collector_drain_exits(c, &scratch);
	v->cut += scratch.n_threads;
	profile_free(&scratch);
	return err;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct ws_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

void agent_verdict_subtract(struct ws_profile *p, const struct ws_thread *base, size_t n_base)
{
	size_t i;

	if (!n_base)
		return; /* no base (the first window): bsearch() must not see a NULL array */
	for (i = 0; i < p->n_threads; i++) {
		struct ws_thread *t = &p->threads[i];
		const struct ws_thread *b = bsearch(t, base, n_base, sizeof(*base), cmp_tid);
		__u64 observed = t->t.observed_ns;
		struct ws_times d;

		if (!b || b->tgid != t->tgid)
			continue; /* born in the window: all of it is the window's */
		memset(&d, 0, sizeof(d));
		ws_times_sub(&d, &t->t, &b->t);
		d.observed_ns = observed; /* already the window's: from its start */
		t->t = d;
		t->born = false;
	}
}

/* The live threads' cumulative totals, the next window's base (sorted by tid). */
static struct ws_thread *take_base(const struct ws_profile *p, size_t *n)
{
	struct ws_thread *b = malloc((p->n_threads ? p->n_threads : 1) * sizeof(*b));
	size_t i;

	*n = 0;
	if (!b)
		return NULL;
	for (i = 0; i < p->n_threads; i++)
		if (!p->threads[i].exited)
			b[(*n)++] = p->threads[i];
	qsort(b, *n, sizeof(*b), cmp_tid);
	return b;
}

static bool same_targets(const struct agent_verdict *v, const struct ws_target_info *targets,
			 size_t n)
{
	size_t i;

	if (n != v->n_tgids)
		return false;
	for (i = 0; i < n; i++)
		if (targets[i].tgid != v->tgids[i])
			return false;
	return true;
}

/* A new sampler: it looks for the targets' listeners (a walk of their fds) and reads counters. */
static void restart_sampler(struct agent_verdict *v, struct collector *c,
			    const struct ws_target_info *targets, size_t n)
{
	size_t i;

	if (v->ls_on)
		load_sampler_free(&v->ls);
	v->ls_on = false;
	v->steps_sampled = 0;
	free(v->tgids);
	v->n_tgids = 0;
	v->tgids = calloc(n ? n : 1, sizeof(*v->tgids));
	if (!v->tgids)
		return;
	for (i = 0; i < n; i++)
		v->tgids[i] = targets[i].tgid;
	v->n_tgids = n;
	load_sampler_start(&v->ls, v->tgids, n, run_held_conns, c);
	v->ls_on = true;
}

/* The step's load from the sampler's sums; the sampler then starts over from its end readings. */
static void take_obs(struct load_sampler *ls, struct ws_slide_obs *so)
{
	struct ws_host_obs *o = &ls->obs;

	memset(so, 0, sizeof(*so));
	so->runnable_sum = o->runnable_sum;
	so->runnable_samples = o->runnable_samples;
	so->queue_sum = o->queue_sum;
	so->queue_max = o->queue_max;
	so->queue_samples = o->queue_samples;
	so->conn_sum = o->conn_sum;
	so->conn_samples = o->conn_samples;
	so->cpu_ok = o->cpu_ok && o->cpu_total0 && o->cpu_total1 >= o->cpu_total0 &&
		     o->cpu_busy1 >= o->cpu_busy0;
	if (so->cpu_ok) {
		so->cpu_busy = o->cpu_busy1 - o->cpu_busy0;
		so->cpu_total = o->cpu_total1 - o->cpu_total0;
	}
	so->overflows_ok = o->overflows_ok && o->overflows1 >= o->overflows0;
	if (so->overflows_ok)
		so->overflows = o->overflows1 - o->overflows0;
	o->runnable_sum = o->queue_sum = o->queue_max = o->conn_sum = 0;
	o->runnable_samples = o->queue_samples = o->conn_samples = 0;
	o->cpu_busy0 = o->cpu_busy1;
	o->cpu_total0 = o->cpu_total1;
	o->overflows0 = o->overflows1;
}

/*
 * Close the step (live totals since the previous interval, its exits) into the slide; once the
 * window is full, the model reads the sum of its steps.
 */
static int close_step(struct agent_verdict *v, struct collector *c,
		      const struct ws_target_info *targets, size_t n, __u64 now)
{
	struct ws_slide_obs so;
	struct ws_host_obs h;
	struct ws_model_input min;
	const struct ws_thread *sum;
	struct ws_thread *next;
	size_t n_next, n_sum;
	bool first = !v->ls_on;
	int err;

	v->prof.window_end_ns = now;
	v->prof.targets = calloc(n ? n : 1, sizeof(*v->prof.targets));
	if (!v->prof.targets)
		return -ENOMEM;
	if (n) /* no live target: targets may be NULL, which memcpy() must not see */
		memcpy(v->prof.targets, targets, n * sizeof(*targets));
	v->prof.n_targets = n;
	err = collector_collect(c, &v->prof);
	if (err)
		return err;
	next = take_base(&v->prof, &n_next);
	if (!next)
		return -ENOMEM;
	agent_verdict_subtract(&v->prof, v->base, v->n_base);
	free(v->base);
	v->base = next;
	v->n_base = n_next;
	if (first)
		return 0; /* attach to the first interval: the base only, no load sampled yet */
	load_sampler_finish(&v->ls, &v->prof);
	h = v->ls.obs; /* the host facts of now: CPUs, quota, RSS, parents */
	take_obs(&v->ls, &so);
	/* The step's threads go to the slide; the profile keeps the rest (syscalls, counters). */
	err = slide_push(&v->slide, v->prof.threads, v->prof.n_threads, &so, v->start_ns, now);
	v->prof.threads = NULL;
	v->prof.n_threads = 0;
	v->prof.cap_threads = 0;
	if (err)
		return err;
	v->slide.ring[(v->slide.head + v->slide.n_steps - 1) % v->slide.k].cut += v->cut;
	v->cut = 0;
	if (v->slide.n_steps < v->slide.k)
		return 0;
	sum = slide_threads(&v->slide, &n_sum);
	v->prof.threads = malloc((n_sum ? n_sum : 1) * sizeof(*sum));
	if (!v->prof.threads)
		return -ENOMEM;
	if (n_sum)
		memcpy(v->prof.threads, sum, n_sum * sizeof(*sum));
	v->prof.n_threads = n_sum;
	v->prof.cap_threads = n_sum ? n_sum : 1;
	v->prof.window_start_ns = slide_start_ns(&v->slide);
	/* The kernel's exited totals run since the agent started: not this window's. */
	memset(&v->prof.unlisted, 0, sizeof(v->prof.unlisted));
	v->prof.unlisted_threads = 0;
	profile_finish(&v->prof);
	slide_obs(&v->slide, &h); /* the load, summed over the window */
	model_input_build(&min, &v->prof, &h, NAN);
	memset(&v->pred, 0, sizeof(v->pred));
	if (model_predict(&min, &v->pred) == 0 || v->pred.class_name)
		v->have = true;
	if (slide_cut(&v->slide))
		ws_debug("agent: verdict window past %d threads a step: %llu cut", WS_SLIDE_MAX_THREADS,
			 (unsigned long long)slide_cut(&v->slide));
	return 0;
}

void agent_verdict_tick(struct agent_verdict *v, struct collector *c,
			const struct ws_target_info *targets, size_t n)
{
	__u64 now = monotonic_ns();

	if (v->ls_on)
		load_sampler_tick(&v->ls);
	if (close_step(v, c, targets, n, now))
		ws_warn("failed to compute the verdict of the last window");
	/* load_sampler_finish() lists the parents afresh each step */
	free(v->ls.obs.parents);
	v->ls.obs.parents = NULL;
	v->ls.obs.n_parents = 0;
	profile_free(&v->prof);
	open_step(v, now);
	/* Listeners looked for again when the targets change, and once a window otherwise */
	if (!v->ls_on || !same_targets(v, targets, n) || ++v->steps_sampled >= v->slide.k)
		restart_sampler(v, c, targets, n);
}

const struct ws_prediction *agent_verdict_get(const struct agent_verdict *v)
{
	return v->have ? &v->pred : NULL;
}

void agent_verdict_free(struct agent_verdict *v)
{
	profile_free(&v->prof);
	if (v->ls_on)
		load_sampler_free(&v->ls);
	free(v->tgids);
	free(v->base);
	slide_free(&v->slide);
	memset(v, 0, sizeof(*v));
}
