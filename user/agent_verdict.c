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

static void open_window(struct agent_verdict *v, __u64 now)
{
	profile_init(&v->prof);
	v->prof.window_start_ns = now;
	v->prof.window_end_ns = (__u64)-1;
	v->start_ns = now;
}

int agent_verdict_init(struct agent_verdict *v, double window_s, double interval_s,
		       __u64 start_ns)
{
	memset(v, 0, sizeof(*v));
	v->window_ns = (__u64)(window_s * 1e9);
	/* Windows end on an interval: the one due a few ms before the window's end closes it. */
	v->slack_ns = (__u64)(interval_s * 1e9 / 2);
	open_window(v, start_ns);
	return 0;
}

int agent_verdict_drain(struct agent_verdict *v, struct collector *c)
{
	struct ws_profile scratch;
	int err;

	if (v->prof.n_threads < AGENT_VERDICT_MAX_THREADS)
		return collector_drain_exits(c, &v->prof);
	/* Heavy churn: the window keeps its first exits, later ones are only emptied out. */
	profile_init(&scratch);
	scratch.window_start_ns = v->prof.window_start_ns;
	scratch.window_end_ns = (__u64)-1;
	err = collector_drain_exits(c, &scratch);
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

static void restart_sampler(struct agent_verdict *v, struct collector *c,
			    const struct ws_target_info *targets, size_t n)
{
	size_t i;

	if (v->ls_on)
		load_sampler_free(&v->ls);
	v->ls_on = false;
	free(v->tgids);
	v->tgids = calloc(n ? n : 1, sizeof(*v->tgids));
	if (!v->tgids)
		return;
	for (i = 0; i < n; i++)
		v->tgids[i] = targets[i].tgid;
	load_sampler_start(&v->ls, v->tgids, n, run_held_conns, c);
	v->ls_on = true;
}

static int close_window(struct agent_verdict *v, struct collector *c,
			const struct ws_target_info *targets, size_t n, __u64 now)
{
	struct ws_model_input min;
	struct ws_thread *next;
	size_t n_next;
	int err;

	v->prof.window_end_ns = now;
	v->prof.targets = calloc(n ? n : 1, sizeof(*v->prof.targets));
	if (!v->prof.targets)
		return -ENOMEM;
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
	/* The kernel's exited totals run since the agent started: not this window's. */
	memset(&v->prof.unlisted, 0, sizeof(v->prof.unlisted));
	v->prof.unlisted_threads = 0;
	profile_finish(&v->prof);
	if (v->ls_on) {
		load_sampler_finish(&v->ls, &v->prof);
		model_input_build(&min, &v->prof, &v->ls.obs, NAN);
		memset(&v->pred, 0, sizeof(v->pred));
		if (model_predict(&min, &v->pred) == 0 || v->pred.class_name)
			v->have = true;
	}
	return 0;
}

void agent_verdict_tick(struct agent_verdict *v, struct collector *c,
			const struct ws_target_info *targets, size_t n)
{
	__u64 now = monotonic_ns();

	if (v->ls_on)
		load_sampler_tick(&v->ls);
	if (now - v->start_ns + v->slack_ns < v->window_ns && v->ls_on)
		return;
	if (v->ls_on && close_window(v, c, targets, n, now))
		ws_warn("failed to compute the verdict of the last window");
	profile_free(&v->prof);
	open_window(v, now);
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
	memset(v, 0, sizeof(*v));
}
