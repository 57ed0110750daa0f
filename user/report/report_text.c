/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The human report: a compact summary, and with -T a per-thread table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/fmt.h"
#include "model/hist.h"
#include "model/interval.h"
#include "model/model.h"
#include "collect/overhead.h"
#include "report/frame_coverage.h"
#include "report/names.h"
#include "report/report.h"
#include "report/verdict.h"

#define MAX_HEADER_TARGETS 3
#define MAX_TABLE_ROWS 50
#define AGREE_REL 0.05     /* crosscheck: BPF and schedstat agree within 5% ... */
#define AGREE_ABS_NS 1e6   /* ... or within 1ms, for totals too small for a ratio to mean much */

/*
 * Write s (up to len bytes or a NUL) as printable ASCII, anything else as '?': a comm or command
 * must not drive the terminal. Pads with spaces to width.
 */
static void put_printable(FILE *f, const char *s, size_t len, size_t width)
{
	size_t i;

	for (i = 0; i < len && s[i]; i++)
		fputc(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?', f);
	for (; i < width; i++)
		fputc(' ', f);
}

static void header_targets(FILE *f, const struct ws_profile *p)
{
	size_t i;

	if (p->command) {
		fputs("command \"", f);
		put_printable(f, p->command, strlen(p->command), 0);
		fputc('"', f);
		if (p->n_targets)
			fprintf(f, " (pid %d)", p->targets[0].tgid);
		return;
	}
	if (!p->n_targets) {
		fputs("no target", f);
		return;
	}
	fputs(p->n_targets == 1 ? "pid" : "pids", f);
	for (i = 0; i < p->n_targets && i < MAX_HEADER_TARGETS; i++) {
		const struct ws_target_info *t = &p->targets[i];

		fprintf(f, "%s %d (", i ? "," : "", t->tgid);
		put_printable(f, t->comm, sizeof(t->comm), 0);
		fputc(')', f);
	}
	if (p->n_targets > MAX_HEADER_TARGETS)
		fprintf(f, " +%zu more", p->n_targets - MAX_HEADER_TARGETS);
}

static void header_end(FILE *f, const struct ws_profile *p)
{
	__u64 last = 0;
	size_t i;

	if (p->interrupted) {
		fputs("stopped by signal", f);
		return;
	}
	if (!p->all_targets_exited) {
		fputs("full duration", f);
		return;
	}
	for (i = 0; i < p->n_targets; i++)
		if (p->targets[i].exited && p->targets[i].exit_ns > last)
			last = p->targets[i].exit_ns;
	if (last < p->window_start_ns || last > p->window_end_ns)
		last = p->window_end_ns;
	fprintf(f, "%s exited at +%.2fs", p->n_targets > 1 ? "all targets" : "target",
		(double)(last - p->window_start_ns) / 1e9);
}

static void header(FILE *f, const struct ws_profile *p)
{
	__u64 exited = p->unlisted_threads, born = 0;
	size_t i;

	for (i = 0; i < p->n_threads; i++) {
		exited += p->threads[i].exited;
		born += p->threads[i].born;
	}
	fputs("waitscope: ", f);
	header_targets(f, p);
	fprintf(f, ", window %.2fs, %llu thread%s seen", profile_window_s(p),
		(unsigned long long)p->n_threads_total, p->n_threads_total == 1 ? "" : "s");
	if (exited || born)
		fprintf(f, " (%llu exited, %llu born)", (unsigned long long)exited,
			(unsigned long long)born);
	fputs(", ", f);
	header_end(f, p);
	fputc('\n', f);
}

static void time_row(FILE *f, const char *name, __u64 ns, __u64 observed)
{
	char pct[16];

	fprintf(f, "  %-16s %10.3fs %7s\n", name, (double)ns / 1e9,
		fmt_pct(pct, sizeof(pct), ws_ratio(ns, observed)));
}

static void times(FILE *f, const struct ws_profile *p)
{
	const struct ws_times *t = &p->totals;
	double secs = profile_window_s(p);
	char cov[16];

	fprintf(f, "thread time: %.3fs observed, %s accounted (coverage)\n",
		(double)t->observed_ns / 1e9, fmt_pct(cov, sizeof(cov), p->coverage));
	time_row(f, "on-CPU", t->on_cpu_ns, t->observed_ns);
	time_row(f, "run-queue wait", t->runq_ns, t->observed_ns);
	time_row(f, "blocked", t->blocked_ns, t->observed_ns);
	if (secs > 0)
		fprintf(f, "switches/s: voluntary %.1f, involuntary %.1f; wakeups/s %.1f\n",
			t->vol_switches / secs, t->invol_switches / secs, t->wakeups / secs);
}

static void hist_line(FILE *f, const char *name, const __u64 *slots)
{
	__u64 n = hist_count(slots, WS_HIST_SLOTS);
	char p50[16], p90[16], p99[16];

	if (!n) {
		fprintf(f, "%-18s n=0\n", name);
		return;
	}
	fprintf(f, "%-18s n=%llu, p50 %s, p90 %s, p99 %s\n", name, (unsigned long long)n,
		fmt_ns(p50, sizeof(p50), hist_percentile(slots, WS_HIST_SLOTS, 0.50)),
		fmt_ns(p90, sizeof(p90), hist_percentile(slots, WS_HIST_SLOTS, 0.90)),
		fmt_ns(p99, sizeof(p99), hist_percentile(slots, WS_HIST_SLOTS, 0.99)));
}

/* One line saying the report is incomplete, and by how much. */
static void incomplete(FILE *f, const struct ws_profile *p)
{
	double missing = 1.0 - p->coverage;

	if (profile_complete(p)) {
		if (profile_drops_total(p))
			fputs("warning: some listings above are incomplete (drops); times are whole\n", f);
		return;
	}
	fputs("warning: INCOMPLETE report:", f);
	if (p->untracked_threads)
		fprintf(f, " %llu of %llu threads not tracked (per-thread map full; see "
			"--max-threads),", (unsigned long long)p->untracked_threads,
			(unsigned long long)p->n_threads_total);
	if (p->counters.drops[WS_DROP_EXIT_RECORD])
		fprintf(f, " %llu exited threads missing from the table,",
			(unsigned long long)p->unlisted_threads);
	if (p->counters.drops[WS_DROP_UNTRACKED_EXIT])
		fprintf(f, " %llu exited threads never tracked,",
			(unsigned long long)p->counters.drops[WS_DROP_UNTRACKED_EXIT]);
	if (p->counters.drops[WS_DROP_EXIT_TOTALS] || p->counters.drops[WS_DROP_TARGET_FULL])
		fputs(" exited or followed threads missing from the totals,", f);
	fprintf(f, " %.1f%% of observed thread time unaccounted\n",
		missing > 0 ? 100.0 * missing : 0.0);
}

/* One line, with the kinds when the kernel side counted them ("seed_race 3, wakeup_unseen 2"). */
static void anomalies(FILE *f, const struct ws_profile *p)
{
	const char *sep = " (";
	int i;

	if (!p->counters.anomalies)
		return;
	fprintf(f, "anomalies: %llu transitions did not fit the state machine",
		(unsigned long long)p->counters.anomalies);
	for (i = 0; i < WS_ANOMALY_KINDS; i++) {
		if (!p->counters.anomaly_kinds[i])
			continue;
		fprintf(f, "%s%s %llu", sep, anomaly_key(i),
			(unsigned long long)p->counters.anomaly_kinds[i]);
		sep = ", ";
	}
	fputs(*sep == ',' ? ")\n" : "\n", f);
}

static void drops(FILE *f, const struct ws_profile *p)
{
	const char *sep = "";
	int i;

	if (!profile_drops_total(p)) {
		fputs("drops: none\n", f);
	} else {
		fputs("drops: ", f);
		for (i = 0; i < WS_DROP_KINDS; i++) {
			if (!p->counters.drops[i])
				continue;
			fprintf(f, "%s%llu %s", sep, (unsigned long long)p->counters.drops[i],
				drop_what(i));
			sep = ", ";
		}
		fputc('\n', f);
	}
	incomplete(f, p);
}

static bool agrees(__u64 bpf, __u64 kernel)
{
	double diff = bpf > kernel ? (double)(bpf - kernel) : (double)(kernel - bpf);

	return diff <= AGREE_ABS_NS || diff <= AGREE_REL * (double)kernel;
}

static void crosscheck(FILE *f, const struct ws_profile *p)
{
	const struct ws_crosscheck *c = &p->crosscheck;
	char on[16], rq[16];

	if (!c->valid)
		return;
	fprintf(f, "kernel schedstat %s: on-CPU %s, run-queue %s (%u threads alive throughout)\n",
		agrees(c->bpf_on_cpu_ns, c->kernel_on_cpu_ns) &&
				agrees(c->bpf_runq_ns, c->kernel_run_delay_ns) ?
			"agrees" :
			"differs",
		fmt_pct(on, sizeof(on), ws_ratio(c->bpf_on_cpu_ns, c->kernel_on_cpu_ns)),
		fmt_pct(rq, sizeof(rq), ws_ratio(c->bpf_runq_ns, c->kernel_run_delay_ns)),
		c->threads);
}

static void thread_row(FILE *f, const struct ws_thread *t, double secs)
{
	char on[16], rq[16], bl[16];
	const struct ws_times *x = &t->t;
	const char *flags = t->exited ? (t->born ? " exited,born" : " exited") :
					(t->born ? " born" : "");

	fprintf(f, "  %8u ", t->tid);
	put_printable(f, t->comm, sizeof(t->comm), WS_COMM_LEN - 1);
	fprintf(f, " %7s %7s %7s %9.1f %9.1f%s\n",
		fmt_pct(on, sizeof(on), ws_ratio(x->on_cpu_ns, x->observed_ns)),
		fmt_pct(rq, sizeof(rq), ws_ratio(x->runq_ns, x->observed_ns)),
		fmt_pct(bl, sizeof(bl), ws_ratio(x->blocked_ns, x->observed_ns)),
		secs > 0 ? x->vol_switches / secs : 0.0, secs > 0 ? x->invol_switches / secs : 0.0,
		flags);
}

static void thread_table(FILE *f, const struct ws_profile *p)
{
	const struct ws_thread **sorted = profile_sorted_threads(p);
	double secs = profile_window_s(p);
	size_t i;

	fputs("threads, biggest first (% of each thread's observed time):\n", f);
	fprintf(f, "  %8s %-15s %7s %7s %7s %9s %9s %s\n", "TID", "COMM", "ON-CPU", "RUNQ",
		"BLOCKED", "VOL/s", "INVOL/s", "FLAGS");
	for (i = 0; i < p->n_threads && i < MAX_TABLE_ROWS; i++)
		thread_row(f, sorted ? sorted[i] : &p->threads[i], secs); /* no memory: unsorted */
	if (p->n_threads > MAX_TABLE_ROWS)
		fprintf(f, "  ... %zu more (all of them in the -j report)\n",
			p->n_threads - MAX_TABLE_ROWS);
	if (p->unlisted_threads)
		fprintf(f, "  + %llu exited threads without an exit record (in the totals only)\n",
			(unsigned long long)p->unlisted_threads);
	free(sorted);
}

/* Blocked time by cause, biggest first, then the top syscalls and socket peers. */
static void causes(FILE *f, const struct ws_profile *p)
{
	const struct ws_times *t = &p->totals;
	bool done[WS_CAUSE_KINDS] = { false };
	char buf[32];
	size_t i;
	int k;

	if (!t->blocked_ns)
		return;
	fprintf(f, "blocked by cause (%% of thread time):");
	for (k = 0; k < WS_CAUSE_KINDS; k++) {
		int best = -1;

		for (int c = 0; c < WS_CAUSE_KINDS; c++)
			if (!done[c] && t->blocked_by_cause[c] &&
			    (best < 0 || t->blocked_by_cause[c] > t->blocked_by_cause[best]))
				best = c;
		if (best < 0)
			break;
		done[best] = true;
		fprintf(f, " %s %.1f%%", ws_cause_name(best),
			100.0 * (double)t->blocked_by_cause[best] / (double)t->observed_ns);
	}
	fputc('\n', f);
	if (t->handoffs || p->idle_lock_ns) {
		fmt_ns(buf, sizeof(buf), (double)p->idle_lock_ns);
		fprintf(f, "  idle includes futex waits for handed-off work: %llu handoffs from an "
			"acceptor/dispatcher, %s in a process that did no work\n",
			(unsigned long long)t->handoffs, buf);
	}
	for (i = 0; i < p->n_syscalls && i < 5; i++) {
		const struct ws_syscall *sc = &p->syscalls[i];
		const char *name = ws_syscall_name(sc->nr), *unit;
		const __u64 *slots;
		__u64 n;

		if (!sc->s.blocked_ns)
			break;
		fmt_ns(buf, sizeof(buf), (double)sc->s.blocked_ns);
		/* With --syscalls: whole calls and their latency; else the waits inside them. */
		if (p->syscalls_traced && sc->s.count) {
			n = sc->s.count;
			slots = sc->s.lat_slots;
			unit = "calls, latency";
		} else {
			n = sc->s.waits;
			slots = sc->s.wait_slots;
			unit = "waits, wait";
		}
		if (!n) {
			fprintf(f, "  %-16s blocked %9s, still blocked when the window ended\n",
				name ? name : "?", buf);
			continue;
		}
		fprintf(f, "  %-16s blocked %9s in %llu %s p50 ", name ? name : "?", buf,
			(unsigned long long)n, unit);
		fmt_ns(buf, sizeof(buf), hist_percentile(slots, WS_HIST_SLOTS, 0.5));
		fprintf(f, "%s, p99 ", buf);
		fmt_ns(buf, sizeof(buf), hist_percentile(slots, WS_HIST_SLOTS, 0.99));
		fprintf(f, "%s\n", buf);
	}
	for (i = 0; i < p->n_futexes && i < 3; i++) {
		const struct ws_futex *fx = &p->futexes[i];

		fmt_ns(buf, sizeof(buf), (double)fx->s.blocked_ns);
		fprintf(f, "  lock 0x%llx (pid %u) blocked %s in %llu waits\n",
			(unsigned long long)fx->key.uaddr, fx->key.tgid, buf,
			(unsigned long long)fx->s.waits);
	}
	{
		size_t loops = 0;

		for (i = 0; i < p->n_threads; i++)
			loops += p->threads[i].event_loop;
		if (loops)
			fprintf(f, "  event loop: %zu thread(s) wait mostly in poll/epoll over "
				"several sockets\n", loops);
	}
	for (i = 0; i < p->n_peers && i < 3; i++) {
		const struct ws_peer *pe = &p->peers[i];
		bool client = pe->key.cause == WS_CAUSE_CLIENT;

		fmt_ns(buf, sizeof(buf), (double)pe->s.blocked_ns);
		fprintf(f, "  %s :%u blocked %s in %llu waits\n",
			client ? "clients of" : "peer", client ? pe->key.lport : pe->key.rport, buf,
			(unsigned long long)pe->s.waits);
	}
}

void report_verdict_text(FILE *f, const struct ws_prediction *pr)
{
	struct verdict_prose vp;
	int i;

	verdict_prose(pr, &vp);
	if (pr->not_server)
		fprintf(f, "async model: %s: %s [%s, %d workers]\n", pr->async_helps,
			verdict_headline(pr->async_helps), pr->class_name, pr->workers);
	else
		fprintf(f, "async model: %s: %s, x%.2f (x%.2f..x%.2f) [%s, %d workers]\n",
			pr->async_helps, verdict_headline(pr->async_helps), pr->throughput_ratio,
			pr->ratio_low, pr->ratio_high, pr->class_name, pr->workers);
	fprintf(f,
		"  per busy worker-second: cpu %.1f%%, runq %.1f%%, io %.1f%%, lock %.1f%%, "
		"sleep %.1f%%, client %.1f%%; idle %.1f%% of worker time\n",
		pr->busy_cpu * 100, pr->busy_runq * 100, pr->busy_io * 100, pr->busy_lock * 100,
		pr->busy_sleep * 100, pr->busy_client * 100, pr->idle_share * 100);
	fprintf(f, "  concurrency: client connections per worker's wait: mean %.1f, max %u; %d "
		"event loop(s) of %d workers\n",
		pr->clients_mean, pr->clients_max, pr->event_loops, pr->workers);
	if (pr->not_server) {
		/* No request stream: the conditions of an async gain do not apply. */
		fprintf(f, "  advice: %s\n", vp.advice);
		return;
	}
	for (i = 0; i < WS_MODEL_CONDITIONS; i++)
		fprintf(f, "  [%s] %s: %s\n", pr->conditions[i].met ? "met" : "not met",
			pr->conditions[i].name, vp.evidence[i]);
	fprintf(f, "  advice: %s\n", vp.advice);
	fprintf(f, "  latency: %s\n", vp.latency);
	if (pr->conn_cpu_share > 0.005)
		fprintf(f, "  conservative: %.0f%% of the workers' CPU went to connection set-up and "
			"teardown, which an async server keeping connections alive would save; the "
			"ratio does not count it (up to x%.2f more)\n", pr->conn_cpu_share * 100,
			1.0 / (1.0 - (pr->conn_cpu_share < 0.9 ? pr->conn_cpu_share : 0.9)));
}

void report_overhead_text(FILE *f, const struct ws_overhead *o)
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

static double pct_of(double share)
{
	return isfinite(share) ? share * 100.0 : 0.0;
}

void report_frames_text(FILE *f, const struct frame_coverage *c)
{
	frame_coverage_write(f, c, "");
}

void report_interval_text(FILE *f, const struct ws_interval *iv)
{
	fprintf(f,
		"%7.1fs  threads %3llu  cpu %5.1f%%  runq %5.1f%%  blocked %5.1f%%  "
		"busy-cpu %5.1f%%  sw/s %7.0f  wait %s",
		iv->t_s, (unsigned long long)iv->threads, pct_of(iv->on_cpu_share),
		pct_of(iv->runq_share), pct_of(iv->blocked_share), pct_of(iv->busy_on_cpu_share),
		isfinite(iv->switches_per_s) ? iv->switches_per_s : 0.0,
		iv->top_cause >= 0 ? ws_cause_name(iv->top_cause) : "-");
	if (iv->top_cause >= 0)
		fprintf(f, " %.0f%%", pct_of(iv->top_cause_share));
	fprintf(f, "  %s\n", iv->cls ? iv->cls : "-");
}

void report_text(FILE *f, const struct ws_profile *p, const struct report_opts *o)
{
	header(f, p);
	if (o && o->prediction)
		report_verdict_text(f, o->prediction); /* the verdict first */
	times(f, p);
	hist_line(f, "run-queue wait:", p->hists.slots[WS_HIST_RUNQ]);
	hist_line(f, "blocked intervals:", p->hists.slots[WS_HIST_BLOCKED]);
	causes(f, p);
	drops(f, p);
	anomalies(f, p);
	crosscheck(f, p);
	if (o && o->frames)
		report_frames_text(f, o->frames);
	if (o && o->per_thread)
		thread_table(f, p);
	if (o && o->overhead)
		report_overhead_text(f, o->overhead);
}

const struct ws_output_ops ws_output_text = {
	.report = report_text,
	.interval = report_interval_text,
};
