// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One profiling run: preflight checks, targets, window loop, report. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include <unistd.h>
#include "collect/collector.h"
#include "host/cpulimit.h"
#include "host/netstat.h"
#include "host/runnable.h"
#include "host/crosscheck.h"
#include "targets/launch.h"
#include "report/live.h"
#include "model/model.h"
#include "cli/outpath.h"
#include "util/log.h"
#include "host/procfs.h"
#include "host/sockdiag.h"
#include "report/export.h"
#include "report/report.h"
#include "run.h"
#include "targets/targets.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define TICK_MS 100

#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39

static volatile sig_atomic_t stop_signal;

/* What the async model needs besides the profile, sampled around and during the window. */
struct load_sampler {
	unsigned long *inodes; /* the targets' listening sockets */
	unsigned short *ports; /* and their ports */
	size_t n_inodes;
	double queue_sum, queue_max;
	unsigned long samples;
	double conn_sum;       /* client connections: held by the targets, or in accept queues */
	const pid_t *tgids;    /* the targets whose client connections are counted */
	size_t n_tgids;
	double runnable_sum;   /* machine-wide runnable tasks */
	unsigned long runnable_samples;
	unsigned long conn_samples;
	unsigned long long cpu_busy0, cpu_total0;
	unsigned long long overflows0;
	bool overflows_ok;
};

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	return 0;
}

/* Root, or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN covers both on older kernels). */
static int check_privileges(void)
{
	__u64 caps;

	if (self_capeff(&caps))
		return 0; /* cannot tell: let the BPF load report it */
	if (caps & (1ull << CAP_SYS_ADMIN))
		return 0;
	if (!(caps & (1ull << CAP_BPF))) {
		ws_err("failed to start: missing capability CAP_BPF (run as root, or grant "
		       "cap_bpf,cap_perfmon)");
		return -EPERM;
	}
	if (!(caps & (1ull << CAP_PERFMON))) {
		ws_err("failed to start: missing capability CAP_PERFMON (run as root, or grant "
		       "cap_bpf,cap_perfmon)");
		return -EPERM;
	}
	return 0;
}

static int check_btf(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 0;
	ws_err("failed to find kernel BTF at /sys/kernel/btf/vmlinux: %s (a kernel built with "
	       "CONFIG_DEBUG_INFO_BTF=y is needed)", strerror(errno));
	return -ENOENT;
}

/* Check one -p PID and describe it; a thread id is turned into its process. */
static int validate_pid(pid_t pid, struct ws_target_info *t)
{
	struct proc_stat st;
	unsigned long tgid;
	char path[64], buf[4096];
	int err;

	err = proc_stat_read(pid, &st);
	if (err == -ENOENT || err == -ESRCH) {
		ws_err("no such process: %d", pid);
		return -ESRCH;
	}
	if (err) {
		ws_err("failed to read /proc/%d/stat: %s", pid, strerror(-err));
		return err;
	}
	if (st.flags & WS_PF_KTHREAD) {
		ws_err("PID %d (%s) is a kernel thread: nothing to profile", pid, st.comm);
		return -EINVAL;
	}
	if (st.state == 'Z' || st.state == 'X') {
		ws_err("process %d (%s) has already exited", pid, st.comm);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) > 0 &&
	    status_parse_field(buf, "Tgid", &tgid) == 0 && tgid != (unsigned long)pid) {
		ws_warn("%d is a thread of process %lu: profiling the whole process", pid, tgid);
		pid = (pid_t)tgid;
		if (proc_stat_read(pid, &st)) {
			ws_err("no such process: %d", pid);
			return -ESRCH;
		}
	}
	memset(t, 0, sizeof(*t));
	t->tgid = pid;
	t->start_ticks = st.starttime; /* re-checked at attach: PID reuse */
	snprintf(t->comm, sizeof(t->comm), "%s", st.comm);
	return 0;
}

/* -f: existing descendants become targets too (forked ones are added by the kernel side). */
static int add_descendants(struct ws_profile *p, pid_t **tgids, size_t *n)
{
	struct ws_target_info *targets;
	pid_t *kids = NULL, *grown;
	size_t nk = 0, i;
	int err;

	err = proc_descendants(*tgids, *n, &kids, &nk);
	if (err) {
		ws_err("failed to list descendants: %s", strerror(-err));
		return err;
	}
	targets = realloc(p->targets, (*n + nk) * sizeof(*targets));
	if (targets)
		p->targets = targets;
	grown = realloc(*tgids, (*n + nk) * sizeof(*grown));
	if (grown)
		*tgids = grown;
	if (!targets || !grown) {
		free(kids);
		ws_err("failed to add descendants: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (i = 0; i < nk; i++) {
		if (validate_pid(kids[i], &p->targets[*n]))
			continue; /* exited meanwhile */
		(*tgids)[*n] = p->targets[*n].tgid;
		(*n)++;
	}
	p->n_targets = *n;
	free(kids);
	return 0;
}

static int write_ready_file(const char *path, pid_t first_target)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "wx");
	if (!f)
		return -errno;
	fprintf(f, "ready pid=%d\n", first_target);
	if (fclose(f) || rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

/* Sum of the accept queues of the targets' listening sockets, right now. */
static void sample_accept_queue(struct collector *c, struct load_sampler *ls)
{
	struct listen_sock *socks = NULL;
	size_t n = 0, i, j;
	double q = 0, held = 0;
	unsigned long fds, runnable;

	if (runnable_read(&runnable) == 0) {
		ls->runnable_sum += (double)runnable;
		ls->runnable_samples++;
	}
	if (!ls->n_inodes)
		return;
	if (listen_socks_read(&socks, &n))
		return;
	for (i = 0; i < n; i++)
		for (j = 0; j < ls->n_inodes; j++)
			if (socks[i].inode == ls->inodes[j])
				q += (double)socks[i].accept_queue;
	free(socks);
	ls->queue_sum += q;
	if (q > ls->queue_max)
		ls->queue_max = q;
	ls->samples++;
	/* Clients accepted and held by the targets (their fds, walked in the kernel), plus those
	 * still waiting in the accept queues. */
	for (i = 0; i < ls->n_tgids; i++) {
		int err = collector_client_fds(c, ls->tgids[i], &fds);

		if (err) { /* the process exited: this tick has no count */
			ws_debug("client connections of %d not counted: %s", ls->tgids[i],
				 strerror(-err));
			return;
		}
		held += (double)fds;
	}
	ls->conn_sum += held + q;
	ls->conn_samples++;
}

/* Remember which listening sockets the targets own, for sampling their accept queues. */
static void find_target_listeners(struct load_sampler *ls, const pid_t *tgids, size_t n)
{
	ls->tgids = tgids;
	ls->n_tgids = n;
	struct listen_sock *socks = NULL;
	size_t ns = 0, i, t;
	bool *owned;

	if (listen_socks_read(&socks, &ns))
		return;
	owned = calloc(ns ? ns : 1, sizeof(*owned));
	ls->inodes = calloc(ns ? ns : 1, sizeof(*ls->inodes));
	ls->ports = calloc(ns ? ns : 1, sizeof(*ls->ports));
	if (owned && ls->inodes && ls->ports) {
		for (t = 0; t < n; t++)
			proc_scan_sockets(tgids[t], socks, ns, NULL, owned);
		for (i = 0; i < ns; i++)
			if (owned[i]) {
				ls->ports[ls->n_inodes] = socks[i].port;
				ls->inodes[ls->n_inodes++] = socks[i].inode;
			}
	}
	free(owned);
	free(socks);
}

static int usable_cpus(pid_t pid)
{
	cpu_set_t set;

	if (sched_getaffinity(pid, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Parents of the profiled processes still alive: the model tells masters from workers. */
static struct ws_proc_parent *read_parents(const struct ws_profile *p, size_t *n)
{
	__u32 *tgids = NULL;
	size_t i, n_tgids = profile_tgids(p, &tgids);
	struct ws_proc_parent *v = calloc(n_tgids ? n_tgids : 1, sizeof(*v));
	struct proc_stat st;

	*n = 0;
	for (i = 0; v && i < n_tgids; i++) {
		if (proc_stat_read((pid_t)tgids[i], &st))
			continue;
		v[*n].tgid = tgids[i];
		v[*n].ppid = (__u32)st.ppid;
		(*n)++;
	}
	free(tgids);
	return v;
}

static void model_inputs(struct ws_model_input *in, const struct ws_profile *p,
			 const struct load_sampler *ls, const struct ws_overhead *self,
			 const pid_t *tgids, size_t n)
{
	unsigned long long busy, total, overflows;
	long rss, rss_sum = 0;
	size_t i;

	memset(in, 0, sizeof(*in));
	in->p = p;
	in->parents = read_parents(p, &in->n_parents);
	in->m.cpus = usable_cpus(tgids[0]);
	in->m.busy_cpus = -1;
	in->m.cpu_quota = cpulimit_of_pid(tgids[0]);
	in->m.runnable_avg =
		ls->runnable_samples ? ls->runnable_sum / (double)ls->runnable_samples : -1;
	if (procstat_read_cpu(&busy, &total) == 0 && total > ls->cpu_total0) {
		double self_cpus = overhead_cpu_share(self);

		in->m.busy_cpus = (double)(busy - ls->cpu_busy0) / (double)(total - ls->cpu_total0) *
				  (double)sysconf(_SC_NPROCESSORS_ONLN);
		/* The profiler's own CPU is not load the server would compete with. */
		if (isfinite(self_cpus))
			in->m.busy_cpus -= self_cpus;
		if (in->m.busy_cpus < 0)
			in->m.busy_cpus = 0;
	}
	in->load.accept_queue_avg = ls->samples ? ls->queue_sum / (double)ls->samples : -1;
	in->load.accept_queue_max = ls->samples ? ls->queue_max : -1;
	in->load.connections_avg = ls->conn_samples ? ls->conn_sum / (double)ls->conn_samples : -1;
	in->load.listen_overflows = -1;
	if (ls->overflows_ok && netstat_listen_overflows(&overflows) == 0 &&
	    overflows >= ls->overflows0)
		in->load.listen_overflows = (double)(overflows - ls->overflows0);
	in->load.accepts_per_s = -1;
	for (i = 0; i < n; i++) {
		rss = proc_rss_bytes(tgids[i]);
		if (rss > 0)
			rss_sum += rss;
	}
	/* Threads share one RSS; processes each have theirs: per target process. */
	if (rss_sum > 0)
		in->worker_rss_bytes = (__u64)rss_sum / n;
}

/* Listening ports tell served clients from upstreams; a listener marks a server process. */
static int load_listeners(struct collector *c, struct ws_profile *p, bool ports)
{
	struct listen_sock *socks = NULL;
	size_t n = 0, i;
	int err;

	err = listen_socks_read(&socks, &n);
	if (err) {
		ws_err("failed to list listening sockets: %s", strerror(-err));
		return err;
	}
	for (i = 0; ports && i < n && !err; i++)
		if (socks[i].port) /* 0: a unix listener */
			err = collector_add_listen_port(c, socks[i].port);
	if (err)
		ws_warn("failed to record listening port: %s (clients may show as net)",
			strerror(-err));
	for (i = 0; i < p->n_targets; i++)
		p->targets[i].has_listener = proc_scan_sockets(p->targets[i].tgid, socks, n,
							       &p->targets[i].sockets, NULL);
	free(socks);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL); /* a signal cuts it short, which is what we want */
}

/* Note targets that died; true when all of them have. */
static bool update_target_exits(struct collector *c, struct ws_profile *p)
{
	size_t i, dead = 0;

	for (i = 0; i < p->n_targets; i++) {
		struct ws_target_info *t = &p->targets[i];

		if (!t->exited && collector_target_exited(c, t->tgid, &t->exit_ns))
			t->exited = true;
		dead += t->exited;
	}
	return dead == p->n_targets;
}

/* The window: wait for the duration, a signal, or every target's exit. */
static int run_window(struct collector *c, struct ws_profile *p, const struct ws_opts *o,
		      struct launch *child, struct load_sampler *ls, struct live *live)
{
	__u64 deadline = o->duration_s > 0 ? p->window_start_ns + (__u64)(o->duration_s * 1e9) : 0;
	int err, status;

	for (;;) {
		__u64 now = monotonic_ns();
		long wait_ms = TICK_MS;

		if (stop_signal) {
			p->interrupted = true;
			break;
		}
		if (deadline && now >= deadline)
			break;
		err = collector_drain_exits(c, p);
		if (err)
			return err;
		sample_accept_queue(c, ls);
		if (live_tick(live, c, now))
			return -EIO;
		if (update_target_exits(c, p)) {
			p->all_targets_exited = true;
			break;
		}
		if (child && launch_reap(child, &status)) {
			p->targets[0].exited = true;
			p->all_targets_exited = true;
			break;
		}
		if (deadline && (deadline - now) / 1000000 < (__u64)wait_ms)
			wait_ms = (long)((deadline - now) / 1000000) + 1;
		sleep_ms(live_wait_ms(live, now, wait_ms));
	}
	return live_finish(live, c) ? -EIO : 0;
}

int ws_run(const struct ws_opts *o)
{
	struct schedstat_snapshot snap_start = { 0 }, snap_end = { 0 };
	struct collector_opts copts = { .force_raw_tp = o->force_raw_tp,
					.stacks = o->folded_file || o->pprof_file,
					.follow_children = o->follow || o->cgroup,
					.no_bpf_stats = o->no_bpf_stats,
					.syscalls = o->syscalls,
					.max_threads = (__u32)o->max_threads };
	struct launch child = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	struct report_opts ropts = { .per_thread = o->per_thread };
	const struct ws_output_ops *out = o->json ? &ws_output_json : &ws_output_text;
	struct collector col = { 0 };
	struct load_sampler ls = { 0 };
	struct cgroup_target cg = { 0 };
	struct ws_cred cred;
	struct live live;
	pid_t *found = NULL;
	const pid_t *pids = o->pids;
	size_t n_pids = o->n_pids;
	struct ws_model_input min = { 0 };
	struct ws_overhead ovh;
	struct ws_prediction pred;
	struct ws_profile prof;
	pid_t *tgids = NULL;
	bool launched = false;
	int status = EXIT_RUNTIME, err;
	size_t i, n;

	ws_verbose = o->verbose;
	libbpf_set_print(ws_libbpf_print);
	profile_init(&prof);

	/* Output paths and targets first: usage errors whatever the privileges. */
	if ((o->folded_file && outpath_check("--folded", o->folded_file)) ||
	    (o->pprof_file && outpath_check("--pprof", o->pprof_file)) ||
	    (o->prom_file && outpath_check("--prom", o->prom_file)) ||
	    (o->ready_file && outpath_check("--ready-file", o->ready_file))) {
		status = EXIT_USAGE;
		goto cleanup;
	}
	if (o->name || o->cgroup) {
		err = o->name ? targets_by_name(o->name, &found, &n_pids)
			      : targets_by_cgroup(o->cgroup, &found, &n_pids, &cg);
		if (err) {
			status = targets_usage_error(err) ? EXIT_USAGE : EXIT_RUNTIME;
			goto cleanup;
		}
		pids = found;
		copts.cgroup_id = cg.id;
		copts.cgroup_level = cg.level;
	}
	if (o->user && cred_resolve(o->user, &cred)) {
		ws_err("no such user: %s", o->user);
		status = EXIT_USAGE;
		goto cleanup;
	}
	child.cred = o->user ? &cred : NULL;
	n = o->command ? 1 : n_pids;
	prof.targets = calloc(n, sizeof(*prof.targets));
	tgids = calloc(n, sizeof(*tgids));
	if (!prof.targets || !tgids) {
		ws_err("failed to allocate targets: %s", strerror(ENOMEM));
		goto cleanup;
	}
	prof.n_targets = n;
	for (i = 0; i < n_pids; i++) {
		if (validate_pid(pids[i], &prof.targets[i])) {
			status = EXIT_USAGE;
			goto cleanup;
		}
		tgids[i] = prof.targets[i].tgid;
	}
	if (check_btf() || check_privileges())
		goto cleanup;
	if (install_signals()) {
		ws_err("failed to install signal handlers: %s", strerror(errno));
		goto cleanup;
	}

	if (collector_load(&col, &copts))
		goto cleanup;

	if (o->command) {
		err = profile_set_command(&prof, o->command);
		if (!err)
			err = launch_prepare(&child, o->command);
		if (err) {
			ws_err("failed to start '%s': %s", o->command[0], strerror(-err));
			goto cleanup;
		}
		launched = true;
		prof.targets[0].tgid = child.pid;
		snprintf(prof.targets[0].comm, sizeof(prof.targets[0].comm), "%s",
			 strrchr(o->command[0], '/') ? strrchr(o->command[0], '/') + 1
						     : o->command[0]);
		tgids[0] = child.pid;
	}
	if (o->follow && !o->command && add_descendants(&prof, &tgids, &n))
		goto cleanup;
	/* Dedupe: two thread ids of one process map to the same tgid. */
	for (i = 0; i < n; i++)
		if (collector_add_target(&col, tgids[i]))
			goto cleanup;

	if (load_listeners(&col, &prof, true))
		goto cleanup;
	/* PID reuse: each target is still the process validated (again once exits are traced). */
	if (targets_recheck(&col, &prof))
		goto cleanup;
	if (collector_attach(&col, &prof.window_start_ns))
		goto cleanup;
	if (targets_recheck(&col, &prof))
		goto cleanup;
	prof.window_end_ns = (__u64)-1;
	if (schedstat_snapshot_take(&snap_start, tgids, n))
		ws_warn("failed to read schedstat: no cross-check");

	if (launched) {
		err = launch_release(&child);
		if (err) {
			ws_err("failed to execute '%s': %s", o->command[0], strerror(-err));
			goto cleanup;
		}
	}
	if (o->ready_file) {
		err = write_ready_file(o->ready_file, tgids[0]);
		if (err) {
			ws_err("failed to write ready file %s: %s", o->ready_file, strerror(-err));
			goto cleanup;
		}
	}

	find_target_listeners(&ls, tgids, n);
	procstat_read_cpu(&ls.cpu_busy0, &ls.cpu_total0);
	ls.overflows_ok = netstat_listen_overflows(&ls.overflows0) == 0;
	live_init(&live, o->interval_s, out, o->duration_s, prof.window_start_ns, stdout, stderr);
	if (run_window(&col, &prof, o, launched ? &child : NULL, &ls, &live))
		goto cleanup;

	prof.window_end_ns = collector_detach(&col);
	if (schedstat_snapshot_take(&snap_end, tgids, n))
		ws_warn("failed to read schedstat: no cross-check");
	/* Again at the end: a launched command opens its listener after the start. */
	if (load_listeners(&col, &prof, false))
		goto cleanup;
	if (collector_collect(&col, &prof))
		goto cleanup;
	update_target_exits(&col, &prof);
	collector_overhead(&col, &ovh);
	ropts.overhead = &ovh;
	profile_finish(&prof);
	crosscheck_compute(&prof, &snap_start, &snap_end);
	memset(&pred, 0, sizeof(pred));
	model_inputs(&min, &prof, &ls, &ovh, tgids, n);
	if (model_predict(&min, &pred) == 0 || pred.class_name)
		ropts.prediction = &pred;

	out->report(stdout, &prof, &ropts);
	if (fflush(stdout)) {
		ws_err("failed to write report: %s", strerror(errno));
		goto cleanup;
	}
	/* Before a launched command is stopped: symbols come from its live mappings. */
	if (o->folded_file && write_folded(o->folded_file, &prof))
		goto cleanup;
	if (o->pprof_file && write_pprof(o->pprof_file, &prof))
		goto cleanup;
	if (o->prom_file && write_prom(o->prom_file, &prof, ropts.prediction))
		goto cleanup;
	status = 0;

cleanup:
	if (launched && child.pid > 0)
		launch_stop(&child);
	launch_close(&child);
	collector_destroy(&col);
	schedstat_snapshot_free(&snap_start);
	schedstat_snapshot_free(&snap_end);
	free(tgids);
	free(found);
	free(ls.inodes);
	free(ls.ports);
	free((void *)min.parents);
	profile_free(&prof);
	return status;
}
