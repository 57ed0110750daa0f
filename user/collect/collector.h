/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The BPF-facing shell: loads and attaches the kernel side, and fills a ws_profile from it. */
#ifndef WS_COLLECTOR_H
#define WS_COLLECTOR_H

#include <stdbool.h>
#include <sys/types.h>
#include "model/interval.h"
#include "collect/overhead.h"
#include "model/profile.h"
#include "model/series.h"

struct waitscope_bpf;

struct collector_opts {
	bool force_raw_tp; /* skip tp_btf, load the raw_tp programs */
	bool follow_children;
	bool stacks;       /* collect off- and on-CPU stacks (--folded, --pprof) */
	__u64 cgroup_id;   /* -c: tasks moved into this cgroup during the window become targets */
	__u32 cgroup_level;
	bool no_bpf_stats; /* leave BPF run-time stats off for the window */
	bool syscalls;     /* --syscalls: attach sys_enter/sys_exit (per-call counts, latency) */
	__u32 max_threads; /* --max-threads: per-thread state and exit records; 0 = defaults */
};

struct collector {
	struct waitscope_bpf *skel;
	bool raw_tp;   /* the raw_tp fallback is in use */
	int ncpus;     /* possible CPUs: size of per-CPU map values */
	bool attached;
	bool stacks;
	/* with stacks: one cpu-clock perf event per online CPU; each link owns its perf fd */
	struct bpf_link **perf_links;
	int n_perf;
	bool no_bpf_stats;
	bool syscalls;
	bool stats_on; /* stats_fd holds BPF run-time stats on for the window */
	int stats_fd;
	struct ws_overhead_snapshot ov_start, ov_end;
};

/* Open and load the BPF object, falling back to raw_tp when tp_btf does not load. */
int collector_load(struct collector *c, const struct collector_opts *o);
int collector_add_target(struct collector *c, pid_t tgid);
/* A local TCP port in LISTEN state: sockets on it are served clients. */
int collector_add_listen_port(struct collector *c, __u16 port);
/* TCP connections on a local listening port, established, held by process tgid: its clients. */
int collector_client_fds(struct collector *c, pid_t tgid, unsigned long *count);
/* Start the window: record its start, attach the tracepoints, seed the existing threads. */
int collector_attach(struct collector *c, __u64 *window_start_ns);
/* Move exit records from the kernel into the profile; call periodically while attached. */
int collector_drain_exits(struct collector *c, struct ws_profile *p);
/* Has the whole process tgid exited during the window? */
bool collector_target_exited(struct collector *c, pid_t tgid, __u64 *exit_ns);
/* End the window: detach the tracepoints (iterators stay usable); returns the end time. */
__u64 collector_detach(struct collector *c);
/* Read live threads, remaining exit records, exited totals, histograms and counters. */
int collector_collect(struct collector *c, struct ws_profile *p);
/* The profiler's own cost over the window (call after collector_detach). */
void collector_overhead(struct collector *c, struct ws_overhead *o);
void collector_destroy(struct collector *c);
/* Take tgid out of the targets (it exited, or its PID now names another process). */
int collector_remove_target(struct collector *c, pid_t tgid);
/* Cumulative totals now (exited + live threads), for -i interval deltas; while attached. */
int collector_snapshot(struct collector *c, __u64 window_start_ns, struct ws_snapshot *s);
/* Target events handled so far (0 if the counters cannot be read). */
__u64 collector_events(struct collector *c);

/*
 * Agent mode. Every target process the kernel side knows (the targets map: resolved and
 * followed), with its totals since it became a target: exited threads plus live ones. *out is
 * malloc'ed (caller frees). 0 or -errno.
 */
int collector_proc_snapshots(struct collector *c, __u64 window_start_ns,
			     struct ws_proc_snapshot **out, size_t *n);
/* Drop a dead target and its exited totals (the accumulator has taken its last step). */
int collector_retire_target(struct collector *c, pid_t tgid);
/* Give the threads of targets added while attached a state now (the attach-time seeding). */
int collector_seed(struct collector *c);
/* The kernel's histograms and counters, cumulative since the load. */
int collector_kernel_totals(struct collector *c, struct ws_hists *h, struct ws_counters *cnt);

__u64 monotonic_ns(void);

#endif /* WS_COLLECTOR_H */
