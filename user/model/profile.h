/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The measured profile of one window, in plain structs. Pure: no BPF, no /proc.
 * The collector fills it from kernel records; reports and the model read it.
 */
#ifndef WS_PROFILE_H
#define WS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "waitscope.h"

/* Time and switch counters of one thread, or summed over many. */
struct ws_times {
	WS_COUNTS_GROUP;   /* on_cpu_ns ... blocked_by_cause[], as the kernel records them */
	__u64 observed_ns; /* time the thread(s) existed inside the window, from the kernel's clock */
};

struct ws_syscall {
	__u32 nr;
	struct ws_syscall_stat s;
};

struct ws_futex {
	struct ws_futex_key key;
	struct ws_peer_stat s;
};

/*
 * One stack with its time (--folded, --pprof). ips innermost first, as the kernel gives. Off-CPU:
 * blocked time and its cause. On-CPU: samples x the sampling period, cause unused.
 */
struct ws_offcpu_stack {
	__u32 tgid;
	__u32 tid;   /* the thread (pprof label tid); the folded file sums a process's threads */
	__u32 cause;
	__u64 ns;
	__u32 n_user;
	__u32 n_kernel;
	__u64 user[WS_MAX_STACK_DEPTH];
	__u64 kernel[WS_MAX_STACK_DEPTH];
};

struct ws_peer {
	struct ws_peer_key key;
	struct ws_peer_stat s;
};

struct ws_thread {
	__u32 tid;
	__u32 tgid;
	char comm[WS_COMM_LEN];
	struct ws_times t;
	bool exited; /* exited during the window */
	bool born;   /* created during the window */
	bool untracked; /* alive, but its state could not be created (per-thread map full) */
	bool event_loop; /* waits mostly in poll/select/epoll for many sockets: an event loop */
	__u64 poll_ns;   /* blocked in poll/select/epoll set waits (t.set_wait_ns) */
	__u32 set_clients_max; /* most client connections one set wait multiplexed */
	/* Blocked when the window ended: the kernel charges a syscall's blocked time at wakeup,
	 * so this still-open part is added to that syscall by profile_finish(). */
	__u32 open_block_nr_plus1;
	__u64 open_blocked_ns;
	struct ws_peer_key open_peer; /* its socket peer, keyed like the kernel's; zero ports: none */
};

struct ws_target_info {
	pid_t tgid;
	char comm[WS_COMM_LEN];
	bool exited;        /* the whole process exited during the window */
	bool has_listener;  /* owns a listening TCP socket: poll/epoll waits count as idle */
	unsigned int sockets; /* sockets it holds at the end of the window */
	__u64 exit_ns;      /* CLOCK_MONOTONIC ns, when exited */
	unsigned long long start_ticks; /* /proc/PID/stat starttime at validation; 0 unknown */
};

/*
 * The kernel's own accounting over the same window (/proc/PID/task/TID/schedstat deltas), for the
 * threads alive at both ends of the window, next to what the BPF side measured for those threads.
 */
struct ws_crosscheck {
	bool valid;
	__u32 threads;
	__u64 bpf_on_cpu_ns;
	__u64 bpf_runq_ns;
	__u64 kernel_on_cpu_ns;    /* schedstat field 1 delta */
	__u64 kernel_run_delay_ns; /* schedstat field 2 delta */
};

struct ws_profile {
	/* what was profiled */
	struct ws_target_info *targets;
	size_t n_targets;
	char *command;              /* "-- COMMAND" mode: the command line, else NULL */

	/* the window, CLOCK_MONOTONIC ns */
	__u64 window_start_ns;
	__u64 window_end_ns;
	bool interrupted;           /* ended early by a signal */
	bool all_targets_exited;    /* ended early because every target exited */

	/* threads with a record (live at the end, or exited with an exit record) */
	struct ws_thread *threads;
	size_t n_threads;
	size_t cap_threads;

	/* Threads that exited but whose exit record was dropped: only their sums are known. */
	struct ws_times unlisted;
	__u64 unlisted_threads;

	/* derived by profile_finish() */
	struct ws_times totals;     /* listed threads + unlisted */
	__u64 n_threads_total;      /* listed + unlisted */
	double coverage;            /* accounted / observed, 1.0 = complete */
	__u64 untracked_threads;    /* live threads without state because a create failed (drop) */

	struct ws_hists hists;
	struct ws_counters counters;
	struct ws_crosscheck crosscheck;

	/* wait causes */
	struct ws_syscall *syscalls; /* sorted by blocked_ns, then count */
	size_t n_syscalls;
	struct ws_peer *peers;       /* sorted by blocked_ns */
	size_t n_peers;
	__u64 poll_ns;               /* blocked in poll/select/epoll set waits, all threads */
	__u64 idle_lock_ns;          /* futex waits counted idle: their process did no work */
	struct ws_futex *futexes;    /* sorted by blocked_ns */
	size_t n_futexes;
	struct ws_offcpu_stack *offcpu; /* --folded/--pprof only */
	size_t n_offcpu;
	struct ws_offcpu_stack *oncpu;  /* --folded/--pprof only: sampled on-CPU stacks */
	size_t n_oncpu;
	__u64 oncpu_samples;            /* samples in oncpu */
	__u64 oncpu_period_ns;          /* time one sample stands for; 0 when not sampled */
	const char *attach_mode;    /* "tp_btf" or "raw_tp" */
	bool syscalls_traced;       /* --syscalls: syscalls[].s.count, total_ns, lat_slots valid */
};

/*
 * A futex wait is lock contention only while another thread holds the lock and works. In a
 * process whose threads did (almost) no work in the window (on-CPU, run-queue, net, disk and
 * client time together under 1/WS_IDLE_LOCK_RATIO of its futex waits) while one of them waited
 * for new work (idle), the futex waits are a pool waiting for work: idle, not lock.
 */
#define WS_IDLE_LOCK_RATIO 100

void profile_init(struct ws_profile *p);
/* Free what the profile owns (threads, targets, command: all malloc'ed), and reset it. */
void profile_free(struct ws_profile *p);

/* Append a target process (comm may be NULL). Returns 0, or -ENOMEM. */
int profile_add_target(struct ws_profile *p, pid_t tgid, const char *comm);
/* Set command to argv (NULL-terminated) joined with spaces. Returns 0, or -ENOMEM. */
int profile_set_command(struct ws_profile *p, char *const *argv);

/*
 * Turn one kernel record into a thread of the profile: close the interval still open at the
 * record's snapshot (capped at the window end) into the state the thread was in, and compute
 * the time the thread existed inside the window from its kernel start time and exit.
 * A record with a tid already present replaces it (a later snapshot or the exit record wins);
 * a live record never replaces an exit record. window_start_ns must be set; window_end_ns is
 * used for live records only, so exit records may be added while the window is still open.
 * Returns 0, or -ENOMEM.
 */
int profile_add_record(struct ws_profile *p, const struct ws_thread_record *r);

/* Accounted time of a record once its open interval is closed; exposed for tests. */
void ws_times_from_record(const struct ws_thread_record *r, __u64 window_start_ns,
			  __u64 window_end_ns, struct ws_times *out);

/* The one add and one subtract of the shared counters: sum += c; d = a - b, floored at 0 per
 * counter (counters only grow, but two maps read one after the other may disagree briefly). */
void ws_counts_add(struct ws_counts *sum, const struct ws_counts *c);
void ws_counts_sub(struct ws_counts *d, const struct ws_counts *a, const struct ws_counts *b);
void ws_times_add(struct ws_times *sum, const struct ws_times *t);
/* d = a - b, floored at 0 per counter (observed_ns too). */
void ws_times_sub(struct ws_times *d, const struct ws_times *a, const struct ws_times *b);
/* Add the totals of a process's exited threads (an exited_totals entry): counters and lifetime. */
void ws_times_add_exited(struct ws_times *sum, const struct ws_exited_totals *e);
__u64 ws_times_accounted(const struct ws_times *t); /* on_cpu + runq + blocked */
/* accounted / observed; 1.0 when nothing was observed */
double ws_times_coverage(const struct ws_times *t);
/* num / den as a double; NaN when den is 0 (reports print NaN as null or "n/a") */
double ws_ratio(__u64 num, __u64 den);

/*
 * The exited threads whose exit records were dropped: exited (the kernel's exited totals of all
 * targets, ws_times_add_exited) minus the listed exit records, and their count (threads exited
 * minus listed). Call after every exit record is added.
 */
void profile_set_unlisted(struct ws_profile *p, const struct ws_times *exited, __u64 threads);

/* Compute totals, thread count and coverage. Call once after all records are added. */
void profile_finish(struct ws_profile *p);

/* Sockets a process must hold for a thread waiting mostly in poll/epoll to be an event loop. */
#define WS_EVENT_LOOP_SOCKETS 3

/* Fold poll/select/epoll time into idle or net, per thread (profile_finish calls it first). */
void profile_resolve_poll(struct ws_profile *p);
/*
 * The distinct processes of the listed threads, in order of first appearance, into a malloc'ed
 * *tgids (caller frees). Returns their count; 0 with *tgids NULL when out of memory or empty.
 */
size_t profile_tgids(const struct ws_profile *p, __u32 **tgids);

/* qsort order of peers: most blocked time first. */
int ws_peer_cmp(const void *a, const void *b);
/* qsort order of syscalls: most blocked time first, then most calls. */
int ws_syscall_cmp(const void *a, const void *b);
/* Add threads' still-open blocked time to their syscalls (appending a syscall not seen yet). */
int profile_add_open_blocks(struct ws_profile *p);
void profile_resolve_idle_locks(struct ws_profile *p);

const char *ws_cause_name(int cause);
/* x86_64 syscall name, or NULL when not in the table. */
const char *ws_syscall_name(__u32 nr);

double profile_window_s(const struct ws_profile *p);

/* Sort threads by on-CPU + run-queue + blocked, biggest first (for the -T table). */
void profile_sort_threads(struct ws_profile *p);
/*
 * The same order without touching p: a malloc'ed array of n_threads pointers into p->threads,
 * freed by the caller. NULL when out of memory.
 */
const struct ws_thread **profile_sorted_threads(const struct ws_profile *p);

/* Why the window ended: "signal", "targets-exited" or "duration" (signal wins if both are set). */
const char *profile_ended_by(const struct ws_profile *p);
/* Sum of all drop counters. */
__u64 profile_drops_total(const struct ws_profile *p);
/*
 * Is the time accounting whole? False when a thread went untracked or per-thread state, exit
 * records, exited totals or followed children were dropped. Drops of listings only (peers,
 * syscalls, stacks, locks) leave the times whole and are reported on their own.
 */
bool profile_complete(const struct ws_profile *p);

#endif /* WS_PROFILE_H */
