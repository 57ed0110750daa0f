// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "host/crosscheck.h"

int schedstat_snapshot_take(struct schedstat_snapshot *snap, const pid_t *tgids, size_t n)
{
	size_t i, j, cap = 0;
	struct schedstat_sample *grown;

	snap->v = NULL;
	snap->n = 0;
	for (i = 0; i < n; i++) {
		pid_t *tids;
		size_t ntids;

		if (proc_list_tids(tgids[i], &tids, &ntids))
			continue; /* exited: nothing to compare */
		for (j = 0; j < ntids; j++) {
			struct schedstat s;

			if (schedstat_read(tgids[i], tids[j], &s))
				continue;
			if (snap->n == cap) {
				cap = cap ? cap * 2 : 64;
				grown = realloc(snap->v, cap * sizeof(*grown));
				if (!grown) {
					free(tids);
					schedstat_snapshot_free(snap);
					return -ENOMEM;
				}
				snap->v = grown;
			}
			snap->v[snap->n++] = (struct schedstat_sample){ tgids[i], tids[j], s };
		}
		free(tids);
	}
	return 0;
}

void schedstat_snapshot_free(struct schedstat_snapshot *snap)
{
	free(snap->v);
	snap->v = NULL;
	snap->n = 0;
}

static const struct schedstat_sample *find(const struct schedstat_snapshot *s, pid_t tid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].tid == tid)
			return &s->v[i];
	return NULL;
}

void crosscheck_compute(struct ws_profile *p, const struct schedstat_snapshot *start,
			const struct schedstat_snapshot *end)
{
	struct ws_crosscheck *x = &p->crosscheck;
	size_t i;

	*x = (struct ws_crosscheck){ 0 };
	for (i = 0; i < p->n_threads; i++) {
		const struct ws_thread *t = &p->threads[i];
		const struct schedstat_sample *a, *b;

		if (t->exited)
			continue;
		a = find(start, (pid_t)t->tid);
		b = find(end, (pid_t)t->tid);
		if (!a || !b || b->s.on_cpu_ns < a->s.on_cpu_ns ||
		    b->s.run_delay_ns < a->s.run_delay_ns)
			continue;
		x->threads++;
		x->bpf_on_cpu_ns += t->t.on_cpu_ns;
		x->bpf_runq_ns += t->t.runq_ns;
		x->kernel_on_cpu_ns += b->s.on_cpu_ns - a->s.on_cpu_ns;
		x->kernel_run_delay_ns += b->s.run_delay_ns - a->s.run_delay_ns;
	}
	x->valid = x->threads > 0;
}
