// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One profiling run, as a straight line: targets -> preflight -> open and load -> targets into
 * the kernel side -> attach -> window loop -> collect -> model -> report -> destroy. Each step is
 * a call into the module that owns it; this file only passes data between them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "cli/outpath.h"
#include "host/crosscheck.h"
#include "host/preflight.h"
#include "model/model_input.h"
#include "report/atomic_file.h"
#include "report/export.h"
#include "report/frame_coverage.h"
#include "report/prom.h"
#include "report/report.h"
#include "agent.h"
#include "run.h"
#include "targets/targets.h"
#include "util/log.h"
#include "window.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

int run_held_conns(void *c, pid_t tgid, unsigned long *count)
{
	return collector_client_fds(c, tgid, count);
}

int run_note_listeners(struct collector *c, struct ws_target_info *targets, size_t n_targets,
		       bool ports)
{
	struct listen_sock *socks;
	size_t n, i;
	int err;

	err = listeners_scan(targets, n_targets, &socks, &n);
	if (err)
		return err;
	for (i = 0; ports && i < n && !err; i++)
		if (socks[i].port) /* 0: a unix listener */
			err = collector_add_listen_port(c, socks[i].port);
	if (err)
		ws_warn("failed to record listening port: %s (clients may show as net)",
			strerror(-err));
	free(socks);
	return 0;
}

/* PID reuse: each target is still the process validated (again once exits are traced). */
static int recheck_targets(struct collector *c, struct ws_profile *p)
{
	size_t i;
	int err;

	for (i = 0; i < p->n_targets; i++) {
		if (!target_recheck(&p->targets[i]))
			continue;
		err = collector_remove_target(c, p->targets[i].tgid);
		if (err) {
			ws_err("failed to remove target %d: %s", p->targets[i].tgid, strerror(-err));
			return err;
		}
	}
	return targets_check_alive(p);
}

int run_write_ready_file(const char *path, pid_t first_target)
{
	struct atomic_file af;
	int err = atomic_file_open(&af, path);

	if (err)
		return err;
	fprintf(af.f, "ready pid=%d\n", first_target);
	return atomic_file_commit(&af);
}

/* The report on stdout (with the unknown-frame share when stacks were taken), then the export
 * files; the share and the stack files share one symbolizer. */
static int write_reports(const struct ws_opts *o, const struct ws_output_ops *out,
			 const struct ws_profile *p, const struct report_opts *ropts)
{
	struct prom_meta pm = { .labels = o->labels, .n_labels = o->n_labels,
				.version = WS_VERSION, .pred = ropts->prediction };
	struct export_opts eo = { .mangled = o->mangled, .per_thread = o->per_thread };
	struct report_opts ro = *ropts;
	struct exporter ex = { 0 };
	struct frame_coverage cov;
	int err = 0;

	if (o->folded_file || o->pprof_file) {
		err = exporter_init(&ex, &eo);
		if (err)
			return err;
		export_frame_coverage(&ex, p, &cov);
		ro.frames = &cov;
	}
	out->report(stdout, p, &ro);
	if (fflush(stdout)) {
		ws_err("failed to write report: %s", strerror(errno));
		err = -EIO;
		goto cleanup;
	}
	if ((o->folded_file && write_folded(&ex, o->folded_file, p)) ||
	    (o->pprof_file && write_pprof(&ex, o->pprof_file, p)) ||
	    (o->prom_file && write_prom(o->prom_file, p, &pm)))
		err = -EIO;
cleanup:
	exporter_free(&ex);
	return err;
}

int ws_run(const struct ws_opts *o)
{
	struct target_spec spec = { .pids = o->pids, .n_pids = o->n_pids, .name = o->name,
				    .cgroup = o->cgroup, .command = o->command, .user = o->user };
	struct collector_opts copts = { .force_raw_tp = o->force_raw_tp,
					.stacks = o->folded_file || o->pprof_file,
					.follow_children = o->follow || o->cgroup,
					.no_bpf_stats = o->no_bpf_stats,
					.syscalls = o->syscalls,
					.max_threads = (__u32)o->max_threads };
	struct schedstat_snapshot snap_start = { 0 }, snap_end = { 0 };
	struct launch child = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	struct report_opts ropts = { .per_thread = o->per_thread };
	const struct ws_output_ops *out = o->json ? &ws_output_json : &ws_output_text;
	struct collector col = { 0 };
	struct load_sampler ls = { 0 };
	struct target_set ts = { 0 };
	struct ws_model_input min;
	struct ws_prediction pred = { 0 };
	struct ws_overhead ovh;
	struct ws_profile prof;
	struct live live;
	bool launched = false;
	int status = EXIT_RUNTIME, err;
	size_t i;

	if (o->agent)
		return ws_agent_run(o);
	ws_verbose = o->verbose;
	libbpf_set_print(ws_libbpf_print);
	profile_init(&prof);

	/* Output paths and targets first: usage errors whatever the privileges. */
	if (outpath_check_opts(o)) {
		status = EXIT_USAGE;
		goto cleanup;
	}
	if (targets_resolve(&spec, &ts)) {
		status = ts.usage_error ? EXIT_USAGE : EXIT_RUNTIME;
		goto cleanup;
	}
	if (preflight_check())
		goto cleanup;
	if (window_install_signals(true)) {
		ws_err("failed to install signal handlers: %s", strerror(errno));
		goto cleanup;
	}

	copts.cgroup_id = ts.cg.id;
	copts.cgroup_level = ts.cg.level;
	if (collector_load(&col, &copts))
		goto cleanup;

	if (o->command) {
		err = profile_set_command(&prof, o->command);
		if (!err)
			err = targets_launch(&ts, &child, o->command);
		if (err) {
			ws_err("failed to start '%s': %s", o->command[0], strerror(-err));
			goto cleanup;
		}
		launched = true;
	}
	if (o->follow && !o->command && targets_add_descendants(&ts))
		goto cleanup;
	targets_to_profile(&ts, &prof);
	/* Dedupe: two thread ids of one process map to the same tgid. */
	for (i = 0; i < ts.n; i++)
		if (collector_add_target(&col, ts.tgids[i]))
			goto cleanup;

	if (run_note_listeners(&col, prof.targets, prof.n_targets, true) ||
	    recheck_targets(&col, &prof))
		goto cleanup;
	if (collector_attach(&col, &prof.window_start_ns) || recheck_targets(&col, &prof))
		goto cleanup;
	prof.window_end_ns = (__u64)-1;
	if (schedstat_snapshot_take(&snap_start, ts.tgids, ts.n))
		ws_warn("failed to read schedstat: no cross-check");

	if (launched) {
		err = launch_release(&child);
		if (err) {
			ws_err("failed to execute '%s': %s", o->command[0], strerror(-err));
			goto cleanup;
		}
	}
	if (o->ready_file && run_write_ready_file(o->ready_file, ts.tgids[0]))
		goto cleanup;

	load_sampler_start(&ls, ts.tgids, ts.n, run_held_conns, &col);
	live_init(&live, o->interval_s, out, o->duration_s, prof.window_start_ns, stdout, stderr);
	if (window_run(&col, &prof, o->duration_s, launched ? &child : NULL, &ls, &live))
		goto cleanup;

	prof.window_end_ns = collector_detach(&col);
	if (schedstat_snapshot_take(&snap_end, ts.tgids, ts.n))
		ws_warn("failed to read schedstat: no cross-check");
	/* Again at the end: a launched command opens its listener after the start. */
	if (run_note_listeners(&col, prof.targets, prof.n_targets, false) ||
	    collector_collect(&col, &prof))
		goto cleanup;
	window_update_exits(&col, &prof);
	collector_overhead(&col, &ovh);
	ropts.overhead = &ovh;
	profile_finish(&prof);
	crosscheck_compute(&prof, &snap_start, &snap_end);
	load_sampler_finish(&ls, &prof);
	model_input_build(&min, &prof, &ls.obs, overhead_cpu_share(&ovh));
	if (model_predict(&min, &pred) == 0 || pred.class_name)
		ropts.prediction = &pred;

	/* Before a launched command is stopped: symbols come from its live mappings. */
	if (write_reports(o, out, &prof, &ropts))
		goto cleanup;
	status = 0;

cleanup:
	if (launched && child.pid > 0)
		launch_stop(&child);
	launch_close(&child);
	collector_destroy(&col);
	schedstat_snapshot_free(&snap_start);
	schedstat_snapshot_free(&snap_end);
	load_sampler_free(&ls);
	target_set_free(&ts);
	profile_free(&prof);
	return status;
}
