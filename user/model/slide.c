// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The agent's sliding verdict window: a ring of per-interval steps and their running sum. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/slide.h"

int slide_init(struct ws_slide *s, size_t k)
{
	memset(s, 0, sizeof(*s));
	s->k = k ? k : 1;
	s->ring = calloc(s->k, sizeof(*s->ring));
	return s->ring ? 0 : -ENOMEM;
}

void slide_free(struct ws_slide *s)
{
	size_t i;

	for (i = 0; s->ring && i < s->k; i++)
		free(s->ring[i].threads);
	free(s->ring);
	free(s->sum);
	free(s->refs);
	memset(s, 0, sizeof(*s));
}

static int cmp_tid(const void *a, const void *b)
{
	const struct ws_thread *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/*
 * The newest step's view of a thread: what is not a sum (name, flags, the open block). poll_ns
 * and event_loop are profile_finish()'s, from the sum.
 */
static void take_latest(struct ws_thread *dst, const struct ws_thread *src)
{
	memcpy(dst->comm, src->comm, sizeof(dst->comm));
	dst->exited |= src->exited;
	dst->untracked = src->untracked;
	if (src->set_clients_max > dst->set_clients_max)
		dst->set_clients_max = src->set_clients_max;
	dst->open_block_nr_plus1 = src->open_block_nr_plus1;
	dst->open_blocked_ns = src->open_blocked_ns;
	dst->open_peer = src->open_peer;
}

/* Merge the (sorted) step into the sum; entries the step does not hold are no longer blocked. */
static int add_step(struct ws_slide *s, const struct ws_slide_step *st)
{
	size_t cap = s->n_sum + st->n, i = 0, j = 0, o = 0;
	struct ws_thread *sum = malloc((cap ? cap : 1) * sizeof(*sum));
	unsigned int *refs = malloc((cap ? cap : 1) * sizeof(*refs));

	if (!sum || !refs) {
		free(sum);
		free(refs);
		return -ENOMEM;
	}
	while (i < s->n_sum || j < st->n) {
		int c = i == s->n_sum ? 1 : j == st->n ? -1 : cmp_tid(&s->sum[i], &st->threads[j]);

		if (c < 0) {
			sum[o] = s->sum[i];
			sum[o].open_block_nr_plus1 = 0;
			sum[o].open_blocked_ns = 0;
			refs[o++] = s->refs[i++];
		} else if (c > 0) {
			sum[o] = st->threads[j++];
			refs[o++] = 1;
		} else {
			sum[o] = s->sum[i];
			ws_times_add(&sum[o].t, &st->threads[j].t);
			take_latest(&sum[o], &st->threads[j++]);
			refs[o++] = s->refs[i++] + 1;
		}
	}
	free(s->sum);
	free(s->refs);
	s->sum = sum;
	s->refs = refs;
	s->n_sum = o;
	s->cap_sum = cap;
	return 0;
}

/* Take the leaving step's values out of the sum: a thread it held was alive before the rest. */
static void sub_step(struct ws_slide *s, const struct ws_slide_step *st)
{
	size_t i = 0, j = 0, o = 0;

	for (j = 0; j < st->n; j++) {
		while (i < s->n_sum && cmp_tid(&s->sum[i], &st->threads[j]) < 0)
			i++;
		if (i == s->n_sum || cmp_tid(&s->sum[i], &st->threads[j]))
			continue;
		ws_times_sub(&s->sum[i].t, &s->sum[i].t, &st->threads[j].t);
		s->sum[i].born = false;
		s->refs[i]--;
	}
	for (i = 0; i < s->n_sum; i++) {
		if (!s->refs[i])
			continue;
		s->sum[o] = s->sum[i];
		s->refs[o++] = s->refs[i];
	}
	s->n_sum = o;
}

int slide_push(struct ws_slide *s, struct ws_thread *threads, size_t n,
	       const struct ws_slide_obs *obs, __u64 start_ns, __u64 end_ns)
{
	struct ws_slide_step st = { .threads = threads, .n = n, .obs = *obs,
				    .start_ns = start_ns, .end_ns = end_ns };
	struct ws_slide_step *old;

	if (n) /* an interval with no thread may come with no array: qsort() must not see NULL */
		qsort(threads, n, sizeof(*threads), cmp_tid);
	if (st.n > WS_SLIDE_MAX_THREADS) {
		st.cut = st.n - WS_SLIDE_MAX_THREADS;
		st.n = WS_SLIDE_MAX_THREADS;
	}
	/* A profile's array has room to grow: the ring keeps only what it holds */
	if (st.n) {
		struct ws_thread *fit = realloc(threads, st.n * sizeof(*fit));

		if (fit)
			st.threads = fit;
	}
	if (s->n_steps == s->k) {
		old = &s->ring[s->head];
		sub_step(s, old);
		free(old->threads);
		memset(old, 0, sizeof(*old));
		s->head = (s->head + 1) % s->k;
		s->n_steps--;
	}
	if (add_step(s, &st)) {
		free(st.threads);
		return -ENOMEM;
	}
	s->ring[(s->head + s->n_steps) % s->k] = st;
	s->n_steps++;
	return 0;
}

const struct ws_thread *slide_threads(const struct ws_slide *s, size_t *n)
{
	*n = s->n_sum;
	return s->sum;
}

__u64 slide_start_ns(const struct ws_slide *s)
{
	return s->n_steps ? s->ring[s->head].start_ns : 0;
}

__u64 slide_end_ns(const struct ws_slide *s)
{
	return s->n_steps ? s->ring[(s->head + s->n_steps - 1) % s->k].end_ns : 0;
}

__u64 slide_cut(const struct ws_slide *s)
{
	__u64 cut = 0;
	size_t i;

	for (i = 0; i < s->n_steps; i++)
		cut += s->ring[(s->head + i) % s->k].cut;
	return cut;
}

void slide_obs(const struct ws_slide *s, struct ws_host_obs *h)
{
	size_t i;

	h->runnable_sum = h->queue_sum = h->queue_max = h->conn_sum = 0;
	h->runnable_samples = h->queue_samples = h->conn_samples = 0;
	h->cpu_busy0 = h->cpu_total0 = h->cpu_busy1 = h->cpu_total1 = 0;
	h->overflows0 = h->overflows1 = 0;
	h->cpu_ok = false;
	h->overflows_ok = s->n_steps > 0;
	for (i = 0; i < s->n_steps; i++) {
		const struct ws_slide_obs *o = &s->ring[(s->head + i) % s->k].obs;

		h->runnable_sum += o->runnable_sum;
		h->runnable_samples += o->runnable_samples;
		h->queue_sum += o->queue_sum;
		h->queue_samples += o->queue_samples;
		if (o->queue_max > h->queue_max)
			h->queue_max = o->queue_max;
		h->conn_sum += o->conn_sum;
		h->conn_samples += o->conn_samples;
		/* CPU over the steps that read it; overflows only if every step did */
		if (o->cpu_ok) {
			h->cpu_ok = true;
			h->cpu_busy1 += o->cpu_busy;
			h->cpu_total1 += o->cpu_total;
		}
		h->overflows_ok = h->overflows_ok && o->overflows_ok;
		h->overflows1 += o->overflows;
	}
}
