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
/*
 * target_seen[tgid & (WS_TARGET_SEEN - 1)] is 1 for every target tgid (a power of two): most
 * events of untraced tasks end at this one byte load, before the targets hash lookup.
 */
#define WS_TARGET_SEEN 4096
#define WS_MAX_THREADS 16384     /* per-thread state (hash fallback only) */
#define WS_MAX_EXITED 8192       /* exit records buffered between two drains */
#define WS_MAX_SPILL 1024        /* threads whose task storage could not be created yet */

/* Thread state machine driven by sched_switch / sched_wakeup(_new) / sched_process_exit. */
enum ws_state {
	WS_STATE_UNKNOWN = 0,
	WS_STATE_RUNNING = 1, /* on a CPU */
	WS_STATE_RUNQ = 2,    /* runnable, waiting for a CPU */
	WS_STATE_BLOCKED = 3, /* off CPU, not runnable, until a wakeup */
	WS_STATE_EXITED = 4,  /* accounted and copied to the exit records */
};

/* Why a blocked thread waits (docs/model.md has the rules). Decided when it blocks. */
enum ws_cause {
	WS_CAUSE_OTHER = 0,  /* anything else: pipes, wait4, page faults without I/O wait, ... */
	WS_CAUSE_NET = 1,    /* a connected socket that is not a served client: upstream, database */
	WS_CAUSE_DISK = 2,   /* I/O wait (in_iowait), fsync family, regular files, block devices */
	WS_CAUSE_LOCK = 3,   /* futex wait ended by a thread of a target: contention */
	WS_CAUSE_SLEEP = 4,  /* nanosleep, clock_nanosleep, pause, timerfd */
	WS_CAUSE_IDLE = 5,   /* waiting for new work: accept, a listening socket */
	WS_CAUSE_CLIENT = 6, /* a socket accepted from one of the listening ports: the client */
	WS_CAUSE_PARKED = 7, /* futex wait no target thread ended: an idle thread, not contention */
	WS_CAUSE_KINDS,
};

/* ws_thread_acct.flags */
#define WS_THREAD_BORN 0x1     /* created during the window (sched_wakeup_new) */
#define WS_THREAD_SEEDED 0x2   /* state taken from the initial task walk */
#define WS_THREAD_ANOMALY 0x4  /* saw a transition that did not fit the state machine */

/*
 * The counters every record kind shares: one thread's (ws_thread_acct), the threads of a process
 * that exited (ws_exited_totals), and the user side's sums (ws_times). Each side adds them with
 * one function (bpf/acct.bpf.h, user/model/profile.c), never field by field.
 */
#define WS_COUNTS_MEMBERS                                                                      \
	__u64 on_cpu_ns;                                                                       \
	__u64 runq_ns;                                                                         \
	__u64 blocked_ns;                                                                      \
	__u64 vol_switches;   /* switched out while blocking */                                \
	__u64 invol_switches; /* preempted while runnable */                                   \
	__u64 wakeups;        /* blocked -> runnable transitions */                            \
	__u64 handoffs;       /* futex waits ended by a dispatcher's handoff (counted idle) */ \
	__u64 set_waits;      /* blocked intervals in poll/select/epoll set waits */           \
	__u64 set_wait_ns;    /* blocked time in set waits */                                  \
	__u64 set_client_ns;  /* set-wait ns x clients in the set (/ set_wait_ns: mean) */     \
	__u64 blocked_by_cause[WS_CAUSE_KINDS] /* splits blocked_ns (enum ws_cause) */

struct ws_counts {
	WS_COUNTS_MEMBERS;
};

/*
 * Embeds struct ws_counts as member `counts` while its fields stay named directly (a->on_cpu_ns),
 * like the kernel's struct_group(): the add functions take &x->counts, readers keep their names.
 */
#define WS_COUNTS_GROUP                    \
	union {                            \
		struct {                   \
			WS_COUNTS_MEMBERS; \
		};                         \
		struct ws_counts counts;   \
	}

/* Per-thread accounting, kept in task storage (or a tid hash in raw_tp fallback mode). */
struct ws_thread_acct {
	__u64 ts;             /* time of the last state transition (CLOCK_MONOTONIC ns) */
	__u64 first_ns;       /* when this thread's accounting began */
	WS_COUNTS_GROUP;
	__u32 state;          /* enum ws_state */
	__u32 flags;          /* WS_THREAD_* */
	/* --syscalls only: the syscall in progress (0 = none) and when it began, for its latency */
	__u64 sc_enter_ns;
	__u32 sc_nr_plus1;
	/* why the current block waits: decided at switch-out from the saved user registers */
	__u32 block_cause;    /* enum ws_cause */
	__u32 block_nr_plus1; /* syscall the thread blocked in, 0 = none */
	__u16 block_lport;    /* TCP/UDP ports of the socket it blocked on, host order */
	__u16 block_rport;
	__u32 tgid;
	__s32 block_ustack;   /* stack ids of the current block (--folded), -1 none */
	__s32 block_kstack;
	__u32 work_cause;     /* cause of its last wait that was not a futex: WS_CAUSE_IDLE or
			       * _CLIENT when it last waited for new work (a dispatcher) */
	__u64 block_key;      /* futex address the thread blocked on, 0 none */
	__u32 tid;            /* the thread: its off-CPU stacks are keyed by it (--pprof tid) */
	/* the current wait's set (poll/select/epoll, bpf/waitset.bpf.h); totals are in counts */
	__u32 block_set;       /* 0: not a set wait; else 1 + the fds classified in its set */
	__u32 block_clients;   /* client connections in the current wait's set */
	__u32 set_clients_max; /* most client connections one wait multiplexed */
	__u32 work_clients;    /* client connections in the set of its last non-futex wait */
	__u32 pad;
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
	WS_COUNTS_GROUP;
	__u64 lifetime_ns; /* sum of each thread's time inside the window */
	__u64 threads;
};

/* Per-syscall statistics of target threads (key: syscall number). */
struct ws_syscall_stat {
	__u64 count;      /* --syscalls: completed calls */
	__u64 total_ns;   /* --syscalls: sum of latencies, sys_enter to sys_exit */
	__u64 blocked_ns; /* blocked time inside this syscall */
	__u64 waits;      /* blocked intervals inside this syscall (always measured) */
	__u64 lat_slots[WS_HIST_SLOTS];  /* --syscalls: call latency, log2(ns) */
	__u64 wait_slots[WS_HIST_SLOTS]; /* blocked intervals, log2(ns) */
};

/* Blocked time per socket peer (key: ports of the socket the thread blocked on). */
struct ws_peer_key {
	__u16 lport;
	__u16 rport;
	__u32 cause; /* WS_CAUSE_NET or WS_CAUSE_CLIENT */
};

struct ws_peer_stat {
	__u64 blocked_ns;
	__u64 waits;
};

/* Off-CPU time per (process, thread, user stack, kernel stack, cause): --folded, --pprof. */
struct ws_offcpu_key {
	__u32 tgid;
	__u32 tid;
	__s32 ustack;
	__s32 kstack;
	__u32 cause;
};

/* On-CPU samples per (process, thread, user stack, kernel stack): --folded, --pprof. */
struct ws_oncpu_key {
	__u32 tgid;
	__u32 tid;
	__s32 ustack;
	__s32 kstack;
};

/* Blocked time per futex address (lock waits): the most contended locks. */
struct ws_futex_key {
	__u64 uaddr;
	__u32 tgid;
	__u32 pad;
};

#define WS_MAX_STACK_DEPTH 127
#define WS_MAX_STACKS 16384
#define WS_MAX_OFFCPU 16384
#define WS_MAX_ONCPU 16384
#define WS_ONCPU_HZ 99 /* on-CPU sampling rate: 99, not 100, to avoid lockstep with timers */
#define WS_MAX_FUTEXES 1024
#define WS_MAX_SYSCALLS 512
#define WS_MAX_PEERS 1024
#define WS_MAX_LISTEN_PORTS 1024

enum ws_hist_kind {
	WS_HIST_RUNQ = 0,    /* run-queue wait intervals */
	WS_HIST_BLOCKED = 1, /* blocked intervals */
	WS_HIST_KINDS,
};

struct ws_hists {
	__u64 slots[WS_HIST_KINDS][WS_HIST_SLOTS];
	__u64 sum_ns[WS_HIST_KINDS]; /* sum of the intervals counted in slots (Prometheus _sum) */
};

/* Things the kernel side could not record. Every one is reported. */
enum ws_drop {
	WS_DROP_STORAGE = 0,  /* an event found no per-thread state and could not create it: the
			       * transition is lost (time stays whole, see anomalies) */
	WS_DROP_EXIT_RECORD,  /* exit record map full: thread missing from the per-thread table */
	WS_DROP_EXIT_TOTALS,  /* exited-totals map full: totals incomplete */
	WS_DROP_TARGET_FULL,  /* followed child not added: targets map full */
	WS_DROP_PEERS,        /* peers map full: a socket's blocked time not listed by peer */
	WS_DROP_SYSCALLS,     /* syscalls map full: a syscall not listed */
	WS_DROP_STACKS,       /* stack not captured (stack map full, or no user stack) */
	WS_DROP_OFFCPU,       /* off-CPU stack map full: blocked time missing from --folded */
	WS_DROP_FUTEXES,      /* futex map full: lock wait not listed by address */
	WS_DROP_ONCPU,        /* on-CPU stack map full: a sample missing from --folded/--pprof */
	WS_DROP_UNTRACKED_EXIT, /* a target thread exited without state: its time is missing */
	WS_DROP_WAITSET,      /* a poll/select/epoll set could not be read: the wait is `other` */
	WS_DROP_KINDS,
};

/*
 * Transitions that did not fit the state machine, by the state the thread was found in. The
 * time is still accounted (to that state), and the thread takes the new state.
 */
enum ws_anomaly {
	WS_ANOMALY_SEED_RACE = 0, /* contradicted the state the seeding walk read (the walk caught
				   * the thread between two of its events) */
	WS_ANOMALY_WAKEUP_UNSEEN,  /* switch-in of a thread last seen blocking: no sched_waking or
				    * sched_wakeup reached the programs for its wakeup */
	WS_ANOMALY_SWITCH_IN_UNSEEN, /* switch-out of a thread last seen runnable, not running */
	WS_ANOMALY_SWITCH_OUT_UNSEEN, /* switch-in of a running thread, switch-out of a blocked one */
	WS_ANOMALY_KINDS,
};

struct ws_counters {
	__u64 drops[WS_DROP_KINDS];
	__u64 anomalies;   /* transitions that did not fit the state machine */
	__u64 anomaly_kinds[WS_ANOMALY_KINDS]; /* the same, by enum ws_anomaly */
	__u64 forks;       /* threads/processes created by targets in the window */
	__u64 events;      /* target events handled */
	__u64 set_waits;   /* poll/select/epoll waits whose set was read */
	__u64 set_truncated; /* of those, sets with more fds than WS_WAITSET_FDS: the rest unread */
};

#ifdef __cplusplus
#define WS_STATIC_ASSERT static_assert
#else
#define WS_STATIC_ASSERT _Static_assert
#endif
/* Both sides must see identical layouts. */
WS_STATIC_ASSERT(sizeof(struct ws_counts) == 8 * (10 + WS_CAUSE_KINDS), "ws_counts layout");
WS_STATIC_ASSERT(sizeof(struct ws_thread_acct) == 240, "ws_thread_acct layout");
WS_STATIC_ASSERT(sizeof(struct ws_thread_record) == 288, "ws_thread_record layout");
WS_STATIC_ASSERT(sizeof(struct ws_syscall_stat) == 8 * (4 + 2 * WS_HIST_SLOTS), "syscall layout");
WS_STATIC_ASSERT(sizeof(struct ws_peer_key) == 8, "ws_peer_key layout");
WS_STATIC_ASSERT(sizeof(struct ws_target) == 16, "ws_target layout");
WS_STATIC_ASSERT(sizeof(struct ws_exited_totals) == sizeof(struct ws_counts) + 16,
		 "ws_exited_totals layout");
WS_STATIC_ASSERT(sizeof(struct ws_hists) == 8 * WS_HIST_KINDS * (WS_HIST_SLOTS + 1),
		 "ws_hists layout");
WS_STATIC_ASSERT(sizeof(struct ws_offcpu_key) == 20, "ws_offcpu_key layout");
WS_STATIC_ASSERT(sizeof(struct ws_oncpu_key) == 16, "ws_oncpu_key layout");

#endif /* WAITSCOPE_H */
