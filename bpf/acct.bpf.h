/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The per-thread state machine (enum ws_state), driven by scheduler tracepoints:
 *   RUNNING --switch out, preempted or still runnable--> RUNQ  (involuntary switch)
 *   RUNNING --switch out, not runnable-----------------> BLOCKED (voluntary switch)
 *   BLOCKED --sched_wakeup-----------------------------> RUNQ
 *   RUNQ    --switch in--------------------------------> RUNNING
 *   (any)   --sched_process_exit-----------------------> EXITED (exit record emitted)
 * Each transition adds (now - ts) to the bucket of the state being left, so the buckets of a
 * thread always sum to the time since its accounting began.
 */
#ifndef WS_ACCT_BPF_H
#define WS_ACCT_BPF_H

#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"
#include "ws_classify.h"

/* Task fields, read as typed_tasks() allows: a plain load, or a CO-RE probe read (raw_tp). */
static __always_inline __u32 task_tgid(struct task_struct *task)
{
	return typed_tasks() ? task->tgid : BPF_CORE_READ(task, tgid);
}

static __always_inline __u32 task_tid(struct task_struct *task)
{
	return typed_tasks() ? task->pid : BPF_CORE_READ(task, pid);
}

static __always_inline __u64 task_start_time(struct task_struct *task)
{
	return typed_tasks() ? task->start_time : BPF_CORE_READ(task, start_time);
}

/* The spilled state of a thread (see acct_spill), NULL when it has none. */
static __always_inline struct ws_thread_acct *spill_find(__u32 tid)
{
	return spill_live ? bpf_map_lookup_elem(&acct_spill, &tid) : NULL;
}

/* A thread's storage could not be created: keep its state in the spill hash meanwhile. */
static __always_inline struct ws_thread_acct *spill_get(__u32 tid)
{
	static const struct ws_thread_acct zero_acct = {};
	struct ws_thread_acct *a = bpf_map_lookup_elem(&acct_spill, &tid);

	if (a)
		return a;
	if (bpf_map_update_elem(&acct_spill, &tid, &zero_acct, BPF_NOEXIST))
		return bpf_map_lookup_elem(&acct_spill, &tid); /* NULL when full */
	__sync_fetch_and_add(&spill_live, 1);
	return bpf_map_lookup_elem(&acct_spill, &tid);
}

static __always_inline void spill_forget(__u32 tid)
{
	if (spill_live && !bpf_map_delete_elem(&acct_spill, &tid))
		__sync_fetch_and_add(&spill_live, -1);
}

/* Fresh task storage takes over the state its thread had in the spill hash. */
static __always_inline void spill_take(struct ws_thread_acct *a, __u32 tid)
{
	struct ws_thread_acct *s;

	if (a->first_ns || !spill_live)
		return;
	s = bpf_map_lookup_elem(&acct_spill, &tid);
	if (!s)
		return;
	*a = *s;
	spill_forget(tid);
}

/* Create a thread's task storage (NULL when refused: see acct_spill). */
static __always_inline struct ws_thread_acct *storage_create(struct task_struct *task)
{
	struct ws_thread_acct *a;

	a = bpf_task_storage_get(&acct_store, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!a) /* lost a race with another CPU creating it (-EEXIST)? */
		a = bpf_task_storage_get(&acct_store, task, 0, 0);
	return a;
}

/*
 * Per-thread state: task storage, or the tid hash in the raw_tp fallback. A freshly created
 * entry is all zeroes (first_ns == 0). task must be typed unless use_tid_hash.
 *
 * A lookup works even when nested in another task-storage user (the kernel only skips caching
 * the result then); a create does not (bpf_task_storage_get_recur, which tp_btf and raw_tp
 * programs get, refuses it while the per-CPU guard is held). So a refused create is not a lost
 * transition: the state goes to the spill hash, and the storage takes it over once created.
 */
static __always_inline struct ws_thread_acct *acct_get(struct task_struct *task, __u32 tid,
						       bool create)
{
	static const struct ws_thread_acct zero_acct = {};
	struct ws_thread_acct *a;

	if (use_tid_hash) {
		a = create ? lookup_or_init(&acct_by_tid, &tid, &zero_acct)
			   : bpf_map_lookup_elem(&acct_by_tid, &tid);
		if (!a && create)
			count_drop(WS_DROP_STORAGE);
		return a;
	}
	a = bpf_task_storage_get(&acct_store, task, 0, 0);
	if (a)
		return a;
	if (!create)
		return spill_find(tid);
	/* Task storage has no max_entries: enforce --max-threads when creating. */
	if (max_threads && threads_tracked >= max_threads) {
		a = spill_find(tid); /* spilled before the cap was reached */
		if (!a)
			count_drop(WS_DROP_STORAGE);
		return a;
	}
	a = storage_create(task);
	if (a) {
		if (max_threads && !a->first_ns)
			__sync_fetch_and_add(&threads_tracked, 1);
		spill_take(a, tid);
		return a;
	}
	a = spill_get(tid);
	if (!a)
		count_drop(WS_DROP_STORAGE);
	return a;
}

/*
 * The state of a target's thread (created on first sight when create), NULL for any other task.
 * Task storage is only ever created for targets' threads, so a thread that has it is a target's:
 * the hot handlers skip the targets hash for every thread after its first event.
 */
static __always_inline struct ws_thread_acct *target_acct(struct task_struct *task, __u32 tgid,
							  __u32 tid, bool create)
{
	struct ws_thread_acct *a;

	if (!maybe_target(tgid))
		return NULL;
	if (!use_tid_hash) {
		a = bpf_task_storage_get(&acct_store, task, 0, 0);
		if (a)
			return a;
		if (!create && !spill_live)
			return NULL; /* without create, the hash path would find no state either */
	}
	if (!is_target(tgid))
		return NULL;
	return acct_get(task, tid, create);
}

/* A blocked interval ends: charge it to its cause, its syscall and its socket peer. */
static __always_inline void blocked_attribute(struct ws_thread_acct *a, __u64 delta)
{
	__u32 cause = a->block_cause;

	if (cause >= WS_CAUSE_KINDS)
		cause = WS_CAUSE_OTHER;
	a->blocked_by_cause[cause & (WS_CAUSE_KINDS - 1)] += delta;
	if (a->block_nr_plus1) {
		struct ws_syscall_stat *st = syscall_stat(a->block_nr_plus1 - 1);

		if (st) {
			st->blocked_ns += delta;
			st->waits++;
			st->wait_slots[log2_slot(delta)]++;
		}
	}
	if (a->block_lport || a->block_rport) {
		struct ws_peer_key key = ws_peer_key_of(a->block_lport, a->block_rport, cause);

		stat_add(&peers, &key, delta, WS_DROP_PEERS);
	}
	if (a->block_set) {
		a->set_waits++;
		a->set_wait_ns += delta;
		a->set_client_ns += delta * a->block_clients;
	}
	/* Contended futexes only: a parked thread's futex is no lock anyone waits for. */
	if (a->block_key && cause == WS_CAUSE_LOCK) {
		struct ws_futex_key fkey = { a->block_key, a->tgid, 0 };

		stat_add(&futexes, &fkey, delta, WS_DROP_FUTEXES);
	}
	if (collect_stacks && (a->block_ustack >= 0 || a->block_kstack >= 0)) {
		struct ws_offcpu_key okey = { .tgid = a->tgid, .tid = a->tid,
					      .ustack = a->block_ustack,
					      .kstack = a->block_kstack, .cause = cause };
		static const __u64 zero_ns = 0;
		__u64 *ns = lookup_or_init(&offcpu, &okey, &zero_ns);

		if (ns)
			__sync_fetch_and_add(ns, delta);
		else
			count_drop(WS_DROP_OFFCPU);
	}
}

/* Add the time spent in the current state since the last transition; returns it. */
static __always_inline __u64 acct_close_interval(struct ws_thread_acct *a, __u64 now)
{
	__u64 delta = now > a->ts ? now - a->ts : 0;

	switch (a->state) {
	case WS_STATE_RUNNING:
		a->on_cpu_ns += delta;
		break;
	case WS_STATE_RUNQ:
		a->runq_ns += delta;
		hist_add(WS_HIST_RUNQ, delta);
		break;
	case WS_STATE_BLOCKED:
		a->blocked_ns += delta;
		hist_add(WS_HIST_BLOCKED, delta);
		blocked_attribute(a, delta);
		break;
	default:
		break;
	}
	return delta;
}

static __always_inline void acct_enter(struct ws_thread_acct *a, __u32 state, __u64 now)
{
	if (!a->first_ns)
		a->first_ns = now;
	a->state = state;
	a->ts = now;
}

/* When a thread's accounting may begin: its creation, or the window's start if later. */
static __always_inline __u64 acct_start(struct task_struct *task, __u64 now)
{
	__u64 start = task_start_time(task);

	if (start < window_start_ns)
		start = window_start_ns;
	return start < now ? start : now;
}

/*
 * First sight of a thread (no state yet): it has been in state `before` since the window began
 * or it was created, whichever is later. Its accounting starts there, so no time goes missing.
 */
static __always_inline bool acct_first_sight(struct ws_thread_acct *a, struct task_struct *task,
					     __u32 before, __u64 now)
{
	if (a->first_ns)
		return false;
	a->first_ns = a->ts = acct_start(task, now);
	a->state = before;
	a->tgid = task_tgid(task);
	a->tid = BPF_CORE_READ(task, pid);
	a->block_ustack = a->block_kstack = -1;
	return true;
}

/* sum += c, atomically: threads of one process may exit on both CPUs at once. */
static __always_inline void counts_add_atomic(struct ws_counts *sum, const struct ws_counts *c)
{
	__sync_fetch_and_add(&sum->on_cpu_ns, c->on_cpu_ns);
	__sync_fetch_and_add(&sum->runq_ns, c->runq_ns);
	__sync_fetch_and_add(&sum->blocked_ns, c->blocked_ns);
	__sync_fetch_and_add(&sum->vol_switches, c->vol_switches);
	__sync_fetch_and_add(&sum->invol_switches, c->invol_switches);
	__sync_fetch_and_add(&sum->wakeups, c->wakeups);
	__sync_fetch_and_add(&sum->handoffs, c->handoffs);
	__sync_fetch_and_add(&sum->set_waits, c->set_waits);
	__sync_fetch_and_add(&sum->set_wait_ns, c->set_wait_ns);
	__sync_fetch_and_add(&sum->set_client_ns, c->set_client_ns);
	for (int k = 0; k < WS_CAUSE_KINDS; k++)
		__sync_fetch_and_add(&sum->blocked_by_cause[k], c->blocked_by_cause[k]);
}

/* A thread exits: add its counters and its time inside the window to its process's totals. */
static __always_inline void exited_totals_add(__u32 tgid, const struct ws_thread_acct *a,
					      __u64 lifetime)
{
	static const struct ws_exited_totals zero_totals = {};
	struct ws_exited_totals *t = lookup_or_init(&exited_totals, &tgid, &zero_totals);

	if (!t) {
		count_drop(WS_DROP_EXIT_TOTALS);
		return;
	}
	counts_add_atomic(&t->counts, &a->counts);
	__sync_fetch_and_add(&t->lifetime_ns, lifetime);
	__sync_fetch_and_add(&t->threads, 1);
}

#endif /* WS_ACCT_BPF_H */
