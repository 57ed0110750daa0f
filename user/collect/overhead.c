/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "collect/overhead.h"

const char *overhead_prog_name(const char *prog, char *buf, size_t size)
{
	if (strncmp(prog, "tp_", 3) == 0)
		prog += 3;
	else if (strncmp(prog, "raw_", 4) == 0)
		prog += 4;
	if (strncmp(prog, "sc_", 3) == 0)
		snprintf(buf, size, "sys_%s", prog + 3);
	else
		snprintf(buf, size, "%s", prog);
	return buf;
}

static const struct ws_prog_stat *find_prog(const struct ws_overhead_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_progs; i++)
		if (strncmp(s->progs[i].name, name, WS_OVERHEAD_NAME_LEN) == 0)
			return &s->progs[i];
	return NULL;
}

/* Counters only grow; a smaller "after" (a reused name) counts as nothing. */
static __u64 delta(__u64 after, __u64 before)
{
	return after > before ? after - before : 0;
}

void overhead_compute(struct ws_overhead *o, const struct ws_overhead_snapshot *before,
		      const struct ws_overhead_snapshot *after, bool bpf_stats, __u64 rss_bytes)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	o->bpf_stats = bpf_stats;
	o->cpu_ns = delta(after->cpu_ns, before->cpu_ns);
	o->wall_ns = delta(after->wall_ns, before->wall_ns);
	o->rss_bytes = rss_bytes;
	if (!bpf_stats)
		return;
	for (i = 0; i < after->n_progs && i < WS_OVERHEAD_MAX_PROGS; i++) {
		const struct ws_prog_stat *a = &after->progs[i];
		const struct ws_prog_stat *b = find_prog(before, a->name);
		struct ws_prog_cost *c = &o->progs[o->n_progs++];

		overhead_prog_name(a->name, c->name, sizeof(c->name));
		c->events = delta(a->run_cnt, b ? b->run_cnt : 0);
		c->run_ns = delta(a->run_time_ns, b ? b->run_time_ns : 0);
		o->events += c->events;
		o->run_ns += c->run_ns;
	}
}

double overhead_ns_per_event(__u64 run_ns, __u64 events)
{
	return events ? (double)run_ns / (double)events : NAN;
}

double overhead_cpu_share(const struct ws_overhead *o)
{
	return o->wall_ns ? (double)o->cpu_ns / (double)o->wall_ns : NAN;
}
