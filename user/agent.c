// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent as a straight line: targets -> preflight -> load -> attach -> serve -> every interval
 * (re-resolve, snapshot, accumulate, verdict, render, publish) -> destroy. Threads: this one
 * (collector, accumulator, renderer) and libmicrohttpd's (scrapes), which only ever reads the
 * last complete buffer (report/http_exporter.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "agent.h"
#include "cli/outpath.h"
#include "collect/collector.h"
#include "host/preflight.h"
#include "host/procfs.h"
#include "model/series.h"
#include "report/atomic_file.h"
#include "report/http_exporter.h"
#include "report/prom.h"
#include "run.h"
#include "targets/targets.h"
#include "util/log.h"
#include "window.h"
#include "agent_verdict.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define TICK_MS 100

struct agent {
	const struct ws_opts *o;
	struct target_spec spec;
	struct target_set ts;       /* the start's resolution; ts.cg for -c re-resolution */
	struct collector col;
	struct ws_series series;
	struct ws_target_info *known; /* target processes with their listener flag */
	size_t n_known, cap_known;
	pid_t *known_tgids;
	struct http_exporter *http;
	struct agent_verdict verdict;
	char comm[WS_COMM_LEN];     /* the comm label: fixed once set */
	__u64 start_ns;
	char *text;                 /* the last rendered exposition */
	size_t len;
};

/* A plain -n NAME (no regex operators) names the series itself: stable across restarts. */
static void comm_from_name(struct agent *a)
{
	const char *n = a->o->name;

	if (n && strlen(n) < WS_COMM_LEN && !n[strcspn(n, "^$.[]()|*+?{}\\")])
		snprintf(a->comm, sizeof(a->comm), "%s", n);
}

static int add_known(struct agent *a, const struct ws_target_info *t)
{
	if (a->n_known == a->cap_known) {
		size_t cap = a->cap_known ? a->cap_known * 2 : 16;
		struct ws_target_info *k = realloc(a->known, cap * sizeof(*k));
		pid_t *g;

		if (!k)
			return -ENOMEM;
		a->known = k;
		g = realloc(a->known_tgids, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		a->known_tgids = g;
		a->cap_known = cap;
	}
	a->known[a->n_known] = *t;
	a->known_tgids[a->n_known++] = t->tgid;
	if (!a->comm[0])
		snprintf(a->comm, sizeof(a->comm), "%s", t->comm);
	return 0;
}

static struct ws_target_info *find_known(struct agent *a, pid_t tgid)
{
	size_t i;

	for (i = 0; i < a->n_known; i++)
		if (a->known[i].tgid == tgid)
			return &a->known[i];
	return NULL;
}

static void drop_known(struct agent *a, pid_t tgid)
{
	size_t i;

	for (i = 0; i < a->n_known; i++) {
		if (a->known[i].tgid != tgid)
			continue;
		a->known[i] = a->known[--a->n_known];
		a->known_tgids[i] = a->known_tgids[a->n_known];
		return;
	}
}

/* New targets: into the kernel side, their listeners noted, their threads seeded. */
static int add_targets(struct agent *a, struct ws_target_info *t, size_t n, bool seed)
{
	size_t i;
	int err;

	if (!n)
		return 0;
	run_note_listeners(&a->col, t, n, true);
	for (i = 0; i < n; i++) {
		err = collector_add_target(&a->col, t[i].tgid);
		if (!err)
			err = add_known(a, &t[i]);
		if (err)
			return err;
		ws_debug("agent: target %d (%s)", t[i].tgid, t[i].comm);
	}
	return seed ? collector_seed(&a->col) : 0;
}

/* -n/-c again: a restarted service's new processes become targets. */
static int rescan(struct agent *a)
{
	struct ws_target_info *fresh;
	int n = targets_rescan(&a->spec, &a->ts.cg, a->known_tgids, a->n_known, &fresh), err;

	if (n < 0) {
		ws_warn("failed to resolve the targets again: %s", strerror(-n));
		return 0; /* the next interval tries again */
	}
	err = add_targets(a, fresh, (size_t)n, true);
	free(fresh);
	return err;
}

/*
 * Processes the kernel side followed (-f, -c forks), known from their first snapshot: their
 * listeners noted in one scan (it reads the machine's socket tables).
 */
static void note_followed(struct agent *a, const struct ws_proc_snapshot *snaps, size_t n)
{
	struct ws_target_info *t = calloc(n ? n : 1, sizeof(*t));
	size_t i, k = 0;

	if (!t)
		return;
	for (i = 0; i < n; i++) {
		if (snaps[i].dead || find_known(a, snaps[i].tgid))
			continue;
		t[k].tgid = snaps[i].tgid;
		snprintf(t[k].comm, sizeof(t[k].comm), "%s", snaps[i].comm);
		k++;
	}
	if (k)
		run_note_listeners(&a->col, t, k, true);
	for (i = 0; i < k; i++)
		if (add_known(a, &t[i]))
			ws_warn("failed to note process %d: out of memory", t[i].tgid);
	free(t);
}

static void self_usage(__u64 *cpu_ns, __u64 *rss)
{
	struct rusage ru;
	char buf[256];
	unsigned long size, pages;

	*cpu_ns = 0;
	*rss = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		*cpu_ns = ((__u64)ru.ru_utime.tv_sec + (__u64)ru.ru_stime.tv_sec) * 1000000000ull +
			  ((__u64)ru.ru_utime.tv_usec + (__u64)ru.ru_stime.tv_usec) * 1000ull;
	/* statm: size and resident, in pages */
	if (read_small_file("/proc/self/statm", buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%lu %lu", &size, &pages) == 2)
		*rss = (__u64)pages * (__u64)sysconf(_SC_PAGESIZE);
}

static int render(struct agent *a)
{
	struct prom_meta m = { .comm = a->comm, .labels = a->o->labels,
			       .n_labels = a->o->n_labels, .per_process = a->o->per_process,
			       .version = WS_VERSION, .pred = agent_verdict_get(&a->verdict),
			       .verdict_window_s = a->o->verdict_window_s,
			       .updates = a->series.updates };
	FILE *f;

	self_usage(&m.self_cpu_ns, &m.rss_bytes);
	free(a->text);
	a->text = NULL;
	f = open_memstream(&a->text, &a->len);
	if (!f)
		return -errno;
	prom_write_series(f, &a->series, &m);
	if (fclose(f))
		return -ENOMEM;
	return 0;
}

static int write_outputs(struct agent *a)
{
	struct atomic_file af;
	int err;

	if (a->http && http_exporter_publish(a->http, a->text, a->len))
		ws_warn("failed to publish metrics: out of memory (serving the previous ones)");
	if (!a->o->prom_file)
		return 0;
	err = atomic_file_open(&af, a->o->prom_file);
	if (err)
		return err;
	fwrite(a->text, 1, a->len, af.f);
	return atomic_file_commit(&af);
}

/* One interval: re-resolve, snapshot, accumulate, retire the dead, render, publish. */
static int step(struct agent *a)
{
	struct ws_proc_snapshot *snaps;
	struct ws_hists h;
	struct ws_counters cnt;
	size_t n, i;
	int err;

	err = rescan(a);
	if (err)
		return err;
	err = collector_proc_snapshots(&a->col, a->start_ns, &snaps, &n);
	if (err)
		return err;
	note_followed(a, snaps, n);
	for (i = 0; i < n; i++) {
		const struct ws_target_info *k = find_known(a, snaps[i].tgid);

		if (k)
			memcpy(snaps[i].comm, k->comm, sizeof(snaps[i].comm));
	}
	err = series_update(&a->series, snaps, n);
	for (i = 0; !err && i < n; i++) {
		if (!snaps[i].dead)
			continue;
		/* Its last totals are in: drop them from the kernel, so churn never fills it. */
		err = collector_retire_target(&a->col, snaps[i].tgid);
		series_forget(&a->series, snaps[i].tgid);
		drop_known(a, snaps[i].tgid);
		ws_debug("agent: target %d exited", snaps[i].tgid);
	}
	free(snaps);
	if (err)
		return err;
	if (collector_kernel_totals(&a->col, &h, &cnt) == 0)
		series_set_kernel(&a->series, &h, &cnt);
	agent_verdict_tick(&a->verdict, &a->col, a->known, a->n_known);
	err = render(a);
	return err ? err : write_outputs(a);
}

static int loop(struct agent *a)
{
	__u64 interval = (__u64)(a->o->interval_s * 1e9), next = a->start_ns + interval;
	__u64 deadline = a->o->duration_s > 0 ? a->start_ns + (__u64)(a->o->duration_s * 1e9) : 0;
	int err;

	for (;;) {
		__u64 now = monotonic_ns();
		long wait_ms = TICK_MS;
		bool hup = window_take_hup();

		if (window_stop_signal() || (deadline && now >= deadline))
			return 0;
		/* Exit records are not needed here (exited totals are): keep the buffer empty. */
		err = agent_verdict_drain(&a->verdict, &a->col);
		if (err)
			return err;
		if (now >= next || hup) {
			if (hup)
				ws_debug("agent: SIGHUP: outputs reopened");
			err = step(a);
			if (err)
				return err;
			while (next <= now)
				next += interval;
			now = monotonic_ns();
		}
		if (next > now && (next - now) / 1000000 < (__u64)wait_ms)
			wait_ms = (long)((next - now) / 1000000) + 1;
		sleep_ms(wait_ms);
	}
}

int ws_agent_run(const struct ws_opts *o)
{
	struct agent a = { .o = o };
	struct collector_opts copts = { .force_raw_tp = o->force_raw_tp,
					.follow_children = o->follow || o->cgroup,
					.no_bpf_stats = true, /* stats would cost every event, forever */
					.syscalls = o->syscalls,
					.max_threads = (__u32)o->max_threads };
	int status = EXIT_RUNTIME;

	ws_verbose = o->verbose;
	libbpf_set_print(ws_libbpf_print);
	series_init(&a.series);
	a.spec = (struct target_spec){ .pids = o->pids, .n_pids = o->n_pids, .name = o->name,
				       .cgroup = o->cgroup, .agent = true };
	comm_from_name(&a);
	if (outpath_check_opts(o)) {
		status = EXIT_USAGE;
		goto cleanup;
	}
	if (targets_resolve(&a.spec, &a.ts)) {
		status = a.ts.usage_error ? EXIT_USAGE : EXIT_RUNTIME;
		goto cleanup;
	}
	if (preflight_check())
		goto cleanup;
	if (window_install_signals(false)) {
		ws_err("failed to install signal handlers: %s", strerror(errno));
		goto cleanup;
	}
	copts.cgroup_id = a.ts.cg.id;
	copts.cgroup_level = a.ts.cg.level;
	if (collector_load(&a.col, &copts))
		goto cleanup;
	if (o->follow && a.ts.n && targets_add_descendants(&a.ts))
		goto cleanup;
	if (add_targets(&a, a.ts.info, a.ts.n, false))
		goto cleanup;
	if (collector_attach(&a.col, &a.start_ns))
		goto cleanup;
	if (agent_verdict_init(&a.verdict, o->verdict_window_s, o->interval_s, a.start_ns))
		goto cleanup;
	if (o->listen && http_exporter_start(&a.http, o->listen_addr, o->listen_port))
		goto cleanup;
	/* The first exposition right away: a scrape never finds nothing once we are ready. */
	if (step(&a))
		goto cleanup;
	if (o->ready_file && run_write_ready_file(o->ready_file, a.n_known ? a.known[0].tgid : 0))
		goto cleanup;
	if (loop(&a))
		goto cleanup;
	status = 0;

cleanup:
	http_exporter_stop(a.http);
	agent_verdict_free(&a.verdict);
	collector_destroy(&a.col);
	target_set_free(&a.ts);
	series_free(&a.series);
	free(a.known);
	free(a.known_tgids);
	free(a.text);
	return status;
}
