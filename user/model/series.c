// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The agent's accumulating counters: per-process steps added to one set per target selector. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/series.h"

void series_init(struct ws_series *s)
{
	memset(s, 0, sizeof(*s));
}

void series_free(struct ws_series *s)
{
	free(s->procs);
	memset(s, 0, sizeof(*s));
}

static struct ws_series_proc *find_proc(struct ws_series *s, pid_t tgid)
{
	size_t i;

	for (i = 0; i < s->n_procs; i++)
		if (s->procs[i].tgid == tgid)
			return &s->procs[i];
	return NULL;
}

/* Room for n more processes, so an update either adds all its steps or none. */
static int reserve(struct ws_series *s, size_t n)
{
	struct ws_series_proc *grown;
	size_t cap = s->cap_procs ? s->cap_procs : 16;

	if (s->n_procs + n <= s->cap_procs)
		return 0;
	while (cap < s->n_procs + n)
		cap *= 2;
	grown = realloc(s->procs, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->procs = grown;
	s->cap_procs = cap;
	return 0;
}

int series_update(struct ws_series *s, const struct ws_proc_snapshot *snaps, size_t n)
{
	size_t i;

	if (reserve(s, n))
		return -ENOMEM;
	for (i = 0; i < s->n_procs; i++) {
		s->procs[i].live = false;
		s->procs[i].threads = 0;
	}
	s->threads = 0;
	s->processes = 0;
	for (i = 0; i < n; i++) {
		const struct ws_proc_snapshot *ps = &snaps[i];
		struct ws_series_proc *p = find_proc(s, ps->tgid);
		struct ws_times step;

		if (!p) {
			p = &s->procs[s->n_procs++];
			memset(p, 0, sizeof(*p));
			p->tgid = ps->tgid;
		}
		memcpy(p->comm, ps->comm, sizeof(p->comm));
		ws_times_sub(&step, &ps->s.t, &p->last);
		p->last = ps->s.t;
		ws_times_add(&p->acc, &step);
		ws_times_add(&s->acc, &step);
		p->live = !ps->dead;
		p->threads = ps->dead ? 0 : ps->s.threads;
		s->threads += p->threads;
		s->processes += p->live;
	}
	s->updates++;
	return 0;
}

void series_forget(struct ws_series *s, pid_t tgid)
{
	struct ws_series_proc *p = find_proc(s, tgid);

	if (p)
		*p = s->procs[--s->n_procs];
}

static void keep_max(__u64 *dst, const __u64 *src, size_t words)
{
	size_t i;

	for (i = 0; i < words; i++)
		if (src[i] > dst[i])
			dst[i] = src[i];
}

void series_set_kernel(struct ws_series *s, const struct ws_hists *h, const struct ws_counters *c)
{
	keep_max((__u64 *)&s->hists, (const __u64 *)h, sizeof(*h) / sizeof(__u64));
	keep_max((__u64 *)&s->counters, (const __u64 *)c, sizeof(*c) / sizeof(__u64));
}

int series_from_profile(struct ws_series *s, const struct ws_profile *p)
{
	size_t i, j;

	series_init(s);
	if (reserve(s, p->n_targets))
		return -ENOMEM;
	s->acc = p->totals;
	s->hists = p->hists;
	s->counters = p->counters;
	s->updates = 1;
	for (i = 0; i < p->n_targets; i++) {
		struct ws_series_proc *sp = &s->procs[s->n_procs++];

		memset(sp, 0, sizeof(*sp));
		sp->tgid = p->targets[i].tgid;
		memcpy(sp->comm, p->targets[i].comm, sizeof(sp->comm));
		sp->live = !p->targets[i].exited;
		/* listed threads only: those whose exit record was dropped are in the totals alone */
		for (j = 0; j < p->n_threads; j++) {
			if ((pid_t)p->threads[j].tgid != sp->tgid)
				continue;
			ws_times_add(&sp->acc, &p->threads[j].t);
			sp->threads += !p->threads[j].exited;
		}
		s->threads += sp->threads;
		s->processes += sp->live;
	}
	s->threads = 0;
	for (j = 0; j < p->n_threads; j++)
		s->threads += !p->threads[j].exited;
	return 0;
}
