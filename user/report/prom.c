// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "model/hist.h"
#include "model/model.h"
#include "report/names.h"
#include "report/prom.h"

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

static void totals(FILE *f, const struct ws_profile *p)
{
	static const char *const states[] = { "on_cpu", "runq", "blocked" };
	const struct ws_times *t = &p->totals;
	__u64 ns[] = { t->on_cpu_ns, t->runq_ns, t->blocked_ns };
	size_t i;
	int c;

	family(f, "waitscope_time_seconds", "gauge",
	       "Time the target threads spent in each state during the window, summed.");
	for (i = 0; i < 3; i++) {
		fprintf(f, "waitscope_time_seconds{state=\"%s\"} ", states[i]);
		seconds(f, ns[i]);
		fputc('\n', f);
	}
	family(f, "waitscope_state_share", "gauge",
	       "Share of the threads' observed time spent in each state (0 to 1).");
	for (i = 0; i < 3; i++) {
		fprintf(f, "waitscope_state_share{state=\"%s\"} ", states[i]);
		number(f, ws_ratio(ns[i], t->observed_ns));
		fputc('\n', f);
	}
	family(f, "waitscope_observed_seconds", "gauge",
	       "Time the target threads existed inside the window, summed.");
	fputs("waitscope_observed_seconds ", f);
	seconds(f, t->observed_ns);
	fputc('\n', f);
	family(f, "waitscope_blocked_seconds", "gauge",
	       "Blocked (off-CPU, not runnable) time of the target threads by wait cause.");
	for (c = 0; c < WS_CAUSE_KINDS; c++) {
		fprintf(f, "waitscope_blocked_seconds{cause=\"%s\"} ", ws_cause_name(c));
		seconds(f, t->blocked_by_cause[c]);
		fputc('\n', f);
	}
	family(f, "waitscope_cause_share", "gauge",
	       "Share of the blocked time by wait cause (0 to 1, the causes sum to 1).");
	for (c = 0; c < WS_CAUSE_KINDS; c++) {
		fprintf(f, "waitscope_cause_share{cause=\"%s\"} ", ws_cause_name(c));
		number(f, ws_ratio(t->blocked_by_cause[c], t->blocked_ns));
		fputc('\n', f);
	}
	family(f, "waitscope_switches", "gauge", "Context switches of the target threads.");
	fprintf(f, "waitscope_switches{kind=\"voluntary\"} %llu\n",
		(unsigned long long)t->vol_switches);
	fprintf(f, "waitscope_switches{kind=\"involuntary\"} %llu\n",
		(unsigned long long)t->invol_switches);
	family(f, "waitscope_wakeups", "gauge", "Wakeups of blocked target threads.");
	fprintf(f, "waitscope_wakeups %llu\n", (unsigned long long)t->wakeups);
	family(f, "waitscope_threads", "gauge", "Threads seen during the window.");
	fprintf(f, "waitscope_threads %llu\n", (unsigned long long)p->n_threads_total);
	family(f, "waitscope_coverage", "gauge",
	       "Accounted over observed thread time; 1 means complete.");
	fputs("waitscope_coverage ", f);
	number(f, p->coverage);
	fputc('\n', f);
}

static void labels_target(FILE *f, const struct ws_target_info *t)
{
	fprintf(f, "{tgid=\"%d\",comm=", (int)t->tgid);
	prom_label_value(f, t->comm, sizeof(t->comm));
}

/* Times of the listed threads of process tgid (threads whose exit record was dropped are not). */
static void process_sum(const struct ws_profile *p, pid_t tgid, struct ws_times *sum)
{
	size_t j;

	memset(sum, 0, sizeof(*sum));
	for (j = 0; j < p->n_threads; j++)
		if ((pid_t)p->threads[j].tgid == tgid)
			ws_times_add(sum, &p->threads[j].t);
}

static void per_process(FILE *f, const struct ws_profile *p)
{
	static const char *const states[] = { "on_cpu", "runq", "blocked" };
	struct ws_times sum;
	size_t i, s;
	int c;

	family(f, "waitscope_target_info", "gauge", "A profiled process (value always 1).");
	for (i = 0; i < p->n_targets; i++) {
		fputs("waitscope_target_info", f);
		labels_target(f, &p->targets[i]);
		fprintf(f, ",exited=\"%s\"} 1\n", p->targets[i].exited ? "true" : "false");
	}
	family(f, "waitscope_process_time_seconds", "gauge",
	       "Time the listed threads of one process spent in each state.");
	for (i = 0; i < p->n_targets; i++) {
		process_sum(p, p->targets[i].tgid, &sum);
		for (s = 0; s < 3; s++) {
			fputs("waitscope_process_time_seconds", f);
			labels_target(f, &p->targets[i]);
			fprintf(f, ",state=\"%s\"} ", states[s]);
			seconds(f, s == 0 ? sum.on_cpu_ns : s == 1 ? sum.runq_ns : sum.blocked_ns);
			fputc('\n', f);
		}
	}
	family(f, "waitscope_process_blocked_seconds", "gauge",
	       "Blocked time of the listed threads of one process by wait cause.");
	for (i = 0; i < p->n_targets; i++) {
		process_sum(p, p->targets[i].tgid, &sum);
		for (c = 0; c < WS_CAUSE_KINDS; c++) {
			fputs("waitscope_process_blocked_seconds", f);
			labels_target(f, &p->targets[i]);
			fprintf(f, ",cause=\"%s\"} ", ws_cause_name(c));
			seconds(f, sum.blocked_by_cause[c]);
			fputc('\n', f);
		}
	}
}

/*
 * A log2 ns histogram as a Prometheus histogram in seconds: slot i counts [2^i, 2^(i+1)) ns, so
 * bucket le=2^(i+1) ns holds slots 0..i; the last slot is open-ended (+Inf).
 */
static void histogram(FILE *f, const char *name, const char *help, const __u64 *slots,
		      __u64 sum_ns)
{
	__u64 cum = 0;
	int i;

	family(f, name, "histogram", help);
	for (i = 0; i < WS_HIST_SLOTS - 1; i++) {
		cum += slots[i];
		fprintf(f, "%s_bucket{le=\"", name);
		seconds(f, hist_slot_high(i));
		fprintf(f, "\"} %llu\n", (unsigned long long)cum);
	}
	cum += slots[WS_HIST_SLOTS - 1];
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
	fprintf(f, "%s_sum ", name);
	seconds(f, sum_ns);
	fprintf(f, "\n%s_count %llu\n", name, (unsigned long long)cum);
}

static void drops(FILE *f, const struct ws_profile *p)
{
	int i;

	family(f, "waitscope_drops", "gauge",
	       "Things the kernel side could not record, by kind (docs/json.md, drops).");
	for (i = 0; i < WS_DROP_KINDS; i++)
		fprintf(f, "waitscope_drops{kind=\"%s\"} %llu\n", drop_key(i),
			(unsigned long long)p->counters.drops[i]);
	family(f, "waitscope_anomalies", "gauge",
	       "Scheduler transitions that did not fit the thread state machine.");
	fprintf(f, "waitscope_anomalies %llu\n", (unsigned long long)p->counters.anomalies);
}

static void verdict(FILE *f, const struct ws_prediction *pr)
{
	if (!pr || !pr->class_name)
		return;
	family(f, "waitscope_verdict_info", "gauge",
	       "The verdict: workload class and whether an async event loop would raise "
	       "throughput (value always 1).");
	fputs("waitscope_verdict_info{class=", f);
	prom_label_value(f, pr->class_name, 64);
	fputs(",async_helps=", f);
	prom_label_value(f, pr->async_helps ? pr->async_helps : "", 16);
	fputs("} 1\n", f);
	family(f, "waitscope_throughput_ratio", "gauge",
	       "Predicted async over sync throughput (docs/model.md); bound: estimate, low, high.");
	fputs("waitscope_throughput_ratio{bound=\"estimate\"} ", f);
	number(f, pr->throughput_ratio);
	fputs("\nwaitscope_throughput_ratio{bound=\"low\"} ", f);
	number(f, pr->ratio_low);
	fputs("\nwaitscope_throughput_ratio{bound=\"high\"} ", f);
	number(f, pr->ratio_high);
	fputc('\n', f);
}

void prom_write(FILE *f, const struct ws_profile *p, const struct ws_prediction *pred,
		__u64 end_unix_ns)
{
	family(f, "waitscope_window_seconds", "gauge", "Length of the profiling window.");
	fputs("waitscope_window_seconds ", f);
	seconds(f, p->window_end_ns > p->window_start_ns && p->window_end_ns != (__u64)-1
			   ? p->window_end_ns - p->window_start_ns
			   : 0);
	fputc('\n', f);
	if (end_unix_ns) {
		family(f, "waitscope_window_end_timestamp_seconds", "gauge",
		       "Wall-clock end of the window (Unix time): how fresh this file is.");
		fputs("waitscope_window_end_timestamp_seconds ", f);
		seconds(f, end_unix_ns);
		fputc('\n', f);
	}
	totals(f, p);
	per_process(f, p);
	histogram(f, "waitscope_runq_wait_seconds",
		  "Run-queue waits (runnable, waiting for a CPU) of the target threads.",
		  p->hists.slots[WS_HIST_RUNQ], p->hists.sum_ns[WS_HIST_RUNQ]);
	histogram(f, "waitscope_blocked_interval_seconds",
		  "Blocked intervals (off-CPU until a wakeup) of the target threads.",
		  p->hists.slots[WS_HIST_BLOCKED], p->hists.sum_ns[WS_HIST_BLOCKED]);
	drops(f, p);
	verdict(f, pred);
}
