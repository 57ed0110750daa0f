// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The load sampler: /proc, sock_diag and cgroup facts for the async model, gathered as data. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/cpulimit.h"
#include "host/load_sampler.h"
#include "host/netstat.h"
#include "host/runnable.h"
#include "host/sockdiag.h"
#include "util/log.h"

/* Remember which listening sockets the targets own, for sampling their accept queues. */
static void find_target_listeners(struct load_sampler *ls, const pid_t *tgids, size_t n)
{
	struct listen_sock *socks = NULL;
	size_t ns = 0, i, t;
	bool *owned;

	if (listen_socks_read(&socks, &ns))
		return;
	owned = calloc(ns ? ns : 1, sizeof(*owned));
	ls->inodes = calloc(ns ? ns : 1, sizeof(*ls->inodes));
	if (owned && ls->inodes) {
		for (t = 0; t < n; t++)
			proc_scan_sockets(tgids[t], socks, ns, NULL, owned);
		for (i = 0; i < ns; i++)
			if (owned[i])
				ls->inodes[ls->n_inodes++] = socks[i].inode;
	}
	free(owned);
	free(socks);
}

void load_sampler_start(struct load_sampler *ls, const pid_t *tgids, size_t n,
			held_conns_fn held_conns, void *ctx)
{
	ls->tgids = tgids;
	ls->n_tgids = n;
	ls->held_conns = held_conns;
	ls->ctx = ctx;
	find_target_listeners(ls, tgids, n);
	procstat_read_cpu(&ls->obs.cpu_busy0, &ls->obs.cpu_total0);
	ls->obs.overflows_ok = netstat_listen_overflows(&ls->obs.overflows0) == 0;
}

/* Runnable tasks, the accept queues of the targets' listeners and their client connections. */
void load_sampler_tick(struct load_sampler *ls)
{
	struct ws_host_obs *o = &ls->obs;
	struct listen_sock *socks = NULL;
	size_t n = 0, i, j;
	double q = 0, held = 0;
	unsigned long fds, runnable;

	if (runnable_read(&runnable) == 0) {
		o->runnable_sum += (double)runnable;
		o->runnable_samples++;
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
	o->queue_sum += q;
	if (q > o->queue_max)
		o->queue_max = q;
	o->queue_samples++;
	/* Clients accepted and held by the targets (their fds, walked in the kernel), plus those
	 * still waiting in the accept queues. */
	for (i = 0; i < ls->n_tgids; i++) {
		int err = ls->held_conns(ls->ctx, ls->tgids[i], &fds);

		if (err) { /* the process exited: this tick has no count */
			ws_debug("client connections of %d not counted: %s", ls->tgids[i],
				 strerror(-err));
			return;
		}
		held += (double)fds;
	}
	o->conn_sum += held + q;
	o->conn_samples++;
}

static int usable_cpus(pid_t pid)
{
	cpu_set_t set;

	if (sched_getaffinity(pid, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Parents of the profiled processes still alive: the model tells masters from workers. */
static void read_parents(struct ws_host_obs *o, const struct ws_profile *p)
{
	__u32 *tgids = NULL;
	size_t i, n_tgids = profile_tgids(p, &tgids);
	struct proc_stat st;

	o->parents = calloc(n_tgids ? n_tgids : 1, sizeof(*o->parents));
	o->n_parents = 0;
	for (i = 0; o->parents && i < n_tgids; i++) {
		if (proc_stat_read((pid_t)tgids[i], &st))
			continue;
		o->parents[o->n_parents].tgid = tgids[i];
		o->parents[o->n_parents].ppid = (__u32)st.ppid;
		o->n_parents++;
	}
	free(tgids);
}

void load_sampler_finish(struct load_sampler *ls, const struct ws_profile *p)
{
	struct ws_host_obs *o = &ls->obs;
	size_t i;
	long rss;

	read_parents(o, p);
	o->cpus = usable_cpus(ls->tgids[0]);
	o->cpu_quota = cpulimit_of_pid(ls->tgids[0]);
	o->cpu_ok = procstat_read_cpu(&o->cpu_busy1, &o->cpu_total1) == 0;
	o->online_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (o->overflows_ok)
		o->overflows_ok = netstat_listen_overflows(&o->overflows1) == 0;
	o->rss_sum = 0;
	for (i = 0; i < ls->n_tgids; i++) {
		rss = proc_rss_bytes(ls->tgids[i]);
		if (rss > 0)
			o->rss_sum += (__u64)rss;
	}
	o->n_procs = ls->n_tgids;
}

void load_sampler_free(struct load_sampler *ls)
{
	free(ls->inodes);
	free(ls->obs.parents);
	memset(ls, 0, sizeof(*ls));
}

/* Listening ports tell served clients from upstreams; a listener marks a server process. */
int listeners_scan(struct ws_target_info *targets, size_t n, struct listen_sock **socks,
		   size_t *n_socks)
{
	size_t i;
	int err;

	*socks = NULL;
	*n_socks = 0;
	err = listen_socks_read(socks, n_socks);
	if (err) {
		ws_err("failed to list listening sockets: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++)
		targets[i].has_listener = proc_scan_sockets(targets[i].tgid, *socks, *n_socks,
							    &targets[i].sockets, NULL);
	return 0;
}
