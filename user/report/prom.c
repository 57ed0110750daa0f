// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "model/hist.h"
#include "model/model.h"
#include "report/names.h"
#include "report/prom.h"
#include "model/series.h"

#define NS_PER_S 1000000000ull

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Nanoseconds as seconds, exactly: nine decimals. */
static void seconds(FILE *f, __u64 ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / NS_PER_S),
		(unsigned long long)(ns % NS_PER_S));
}

static void number(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.10g", v);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void prom_label_value(FILE *f, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, max), i = 0, k;

	fputc('"', f);
	while (i < n) {
		if (s[i] == '\\' || s[i] == '"') {
			fputc('\\', f);
			fputc(s[i++], f);
		} else if (s[i] == '\n') {
			fputs("\\n", f);
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			fputc('?', f);
			i++;
		} else if ((k = utf8_len(s + i, n - i)) > 0) {
			fwrite(s + i, 1, k, f);
			i += k;
		} else {
			fputc('?', f);
			i++;
		}
	}
	fputc('"', f);
}

static const char *const states[] = { "on_cpu", "runq", "blocked" };

static __u64 state_ns(const struct ws_times *t, size_t i)
{
	return i == 0 ? t->on_cpu_ns : i == 1 ? t->runq_ns : t->blocked_ns;
}

/* name{comm="...",KEY="VALUE"... : every series carries the target's identity. */
static void open_sample(FILE *f, const struct prom_meta *m, const char *name, const char *comm)
{
	size_t i;

	fprintf(f, "%s{comm=", name);
	prom_label_value(f, comm ? comm : m->comm ? m->comm : "", WS_COMM_LEN);
	for (i = 0; i < m->n_labels; i++) {
		const char *eq = strchr(m->labels[i], '=');

		if (!eq)
			continue; /* the CLI refuses these */
		fprintf(f, ",%.*s=", (int)(eq - m->labels[i]), m->labels[i]);
		prom_label_value(f, eq + 1, 1024);
	}
}

static void label(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",%s=", key);
	prom_label_value(f, value, 256);
}

static void end_seconds(FILE *f, __u64 ns)
{
	fputs("} ", f);
	seconds(f, ns);
	fputc('\n', f);
}

static void end_count(FILE *f, __u64 v)
{
	fprintf(f, "} %llu\n", (unsigned long long)v);
}

static void end_number(FILE *f, double v)
{
	fputs("} ", f);
	number(f, v);
	fputc('\n', f);
}

static void gauge_count(FILE *f, const struct prom_meta *m, const char *name, const char *type,
			const char *help, __u64 v)
{
	family(f, name, type, help);
	open_sample(f, m, name, NULL);
	end_count(f, v);
}

static void counters(FILE *f, const struct ws_series *s, const struct prom_meta *m)
{
	const struct ws_times *t = &s->acc;
	size_t i;
	int c;

	family(f, "waitscope_time_seconds_total", "counter",
	       "Time the target threads spent in each state, summed over threads.");
	for (i = 0; i < 3; i++) {
		open_sample(f, m, "waitscope_time_seconds_total", NULL);
		label(f, "state", states[i]);
		end_seconds(f, state_ns(t, i));
	}
	if (m->one_shot) { /* the agent's targets come and go: no one window to observe */
		family(f, "waitscope_observed_seconds_total", "counter",
		       "Time the target threads existed inside the window, summed over threads.");
		open_sample(f, m, "waitscope_observed_seconds_total", NULL);
		end_seconds(f, t->observed_ns);
	}
	family(f, "waitscope_blocked_seconds_total", "counter",
	       "Blocked (off-CPU, not runnable) time of the target threads by wait cause.");
	for (c = 0; c < WS_CAUSE_KINDS; c++) {
		open_sample(f, m, "waitscope_blocked_seconds_total", NULL);
		label(f, "cause", ws_cause_name(c));
		end_seconds(f, t->blocked_by_cause[c]);
	}
	family(f, "waitscope_switches_total", "counter", "Context switches of the target threads.");
	open_sample(f, m, "waitscope_switches_total", NULL);
	label(f, "kind", "voluntary");
	end_count(f, t->vol_switches);
	open_sample(f, m, "waitscope_switches_total", NULL);
	label(f, "kind", "involuntary");
	end_count(f, t->invol_switches);
	gauge_count(f, m, "waitscope_wakeups_total", "counter",
		    "Wakeups of blocked target threads.", t->wakeups);
	gauge_count(f, m, "waitscope_threads", "gauge", "Live target threads.", s->threads);
	gauge_count(f, m, "waitscope_processes", "gauge", "Live target processes.", s->processes);
}

/*
 * A log2 ns histogram as a Prometheus histogram in seconds: slot i counts [2^i, 2^(i+1)) ns, so
 * bucket le=2^(i+1) ns holds slots 0..i; the last slot is open-ended (+Inf).
 */
static void histogram(FILE *f, const struct prom_meta *m, const char *name, const char *help,
		      const __u64 *slots, __u64 sum_ns)
{
	char sample[128], le[32];
	__u64 cum = 0;
	int i;

	family(f, name, "histogram", help);
	snprintf(sample, sizeof(sample), "%s_bucket", name);
	for (i = 0; i < WS_HIST_SLOTS; i++) {
		__u64 high = hist_slot_high(i);

		cum += slots[i];
		if (i == WS_HIST_SLOTS - 1)
			snprintf(le, sizeof(le), "+Inf");
		else
			snprintf(le, sizeof(le), "%llu.%09llu",
				 (unsigned long long)(high / NS_PER_S),
				 (unsigned long long)(high % NS_PER_S));
		open_sample(f, m, sample, NULL);
		label(f, "le", le);
		end_count(f, cum);
	}
	snprintf(sample, sizeof(sample), "%s_sum", name);
	open_sample(f, m, sample, NULL);
	end_seconds(f, sum_ns);
	snprintf(sample, sizeof(sample), "%s_count", name);
	open_sample(f, m, sample, NULL);
	end_count(f, cum);
}

static void kernel(FILE *f, const struct ws_series *s, const struct prom_meta *m)
{
	int i;

	histogram(f, m, "waitscope_runq_wait_seconds",
		  "Run-queue waits (runnable, waiting for a CPU) of the target threads.",
		  s->hists.slots[WS_HIST_RUNQ], s->hists.sum_ns[WS_HIST_RUNQ]);
	histogram(f, m, "waitscope_blocked_interval_seconds",
		  "Blocked intervals (off-CPU until a wakeup) of the target threads.",
		  s->hists.slots[WS_HIST_BLOCKED], s->hists.sum_ns[WS_HIST_BLOCKED]);
	family(f, "waitscope_drops_total", "counter",
	       "Things the kernel side could not record, by kind (docs/json.md, drops).");
	for (i = 0; i < WS_DROP_KINDS; i++) {
		open_sample(f, m, "waitscope_drops_total", NULL);
		label(f, "kind", drop_key(i));
		end_count(f, s->counters.drops[i]);
	}
	gauge_count(f, m, "waitscope_anomalies_total", "counter",
		    "Scheduler transitions that did not fit the thread state machine.",
		    s->counters.anomalies);
	gauge_count(f, m, "waitscope_events_total", "counter",
		    "Scheduler events of the target threads handled by the kernel side.",
		    s->counters.events);
}

static void verdict(FILE *f, const struct prom_meta *m)
{
	static const char *const bounds[] = { "estimate", "low", "high" };
	const struct ws_prediction *pr = m->pred;
	double r[3];
	size_t i;

	if (!pr || !pr->class_name)
		return;
	family(f, "waitscope_async_verdict", "gauge",
	       "Would an async event loop raise throughput (verdict), and the workload class; "
	       "value always 1.");
	open_sample(f, m, "waitscope_async_verdict", NULL);
	label(f, "verdict", pr->async_helps ? pr->async_helps : "");
	label(f, "class", pr->class_name);
	end_count(f, 1);
	if (pr->not_server)
		return; /* no ratio: the model does not apply */
	family(f, "waitscope_async_throughput_ratio", "gauge",
	       "Predicted async over sync throughput (docs/model.md); bound: estimate, low, high.");
	r[0] = pr->throughput_ratio;
	r[1] = pr->ratio_low;
	r[2] = pr->ratio_high;
	for (i = 0; i < 3; i++) {
		open_sample(f, m, "waitscope_async_throughput_ratio", NULL);
		label(f, "bound", bounds[i]);
		end_number(f, r[i]);
	}
}

static void per_process(FILE *f, const struct ws_series *s, const struct prom_meta *m)
{
	char tgid[16];
	size_t i, k;
	int c;

	family(f, "waitscope_process_time_seconds_total", "counter",
	       "Time the threads of one target process spent in each state.");
	for (i = 0; i < s->n_procs; i++) {
		const struct ws_series_proc *p = &s->procs[i];

		if (!p->live && !m->one_shot)
			continue; /* the agent writes live processes only */
		snprintf(tgid, sizeof(tgid), "%d", (int)p->tgid);
		for (k = 0; k < 3; k++) {
			open_sample(f, m, "waitscope_process_time_seconds_total", p->comm);
			label(f, "tgid", tgid);
			label(f, "state", states[k]);
			end_seconds(f, state_ns(&p->acc, k));
		}
	}
	family(f, "waitscope_process_blocked_seconds_total", "counter",
	       "Blocked time of the threads of one target process by wait cause.");
	for (i = 0; i < s->n_procs; i++) {
		const struct ws_series_proc *p = &s->procs[i];

		if (!p->live && !m->one_shot)
			continue;
		snprintf(tgid, sizeof(tgid), "%d", (int)p->tgid);
		for (c = 0; c < WS_CAUSE_KINDS; c++) {
			open_sample(f, m, "waitscope_process_blocked_seconds_total", p->comm);
			label(f, "tgid", tgid);
			label(f, "cause", ws_cause_name(c));
			end_seconds(f, p->acc.blocked_by_cause[c]);
		}
	}
	family(f, "waitscope_process_threads", "gauge", "Live threads of one target process.");
	for (i = 0; i < s->n_procs; i++) {
		const struct ws_series_proc *p = &s->procs[i];

		if (!p->live && !m->one_shot)
			continue;
		snprintf(tgid, sizeof(tgid), "%d", (int)p->tgid);
		open_sample(f, m, "waitscope_process_threads", p->comm);
		label(f, "tgid", tgid);
		end_count(f, p->threads);
	}
}

static void agent(FILE *f, const struct prom_meta *m)
{
	family(f, "waitscope_verdict_window_seconds", "gauge",
	       "Length of the window the async verdict is computed over (--verdict-window).");
	open_sample(f, m, "waitscope_verdict_window_seconds", NULL);
	end_number(f, m->verdict_window_s);
	if (m->self_cpu_ns) {
		family(f, "waitscope_agent_cpu_seconds_total", "counter",
		       "CPU time of waitscope itself (user and system).");
		open_sample(f, m, "waitscope_agent_cpu_seconds_total", NULL);
		end_seconds(f, m->self_cpu_ns);
	}
	if (m->rss_bytes)
		gauge_count(f, m, "waitscope_agent_resident_bytes", "gauge",
			    "Resident memory of waitscope itself.", m->rss_bytes);
	gauge_count(f, m, "waitscope_updates_total", "counter",
		    "Intervals the agent has accumulated.", m->updates);
}

void prom_write_series(FILE *f, const struct ws_series *s, const struct prom_meta *m)
{
	family(f, "waitscope_build_info", "gauge", "The waitscope version; value always 1.");
	open_sample(f, m, "waitscope_build_info", NULL);
	label(f, "version", m->version ? m->version : "");
	end_count(f, 1);
	counters(f, s, m);
	kernel(f, s, m);
	verdict(f, m);
	if (m->per_process)
		per_process(f, s, m);
	if (!m->one_shot)
		agent(f, m);
}

/* The one-shot window's own gauges: its length, end, shares and coverage. */
static void window(FILE *f, const struct ws_profile *p, const struct prom_meta *m)
{
	const struct ws_times *t = &p->totals;
	size_t i;
	int c;

	family(f, "waitscope_window_seconds", "gauge", "Length of the profiling window.");
	open_sample(f, m, "waitscope_window_seconds", NULL);
	fputs("} ", f);
	seconds(f, p->window_end_ns > p->window_start_ns && p->window_end_ns != (__u64)-1
			   ? p->window_end_ns - p->window_start_ns
			   : 0);
	fputs("\n", f);
	if (m->end_unix_ns) {
		family(f, "waitscope_window_end_timestamp_seconds", "gauge",
		       "Wall-clock end of the window (Unix time): how fresh this file is.");
		open_sample(f, m, "waitscope_window_end_timestamp_seconds", NULL);
		end_seconds(f, m->end_unix_ns);
	}
	family(f, "waitscope_state_ratio", "gauge",
	       "Share of the threads' observed time spent in each state (0 to 1).");
	for (i = 0; i < 3; i++) {
		open_sample(f, m, "waitscope_state_ratio", NULL);
		label(f, "state", states[i]);
		end_number(f, ws_ratio(state_ns(t, i), t->observed_ns));
	}
	family(f, "waitscope_cause_ratio", "gauge",
	       "Share of the blocked time by wait cause (0 to 1, the causes sum to 1).");
	for (c = 0; c < WS_CAUSE_KINDS; c++) {
		open_sample(f, m, "waitscope_cause_ratio", NULL);
		label(f, "cause", ws_cause_name(c));
		end_number(f, ws_ratio(t->blocked_by_cause[c], t->blocked_ns));
	}
	gauge_count(f, m, "waitscope_threads_seen", "gauge", "Threads seen during the window.",
		    p->n_threads_total);
	family(f, "waitscope_coverage_ratio", "gauge",
	       "Accounted over observed thread time; 1 means complete.");
	open_sample(f, m, "waitscope_coverage_ratio", NULL);
	end_number(f, p->coverage);
	family(f, "waitscope_target_info", "gauge", "A profiled process (value always 1).");
	for (i = 0; i < p->n_targets; i++) {
		char tgid[16];

		snprintf(tgid, sizeof(tgid), "%d", (int)p->targets[i].tgid);
		open_sample(f, m, "waitscope_target_info", p->targets[i].comm);
		label(f, "tgid", tgid);
		label(f, "exited", p->targets[i].exited ? "true" : "false");
		end_count(f, 1);
	}
}

int prom_write(FILE *f, const struct ws_profile *p, const struct prom_meta *meta)
{
	struct prom_meta m = *meta;
	struct ws_series s;

	if (series_from_profile(&s, p))
		return -ENOMEM;
	m.one_shot = true;
	m.per_process = true; /* one window, fixed targets: no churn to explode the series */
	if (!m.comm)
		m.comm = p->n_targets ? p->targets[0].comm : "";
	prom_write_series(f, &s, &m);
	window(f, p, &m);
	series_free(&s);
	return 0;
}
