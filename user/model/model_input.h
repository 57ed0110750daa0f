/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The async model's input beyond the profile: what the host showed around and during the window. */
#ifndef WS_MODEL_INPUT_H
#define WS_MODEL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include "model/model.h"
#include "model/profile.h"

/*
 * Raw host observations: sample sums and counts, counter readings at both ends of the window.
 * host/load_sampler.c gathers them; model_input_build turns them into averages and deltas.
 */
struct ws_host_obs {
	int cpus;                /* CPUs the first target may run on */
	long online_cpus;
	double cpu_quota;        /* cgroup CPU quota of the first target, in CPUs (<0 = none) */
	bool cpu_ok;             /* the end reading of /proc/stat worked (a failed start one is 0) */
	unsigned long long cpu_busy0, cpu_total0, cpu_busy1, cpu_total1;
	bool overflows_ok;       /* both ListenOverflows readings worked */
	unsigned long long overflows0, overflows1;
	double runnable_sum;     /* machine-wide runnable tasks, summed over the samples */
	unsigned long runnable_samples;
	double queue_sum, queue_max; /* the targets' accept queues */
	unsigned long queue_samples;
	double conn_sum;         /* client connections: held by the targets, or in accept queues */
	unsigned long conn_samples;
	__u64 rss_sum;           /* VmRSS summed over the targets */
	size_t n_procs;          /* the targets that sum is over */
	struct ws_proc_parent *parents; /* the profiled processes still alive, with their parents */
	size_t n_parents;
};

/*
 * Pure: the model input from the finished profile, the host observations and the profiler's own
 * CPUs over the window (NaN when unknown). in->parents points into h.
 */
void model_input_build(struct ws_model_input *in, const struct ws_profile *p,
		       const struct ws_host_obs *h, double self_cpus);

#endif /* WS_MODEL_INPUT_H */
