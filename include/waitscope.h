/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between bpf/waitscope.bpf.c and the collector in user/.
 * Every struct, enum and constant both sides share lives here, and nowhere else.
 * Compiles alone: in BPF code after vmlinux.h, in user code with <linux/types.h>.
 */
#ifndef WAITSCOPE_H
#define WAITSCOPE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define WS_COMM_LEN 16
#define WS_HIST_SLOTS 40 /* log2(ns) slots: slot 39 holds >= 2^39 ns (~9 min) */

/* Default map capacities; the collector may lower them (-m) to test the overflow paths. */
#define WS_MAX_TARGETS 1024
#define WS_MAX_THREADS 16384     /* per-thread state (hash fallback only) */
#define WS_MAX_EXITED 8192       /* exit records buffered between two drains */

/* Thread state machine driven by sched_switch / sched_wakeup(_new) / sched_process_exit. */
enum ws_state {
	WS_STATE_UNKNOWN = 0,
	WS_STATE_RUNNING = 1, /* on a CPU */
	WS_STATE_RUNQ = 2,    /* runnable, waiting for a CPU */
	WS_STATE_BLOCKED = 3, /* off CPU, not runnable, until a wakeup */
	WS_STATE_EXITED = 4,  /* accounted and copied to the exit records */
};

/* ws_thread_acct.flags */
#define WS_THREAD_BORN 0x1     /* created during the window (sched_wakeup_new) */
#define WS_THREAD_SEEDED 0x2   /* state taken from the initial task walk */
#define WS_THREAD_ANOMALY 0x4  /* saw a transition that did not fit the state machine */

/* Per-thread accounting, kept in task storage (or a tid hash in raw_tp fallback mode). */
struct ws_thread_acct {
	__u64 ts;             /* time of the last state transition (CLOCK_MONOTONIC ns) */
	__u64 first_ns;       /* when this thread's accounting began */
	__u64 on_cpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
	__u64 vol_switches;   /* switched out while blocking */
	__u64 invol_switches; /* preempted while runnable */
	__u64 wakeups;        /* blocked -> runnable transitions */
	__u32 state;          /* enum ws_state */
	__u32 flags;          /* WS_THREAD_* */
};

/* One thread as reported to user space: by the task iterator (live) or at exit. */
struct ws_thread_record {
	struct ws_thread_acct acct;
	__u64 start_time_ns; /* task->start_time: when the thread was created */
	__u64 snap_ns;       /* when this record was taken; open intervals run until here */
	__u32 tid;
	__u32 tgid;
	__u32 exited;        /* 1: exit record (acct closed at snap_ns) */
	__u32 pad;
	char comm[WS_COMM_LEN];
};

/* Value of the targets map (key: tgid). Written by the exit handler when the group dies. */
struct ws_target {
	__u64 exit_ns;    /* 0 while alive */
	__u32 threads_exited;
	__u32 group_dead;
};

/* Totals of threads that exited, per tgid: complete even when exit records are dropped. */
struct ws_exited_totals {
	__u64 on_cpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
	__u64 vol_switches;
	__u64 invol_switches;
	__u64 wakeups;
	__u64 lifetime_ns; /* sum of each thread's time inside the window */
	__u64 threads;
};

enum ws_hist_kind {
	WS_HIST_RUNQ = 0,    /* run-queue wait intervals */
	WS_HIST_BLOCKED = 1, /* blocked intervals */
	WS_HIST_KINDS,
};

struct ws_hists {
	__u64 slots[WS_HIST_KINDS][WS_HIST_SLOTS];
};

/* Things the kernel side could not record. Every one is reported. */
enum ws_drop {
	WS_DROP_STORAGE = 0,  /* per-thread state could not be created: thread not accounted */
	WS_DROP_EXIT_RECORD,  /* exit record map full: thread missing from the per-thread table */
	WS_DROP_EXIT_TOTALS,  /* exited-totals map full: totals incomplete */
	WS_DROP_TARGET_FULL,  /* followed child not added: targets map full */
	WS_DROP_KINDS,
};

struct ws_counters {
	__u64 drops[WS_DROP_KINDS];
	__u64 anomalies;   /* transitions that did not fit the state machine */
	__u64 forks;       /* threads/processes created by targets in the window */
	__u64 events;      /* target events handled */
};

#ifdef __cplusplus
#define WS_STATIC_ASSERT static_assert
#else
#define WS_STATIC_ASSERT _Static_assert
#endif
/* Both sides must see identical layouts. */
WS_STATIC_ASSERT(sizeof(struct ws_thread_acct) == 72, "ws_thread_acct layout");
WS_STATIC_ASSERT(sizeof(struct ws_thread_record) == 120, "ws_thread_record layout");
WS_STATIC_ASSERT(sizeof(struct ws_target) == 16, "ws_target layout");
WS_STATIC_ASSERT(sizeof(struct ws_exited_totals) == 64, "ws_exited_totals layout");
WS_STATIC_ASSERT(sizeof(struct ws_hists) == 8 * WS_HIST_KINDS * WS_HIST_SLOTS, "ws_hists layout");

#endif /* WAITSCOPE_H */
