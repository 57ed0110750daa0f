/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <math.h>
#include <string.h>
#include "util/fmt.h"
#include "util/json.h"
#include "collect/overhead.h"

#define SHARE_DECIMALS 4 /* as the rest of the JSON report */
#define NS_DECIMALS 1

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

void overhead_report_text(FILE *f, const struct ws_overhead *o)
{
	char pct[16];
	size_t i;

	fprintf(f, "overhead: ");
	if (o->bpf_stats) {
		fprintf(f, "%llu events", (unsigned long long)o->events);
		if (o->events)
			fprintf(f, ", %.0f ns/event", overhead_ns_per_event(o->run_ns, o->events));
		for (i = 0; i < o->n_progs; i++)
			if (o->progs[i].events)
				fprintf(f, ", %s %.0f ns/event", o->progs[i].name,
					overhead_ns_per_event(o->progs[i].run_ns,
							      o->progs[i].events));
	} else {
		fprintf(f, "BPF run-time stats unavailable");
	}
	fprintf(f, "; waitscope CPU %s of one core", fmt_pct(pct, sizeof(pct),
							    overhead_cpu_share(o)));
	if (o->rss_bytes)
		fprintf(f, ", RSS %.1f MiB", (double)o->rss_bytes / (1024.0 * 1024.0));
	fputc('\n', f);
}

static void kv_ns_per_event(struct json_writer *w, const char *key, __u64 run_ns, __u64 events,
			    bool known)
{
	if (known)
		json_kv_double(w, key, overhead_ns_per_event(run_ns, events), NS_DECIMALS);
	else
		json_kv_null(w, key);
}

void overhead_report_json(struct json_writer *w, const struct ws_overhead *o)
{
	size_t i;

	json_key(w, "overhead");
	if (!o) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	if (o->bpf_stats)
		json_kv_u64(w, "events", o->events);
	else
		json_kv_null(w, "events");
	kv_ns_per_event(w, "bpf_ns_per_event", o->run_ns, o->events, o->bpf_stats);
	json_key(w, "programs");
	json_arr_begin(w);
	for (i = 0; i < o->n_progs; i++) {
		const struct ws_prog_cost *c = &o->progs[i];

		json_obj_begin(w);
		json_kv_str(w, "name", c->name);
		json_kv_u64(w, "events", c->events);
		json_kv_u64(w, "run_ns", c->run_ns);
		kv_ns_per_event(w, "ns_per_event", c->run_ns, c->events, true);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_kv_u64(w, "cpu_ns", o->cpu_ns);
	json_kv_double(w, "cpu_share", overhead_cpu_share(o), SHARE_DECIMALS);
	if (o->rss_bytes)
		json_kv_u64(w, "rss_bytes", o->rss_bytes);
	else
		json_kv_null(w, "rss_bytes");
	json_obj_end(w);
}
