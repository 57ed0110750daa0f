/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The profiler's own cost over the window: BPF run time per event per program (from the
 * kernel's BPF run-time stats) and the user-space CPU time and memory of waitscope itself.
 * Pure: the collector fills two snapshots, everything else here is arithmetic; user/report/
 * prints the result.
 */
#ifndef WS_OVERHEAD_H
#define WS_OVERHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define WS_OVERHEAD_MAX_PROGS 24
#define WS_OVERHEAD_NAME_LEN 32

/* Cumulative counters of one BPF program, as bpf_prog_info gives them. */
struct ws_prog_stat {
	char name[WS_OVERHEAD_NAME_LEN]; /* the program's name in the object (e.g. tp_sched_switch) */
	__u64 run_cnt;
	__u64 run_time_ns;
};

/* Everything read at one end of the window. */
struct ws_overhead_snapshot {
	struct ws_prog_stat progs[WS_OVERHEAD_MAX_PROGS];
	size_t n_progs;
	__u64 cpu_ns;  /* the profiler's user + system CPU time so far */
	__u64 wall_ns; /* CLOCK_MONOTONIC */
};

struct ws_prog_cost {
	char name[WS_OVERHEAD_NAME_LEN]; /* display name: the tracepoint (sched_switch, sys_enter) */
	__u64 events;                    /* handler runs in the window, on any task */
	__u64 run_ns;                    /* BPF run time of those runs */
};

struct ws_overhead {
	bool bpf_stats; /* run-time stats were on for the window: events and run times are known */
	__u64 events;   /* handler runs, all programs */
	__u64 run_ns;   /* BPF run time, all programs */
	struct ws_prog_cost progs[WS_OVERHEAD_MAX_PROGS];
	size_t n_progs;
	__u64 cpu_ns;    /* the profiler's own CPU time over the window */
	__u64 wall_ns;   /* the window's length */
	__u64 rss_bytes; /* the profiler's maximum resident set size; 0 if unknown */
};

/*
 * The display name of a program: "tp_"/"raw_" prefixes dropped, the syscall handlers named after
 * their tracepoints (sc_enter -> sys_enter). Writes into buf and returns it.
 */
const char *overhead_prog_name(const char *prog, char *buf, size_t size);

/*
 * Differences between two snapshots, programs matched by name (a program missing from before
 * counts from zero). bpf_stats false leaves events and run times zero.
 */
void overhead_compute(struct ws_overhead *o, const struct ws_overhead_snapshot *before,
		      const struct ws_overhead_snapshot *after, bool bpf_stats, __u64 rss_bytes);

/* run_ns / events; NaN when there were no events. */
double overhead_ns_per_event(__u64 run_ns, __u64 events);
/* The profiler's CPU time as a share of one core over the window; NaN for an empty window. */
double overhead_cpu_share(const struct ws_overhead *o);

#endif /* WS_OVERHEAD_H */
