// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Model input assembly: averages and deltas of what the host showed, no /proc reads here. */
#include <math.h>
#include <string.h>
#include "model/model_input.h"

static double avg(double sum, unsigned long samples)
{
	return samples ? sum / (double)samples : -1;
}

void model_input_build(struct ws_model_input *in, const struct ws_profile *p,
		       const struct ws_host_obs *h, double self_cpus)
{
	memset(in, 0, sizeof(*in));
	in->p = p;
	in->parents = h->parents;
	in->n_parents = h->n_parents;
	in->m.cpus = h->cpus;
	in->m.busy_cpus = -1;
	in->m.cpu_quota = h->cpu_quota;
	in->m.runnable_avg = avg(h->runnable_sum, h->runnable_samples);
	if (h->cpu_ok && h->cpu_total1 > h->cpu_total0) {
		in->m.busy_cpus = (double)(h->cpu_busy1 - h->cpu_busy0) /
				  (double)(h->cpu_total1 - h->cpu_total0) * (double)h->online_cpus;
		/* The profiler's own CPU is not load the server would compete with. */
		if (isfinite(self_cpus))
			in->m.busy_cpus -= self_cpus;
		if (in->m.busy_cpus < 0)
			in->m.busy_cpus = 0;
	}
	in->load.accept_queue_avg = avg(h->queue_sum, h->queue_samples);
	in->load.accept_queue_max = h->queue_samples ? h->queue_max : -1;
	in->load.connections_avg = avg(h->conn_sum, h->conn_samples);
	in->load.listen_overflows = -1;
	if (h->overflows_ok && h->overflows1 >= h->overflows0)
		in->load.listen_overflows = (double)(h->overflows1 - h->overflows0);
	in->load.accepts_per_s = -1;
	/* Threads share one RSS; processes each have theirs: per target process. */
	if (h->rss_sum > 0 && h->n_procs)
		in->worker_rss_bytes = h->rss_sum / h->n_procs;
}
