/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The -j report: one JSON object and a newline. docs/json.md is its contract: keep them in step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/hist.h"
#include "model/interval.h"
#include "model/model.h"
#include "collect/overhead.h"
#include "report/frame_coverage.h"
#include "report/names.h"
#include "report/report.h"
#include "report/verdict.h"
#include "util/json.h"

#define SCHEMA "waitscope/1"
#define SHARE_DECIMALS 4  /* shares and ratios: fractions 0..1 */
#define SECONDS_DECIMALS 3 /* seconds, and rates per second */
#define NS_DECIMALS 1      /* overhead: ns per event */

/* The counters and times every thread, the totals and the unlisted threads have. */
static void times_fields(struct json_writer *w, const struct ws_times *t)
{
	json_kv_u64(w, "on_cpu_ns", t->on_cpu_ns);
	json_kv_u64(w, "runq_ns", t->runq_ns);
	json_kv_u64(w, "blocked_ns", t->blocked_ns);
	json_kv_u64(w, "vol_switches", t->vol_switches);
	json_kv_u64(w, "invol_switches", t->invol_switches);
	json_kv_u64(w, "wakeups", t->wakeups);
	json_kv_u64(w, "handoffs", t->handoffs);
	json_kv_u64(w, "set_waits", t->set_waits);
	json_kv_u64(w, "set_wait_ns", t->set_wait_ns);
	json_kv_u64(w, "set_client_ns", t->set_client_ns);
	json_kv_u64(w, "observed_ns", t->observed_ns);
	json_key(w, "blocked_by_cause");
	json_obj_begin(w);
	for (int c = 0; c < WS_CAUSE_KINDS; c++)
		json_kv_u64(w, ws_cause_name(c), t->blocked_by_cause[c]);
	json_obj_end(w);
}

static void targets(struct json_writer *w, const struct ws_profile *p)
{
	size_t i;

	json_key(w, "targets");
	json_arr_begin(w);
	for (i = 0; i < p->n_targets; i++) {
		const struct ws_target_info *t = &p->targets[i];

		json_obj_begin(w);
		json_kv_i64(w, "pid", t->tgid);
		json_key(w, "comm");
		json_strn(w, t->comm, sizeof(t->comm));
		json_kv_bool(w, "exited", t->exited);
		json_key(w, "exit_s");
		if (t->exited && t->exit_ns >= p->window_start_ns)
			json_double(w, (double)(t->exit_ns - p->window_start_ns) / 1e9,
				    SECONDS_DECIMALS);
		else
			json_null(w);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void totals(struct json_writer *w, const struct ws_profile *p)
{
	const struct ws_times *t = &p->totals;
	double secs = profile_window_s(p);

	json_key(w, "totals");
	json_obj_begin(w);
	times_fields(w, t);
	json_kv_double(w, "on_cpu_share", ws_ratio(t->on_cpu_ns, t->observed_ns), SHARE_DECIMALS);
	json_kv_double(w, "runq_share", ws_ratio(t->runq_ns, t->observed_ns), SHARE_DECIMALS);
	json_kv_double(w, "blocked_share", ws_ratio(t->blocked_ns, t->observed_ns),
		       SHARE_DECIMALS);
	json_kv_double(w, "vol_switches_per_s", secs > 0 ? t->vol_switches / secs : NAN,
		       SECONDS_DECIMALS);
	json_kv_double(w, "invol_switches_per_s", secs > 0 ? t->invol_switches / secs : NAN,
		       SECONDS_DECIMALS);
	json_obj_end(w);
}

static void kv_percentile(struct json_writer *w, const char *key, const __u64 *slots, double q)
{
	json_key(w, key);
	if (hist_count(slots, WS_HIST_SLOTS))
		json_u64(w, (uint64_t)llround(hist_percentile(slots, WS_HIST_SLOTS, q)));
	else
		json_null(w);
}

static void histogram(struct json_writer *w, const char *name, const __u64 *slots)
{
	int i;

	json_key(w, name);
	json_obj_begin(w);
	json_kv_u64(w, "count", hist_count(slots, WS_HIST_SLOTS));
	kv_percentile(w, "p50_ns", slots, 0.50);
	kv_percentile(w, "p90_ns", slots, 0.90);
	kv_percentile(w, "p99_ns", slots, 0.99);
	json_key(w, "slots");
	json_arr_begin(w);
	for (i = 0; i < WS_HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		json_obj_begin(w);
		json_kv_u64(w, "low_ns", hist_slot_low(i));
		json_kv_u64(w, "high_ns", hist_slot_high(i));
		json_kv_u64(w, "count", slots[i]);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

/* A syscall's two percentiles (0 for an empty histogram, as before: the count says so). */
static void p50_p99(struct json_writer *w, const char *k50, const char *k99, const __u64 *slots)
{
	json_kv_u64(w, k50, (__u64)hist_percentile(slots, WS_HIST_SLOTS, 0.5));
	json_kv_u64(w, k99, (__u64)hist_percentile(slots, WS_HIST_SLOTS, 0.99));
}

static void thread(struct json_writer *w, const struct ws_thread *t)
{
	json_obj_begin(w);
	json_kv_u64(w, "tid", t->tid);
	json_kv_u64(w, "tgid", t->tgid);
	json_key(w, "comm");
	json_strn(w, t->comm, sizeof(t->comm));
	times_fields(w, &t->t);
	json_kv_double(w, "coverage", ws_times_coverage(&t->t), SHARE_DECIMALS);
	json_kv_bool(w, "exited", t->exited);
	json_kv_bool(w, "born", t->born);
	json_kv_bool(w, "event_loop", t->event_loop);
	json_kv_u64(w, "set_clients_max", t->set_clients_max);
	json_obj_end(w);
}

static void threads(struct json_writer *w, const struct ws_profile *p)
{
	const struct ws_thread **sorted = profile_sorted_threads(p);
	size_t i;

	json_key(w, "threads");
	json_arr_begin(w);
	for (i = 0; i < p->n_threads; i++)
		thread(w, sorted ? sorted[i] : &p->threads[i]); /* out of memory: unsorted */
	json_arr_end(w);
	free(sorted);
}

static void unlisted(struct json_writer *w, const struct ws_profile *p)
{
	json_key(w, "unlisted_threads");
	json_obj_begin(w);
	json_kv_u64(w, "threads", p->unlisted_threads);
	times_fields(w, &p->unlisted);
	json_obj_end(w);
}

static void causes(struct json_writer *w, const struct ws_profile *p)
{
	const struct ws_times *t = &p->totals;
	size_t i;
	int c;

	json_key(w, "blocked_by_cause");
	json_obj_begin(w);
	for (c = 0; c < WS_CAUSE_KINDS; c++)
		json_kv_u64(w, ws_cause_name(c), t->blocked_by_cause[c]);
	json_kv_u64(w, "idle_lock_ns", p->idle_lock_ns);
	json_obj_end(w);

	json_key(w, "syscalls");
	json_arr_begin(w);
	for (i = 0; i < p->n_syscalls; i++) {
		const struct ws_syscall *sc = &p->syscalls[i];
		const char *name = ws_syscall_name(sc->nr);
		char buf[32];

		if (!name) {
			snprintf(buf, sizeof(buf), "syscall_%u", sc->nr);
			name = buf;
		}
		json_obj_begin(w);
		json_kv_str(w, "name", name);
		json_kv_u64(w, "nr", sc->nr);
		json_kv_u64(w, "blocked_ns", sc->s.blocked_ns);
		json_kv_u64(w, "waits", sc->s.waits);
		p50_p99(w, "wait_p50_ns", "wait_p99_ns", sc->s.wait_slots);
		histogram(w, "wait", sc->s.wait_slots);
		/* Whole calls are only seen with --syscalls: null, not 0, without it. */
		if (p->syscalls_traced) {
			json_kv_u64(w, "count", sc->s.count);
			json_kv_u64(w, "total_ns", sc->s.total_ns);
			p50_p99(w, "p50_ns", "p99_ns", sc->s.lat_slots);
			histogram(w, "latency", sc->s.lat_slots);
		} else {
			json_kv_null(w, "count");
			json_kv_null(w, "total_ns");
			json_kv_null(w, "p50_ns");
			json_kv_null(w, "p99_ns");
			json_kv_null(w, "latency");
		}
		json_obj_end(w);
	}
	json_arr_end(w);

	json_key(w, "peers");
	json_arr_begin(w);
	for (i = 0; i < p->n_peers; i++) {
		const struct ws_peer *pe = &p->peers[i];

		json_obj_begin(w);
		json_kv_u64(w, "port", pe->key.cause == WS_CAUSE_CLIENT ? pe->key.lport
									  : pe->key.rport);
		json_kv_u64(w, "local_port", pe->key.lport);
		json_kv_u64(w, "remote_port", pe->key.rport);
		json_kv_str(w, "cause", ws_cause_name((int)pe->key.cause));
		json_kv_u64(w, "blocked_ns", pe->s.blocked_ns);
		json_kv_u64(w, "waits", pe->s.waits);
		json_obj_end(w);
	}
	json_arr_end(w);

	json_key(w, "futexes");
	json_arr_begin(w);
	for (i = 0; i < p->n_futexes && i < 10; i++) {
		const struct ws_futex *fx = &p->futexes[i];
		char addr[32];

		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)fx->key.uaddr);
		json_obj_begin(w);
		json_kv_u64(w, "pid", fx->key.tgid);
		json_kv_str(w, "uaddr", addr);
		json_kv_u64(w, "blocked_ns", fx->s.blocked_ns);
		json_kv_u64(w, "waits", fx->s.waits);
		json_obj_end(w);
	}
	json_arr_end(w);

	{
		__u64 loops = 0;

		for (i = 0; i < p->n_threads; i++)
			loops += p->threads[i].event_loop;
		json_kv_u64(w, "event_loop_threads", loops);
	}
}

static void drops(struct json_writer *w, const struct ws_profile *p)
{
	int i;

	json_key(w, "drops");
	json_obj_begin(w);
	for (i = 0; i < WS_DROP_KINDS; i++)
		json_kv_u64(w, drop_key(i), p->counters.drops[i]);
	json_kv_u64(w, "total", profile_drops_total(p));
	json_obj_end(w);
}

static void anomaly_kinds(struct json_writer *w, const struct ws_profile *p)
{
	int i;

	json_key(w, "anomaly_kinds");
	json_obj_begin(w);
	for (i = 0; i < WS_ANOMALY_KINDS; i++)
		json_kv_u64(w, anomaly_key(i), p->counters.anomaly_kinds[i]);
	json_obj_end(w);
}

static void crosscheck(struct json_writer *w, const struct ws_profile *p)
{
	const struct ws_crosscheck *c = &p->crosscheck;

	json_key(w, "crosscheck");
	if (!c->valid) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_u64(w, "threads", c->threads);
	json_kv_u64(w, "bpf_on_cpu_ns", c->bpf_on_cpu_ns);
	json_kv_u64(w, "bpf_runq_ns", c->bpf_runq_ns);
	json_kv_u64(w, "schedstat_on_cpu_ns", c->kernel_on_cpu_ns);
	json_kv_u64(w, "schedstat_run_delay_ns", c->kernel_run_delay_ns);
	json_kv_double(w, "on_cpu_ratio", ws_ratio(c->bpf_on_cpu_ns, c->kernel_on_cpu_ns),
		       SHARE_DECIMALS);
	json_kv_double(w, "runq_ratio", ws_ratio(c->bpf_runq_ns, c->kernel_run_delay_ns),
		       SHARE_DECIMALS);
	json_obj_end(w);
}

void report_verdict_json(struct json_writer *w, const struct ws_prediction *pr)
{
	struct verdict_prose vp;
	int i;

	verdict_prose(pr, &vp);
	json_key(w, "classification");
	json_obj_begin(w);
	json_kv_str(w, "class", pr->class_name);
	json_key(w, "shares");
	json_obj_begin(w);
	json_kv_double(w, "cpu", pr->busy_cpu, SHARE_DECIMALS);
	json_kv_double(w, "runq", pr->busy_runq, SHARE_DECIMALS);
	json_kv_double(w, "io", pr->busy_io, SHARE_DECIMALS);
	json_kv_double(w, "lock", pr->busy_lock, SHARE_DECIMALS);
	json_kv_double(w, "sleep", pr->busy_sleep, SHARE_DECIMALS);
	json_kv_double(w, "client", pr->busy_client, SHARE_DECIMALS);
	json_kv_double(w, "idle", pr->idle_share, SHARE_DECIMALS);
	json_obj_end(w);
	json_obj_end(w);

	json_key(w, "prediction");
	json_obj_begin(w);
	json_kv_str(w, "async_helps", pr->async_helps);
	json_kv_double(w, "throughput_ratio", pr->throughput_ratio, 3);
	json_kv_double(w, "ratio_low", pr->ratio_low, 3);
	json_kv_double(w, "ratio_high", pr->ratio_high, 3);
	json_key(w, "conditions");
	json_arr_begin(w);
	for (i = 0; i < WS_MODEL_CONDITIONS; i++) {
		json_obj_begin(w);
		json_kv_str(w, "name", pr->conditions[i].name);
		json_kv_bool(w, "met", pr->conditions[i].met);
		json_kv_str(w, "evidence", vp.evidence[i]);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_kv_i64(w, "workers", pr->workers);
	json_kv_i64(w, "dispatchers", pr->dispatchers);
	json_kv_i64(w, "supervisors", pr->supervisors);
	json_kv_i64(w, "event_loops", pr->event_loops);
	json_kv_double(w, "clients_mean", pr->clients_mean, 2);
	json_kv_u64(w, "clients_max", pr->clients_max);
	if (pr->connections_held >= 0)
		json_kv_double(w, "connections_held", pr->connections_held, 1);
	else
		json_kv_null(w, "connections_held");
	if (pr->listen_overflows >= 0)
		json_kv_double(w, "listen_overflows", pr->listen_overflows, 0);
	else
		json_kv_null(w, "listen_overflows");
	if (pr->conns_per_s >= 0)
		json_kv_double(w, "connections_per_s", pr->conns_per_s, 1);
	else
		json_kv_null(w, "connections_per_s");
	json_kv_i64(w, "recommended_workers", pr->recommended_workers);
	json_kv_u64(w, "recommended_extra_rss_bytes", pr->recommended_extra_rss);
	json_kv_str(w, "advice", vp.advice);
	json_kv_str(w, "latency_note", vp.latency);
	json_kv_str(w, "latency_p50", pr->latency_p50);
	json_kv_str(w, "latency_p99", pr->latency_p99);
	json_kv_double(w, "connection_cpu_share", pr->conn_cpu_share, SHARE_DECIMALS);
	json_obj_end(w);
}

static void kv_ns_per_event(struct json_writer *w, const char *key, __u64 run_ns, __u64 events,
			    bool known)
{
	if (known)
		json_kv_double(w, key, overhead_ns_per_event(run_ns, events), NS_DECIMALS);
	else
		json_kv_null(w, key);
}

void report_overhead_json(struct json_writer *w, const struct ws_overhead *o)
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

void report_frames_json(struct json_writer *w, const struct frame_coverage *c)
{
	char key[32];
	size_t i, k;
	int s;

	json_key(w, "stack_frames");
	if (!c) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_u64(w, "user_frames", c->frames);
	json_kv_u64(w, "unknown", c->unknown);
	json_kv_double(w, "unknown_share", c->frames ? (double)c->unknown / (double)c->frames : 0,
		       SHARE_DECIMALS);
	json_kv_u64(w, "stacks", c->stacks);
	json_kv_u64(w, "cut_short", c->truncated);
	json_key(w, "binaries");
	json_arr_begin(w);
	for (i = 0; i < c->n_bin; i++) {
		const struct frame_coverage_binary *b = &c->bin[i];

		json_obj_begin(w);
		json_kv_str(w, "name", b->name);
		json_kv_u64(w, "frames", b->frames);
		json_kv_u64(w, "unknown", b->frames - b->by_status[SYM_OK]);
		json_key(w, "why");
		json_obj_begin(w);
		for (s = SYM_OK + 1; s < SYM_STATUS_KINDS; s++) {
			/* "no-symbols" -> "no_symbols": JSON keys are snake_case */
			snprintf(key, sizeof(key), "%s", sym_status_name((enum sym_status)s));
			for (k = 0; key[k]; k++)
				if (key[k] == '-')
					key[k] = '_';
			json_kv_u64(w, key, b->by_status[s]);
		}
		json_obj_end(w);
		json_kv_u64(w, "cut_short", b->truncated);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

void report_interval_json(FILE *f, const struct ws_interval *iv)
{
	struct json_writer w;

	json_init(&w, f, 0);
	json_obj_begin(&w);
	json_kv_str(&w, "type", "interval");
	json_kv_double(&w, "t_s", iv->t_s, SECONDS_DECIMALS);
	json_kv_double(&w, "interval_s", iv->interval_s, SECONDS_DECIMALS);
	json_kv_u64(&w, "threads", iv->threads);
	json_kv_double(&w, "on_cpu_share", iv->on_cpu_share, SHARE_DECIMALS);
	json_kv_double(&w, "runq_share", iv->runq_share, SHARE_DECIMALS);
	json_kv_double(&w, "blocked_share", iv->blocked_share, SHARE_DECIMALS);
	json_kv_double(&w, "busy_on_cpu_share", iv->busy_on_cpu_share, SHARE_DECIMALS);
	json_kv_double(&w, "switches_per_s", iv->switches_per_s, 1);
	json_kv_str(&w, "top_wait", iv->top_cause >= 0 ? ws_cause_name(iv->top_cause) : NULL);
	json_kv_double(&w, "top_wait_share", iv->top_cause_share, SHARE_DECIMALS);
	json_kv_str(&w, "class", iv->cls);
	json_obj_end(&w);
	fputc('\n', f);
}

void report_json(FILE *f, const struct ws_profile *p, const struct report_opts *o)
{
	struct json_writer w;

	json_init(&w, f, 0);
	json_obj_begin(&w);
	json_kv_str(&w, "schema", SCHEMA);
	json_kv_str(&w, "command", p->command);
	targets(&w, p);
	json_kv_double(&w, "duration_s", profile_window_s(p), SECONDS_DECIMALS);
	json_key(&w, "window");
	json_obj_begin(&w);
	json_kv_u64(&w, "start_ns", p->window_start_ns);
	json_kv_u64(&w, "end_ns", p->window_end_ns);
	json_obj_end(&w);
	json_kv_str(&w, "ended_by", profile_ended_by(p));
	json_kv_str(&w, "attach_mode", p->attach_mode);
	json_kv_bool(&w, "syscalls_traced", p->syscalls_traced);
	json_kv_u64(&w, "threads_seen", p->n_threads_total);
	totals(&w, p);
	json_kv_double(&w, "coverage", p->coverage, SHARE_DECIMALS);
	json_kv_bool(&w, "complete", profile_complete(p));
	json_kv_u64(&w, "untracked_threads", p->untracked_threads);
	json_key(&w, "histograms");
	json_obj_begin(&w);
	histogram(&w, "runq", p->hists.slots[WS_HIST_RUNQ]);
	histogram(&w, "blocked", p->hists.slots[WS_HIST_BLOCKED]);
	json_obj_end(&w);
	threads(&w, p);
	unlisted(&w, p);
	causes(&w, p);
	if (o && o->prediction)
		report_verdict_json(&w, o->prediction);
	drops(&w, p);
	json_kv_u64(&w, "anomalies", p->counters.anomalies);
	anomaly_kinds(&w, p);
	crosscheck(&w, p);
	report_frames_json(&w, o ? o->frames : NULL);
	report_overhead_json(&w, o ? o->overhead : NULL);
	json_obj_end(&w);
	fputc('\n', f);
}

const struct ws_output_ops ws_output_json = {
	.report = report_json,
	.interval = report_interval_json,
};
