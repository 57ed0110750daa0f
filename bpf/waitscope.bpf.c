// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * waitscope kernel side: per-thread time accounting of target processes. This file holds the
 * handlers and iterators; the maps and generic helpers are in maps.bpf.h, the per-thread state
 * machine in acct.bpf.h, wait-cause reading in cause.bpf.h, syscall registers in arch.bpf.h.
 *
 * Every handler has one body (static __always_inline) and two thin wrappers: tp_btf (typed task
 * pointers, state in task storage) and raw_tp (fallback: state in a tid-keyed hash). The bodies
 * take no mode flag: typed_tasks() (maps.bpf.h) tells them how to read a task.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "waitscope.h"
#include "maps.bpf.h"
#include "acct.bpf.h"
#include "cause.bpf.h"

#define TASK_RUNNING 0

/* ---- raw_syscalls (--syscalls only): counts and latency of every call ---- */

SEC("raw_tp/sys_enter")
int BPF_PROG(sc_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct ws_thread_acct *a;
	__u64 id_tgid = bpf_get_current_pid_tgid();

	task = bpf_get_current_task_btf();
	a = target_acct(task, id_tgid >> 32, (__u32)id_tgid, true);
	if (!a)
		return 0;
	a->sc_enter_ns = bpf_ktime_get_ns();
	acct_first_sight(a, task, WS_STATE_RUNNING, a->sc_enter_ns);
	a->sc_nr_plus1 = (__u32)id + 1;
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sc_exit, struct pt_regs *regs, long ret)
{
	struct ws_syscall_stat *st;
	struct ws_thread_acct *a;
	__u64 id_tgid = bpf_get_current_pid_tgid(), now, lat;

	a = target_acct(bpf_get_current_task_btf(), id_tgid >> 32, (__u32)id_tgid, false);
	if (!a || !a->sc_nr_plus1 || !a->sc_enter_ns)
		return 0; /* entered before the window: latency unknown */
	now = bpf_ktime_get_ns();
	lat = now - a->sc_enter_ns;
	st = syscall_stat(a->sc_nr_plus1 - 1);
	a->sc_nr_plus1 = 0;
	a->sc_enter_ns = 0;
	if (!st) {
		count_drop(WS_DROP_SYSCALLS);
		return 0;
	}
	st->count++;
	st->total_ns += lat;
	st->lat_slots[log2_slot(lat)]++;
	return 0;
}

/* ---- sched_switch ---- */

static __always_inline void switch_out(void *ctx, struct task_struct *task,
				       struct ws_thread_acct *a, bool preempt,
				       unsigned int prev_state, __u64 now)
{
	if (a->state == WS_STATE_EXITED)
		return;
	if (!acct_first_sight(a, task, WS_STATE_RUNNING, now) && a->state != WS_STATE_RUNNING)
		count_anomaly(a, a->state == WS_STATE_RUNQ ? WS_ANOMALY_SWITCH_IN_UNSEEN
							   : WS_ANOMALY_SWITCH_OUT_UNSEEN);
	acct_close_interval(a, now);
	/* The preempt flag wins: prev_state holds the raw state even on preemption. */
	if (preempt || prev_state == TASK_RUNNING) {
		a->invol_switches++;
		acct_enter(a, WS_STATE_RUNQ, now);
	} else {
		a->vol_switches++;
		/* sched_switch runs in prev's context: current is the blocking thread, typed. */
		classify_block(task, typed_tasks() ? task : bpf_get_current_task_btf(), prev_state,
			       a, false);
		a->block_ustack = a->block_kstack = -1;
		if (collect_stacks) {
			/* In prev's context: these are the blocking thread's stacks. */
			a->block_kstack = bpf_get_stackid(ctx, &stacks, 0);
			a->block_ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
			if (a->block_kstack < 0 && a->block_ustack < 0)
				count_drop(WS_DROP_STACKS);
		}
		acct_enter(a, WS_STATE_BLOCKED, now);
	}
}

static __always_inline void switch_in(struct task_struct *task, struct ws_thread_acct *a,
				      __u64 now)
{
	if (a->state == WS_STATE_EXITED)
		return;
	if (!acct_first_sight(a, task, WS_STATE_RUNQ, now) && a->state != WS_STATE_RUNQ)
		count_anomaly(a, a->state == WS_STATE_BLOCKED ? WS_ANOMALY_WAKEUP_UNSEEN
							      : WS_ANOMALY_SWITCH_OUT_UNSEEN);
	acct_close_interval(a, now);
	acct_enter(a, WS_STATE_RUNNING, now);
}

static __always_inline void on_switch(void *ctx, bool preempt, struct task_struct *prev,
				      struct task_struct *next, unsigned int prev_state)
{
	struct ws_thread_acct *a;
	__u64 now = 0;

	a = target_acct(prev, task_tgid(prev), task_tid(prev), true);
	if (a) {
		now = bpf_ktime_get_ns();
		switch_out(ctx, prev, a, preempt, prev_state, now);
		count_event();
	}
	a = target_acct(next, task_tgid(next), task_tid(next), true);
	if (!a)
		return;
	if (!now)
		now = bpf_ktime_get_ns();
	switch_in(next, a, now);
	count_event();
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_switch(ctx, preempt, prev, next, prev_state);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_switch(ctx, preempt, prev, next, prev_state);
	return 0;
}

/* ---- sched_wakeup / sched_wakeup_new ---- */

static __always_inline void on_wakeup(struct task_struct *p, bool new_task)
{
	struct ws_thread_acct *a;
	__u64 now;

	a = target_acct(p, task_tgid(p), task_tid(p), true);
	if (!a)
		return;
	now = bpf_ktime_get_ns();
	count_event();
	if (a->state == WS_STATE_EXITED)
		return;
	/* A new thread waited to run since its creation; others slept since the window began. */
	if (acct_first_sight(a, p, new_task ? WS_STATE_RUNQ : WS_STATE_BLOCKED, now) && new_task)
		a->flags |= WS_THREAD_BORN;
	if (new_task) {
		acct_close_interval(a, now);
		acct_enter(a, WS_STATE_RUNQ, now);
		return;
	}
	/* Waking a thread that is running or already runnable changes nothing. */
	if (a->state != WS_STATE_BLOCKED)
		return;
	acct_close_interval(a, now);
	a->wakeups++;
	acct_enter(a, WS_STATE_RUNQ, now);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p, false);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p, false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, true);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, true);
	return 0;
}

/*
 * ---- sched_waking: parked, contended, or work handed off ----
 * A futex wait, or a poll/epoll wait on only wake-up fds (pipes, eventfds, signalfds: a latch),
 * starts parked: an idle thread. When a thread of a target wakes it from a syscall that signals
 * such waiters (futex wake; write, kill, ...: ws_wake_signals()), another thread ended it:
 * contention, lock. A timeout or a signal from outside wakes it from an interrupt, in whatever
 * context that hit. A thread-pool worker waits for queued work on a condition variable: when the
 * waker last waited for new work itself (accept, a set of listeners or clients: a dispatcher or
 * acceptor) and belongs to the same process, the wake is a handoff of that work: the wait takes
 * the waker's cause (ws_parked_wake_cause()).
 * sched_waking runs in the waker's context; sched_wakeup may not (remote wakeup lists).
 */
static __always_inline void on_waking(struct task_struct *p)
{
	struct ws_thread_acct *a, *w = NULL;
	struct task_struct *cur;
	struct blocking_call bc;
	__u32 tgid, waker_tgid, cause;
	__u64 id_tgid;
	bool futex_wait;

	tgid = task_tgid(p);
	if (!maybe_target(tgid))
		return;
	id_tgid = bpf_get_current_pid_tgid();
	waker_tgid = id_tgid >> 32;
	if (!maybe_target(waker_tgid))
		return; /* stays parked */
	/* The tid only keys the raw_tp fallback's hash: the typed path skips reading it. */
	a = target_acct(p, tgid, use_tid_hash ? task_tid(p) : 0, false);
	if (!a || a->state != WS_STATE_BLOCKED || a->block_cause != WS_CAUSE_PARKED)
		return;
	if (waker_tgid != tgid && !is_target(waker_tgid))
		return;
	futex_wait = ws_futex_syscall(a->block_nr_plus1 - 1);
	cur = bpf_get_current_task_btf();
	blocking_call_read(cur, 0, &bc);
	if (waker_tgid == tgid)
		w = acct_get(cur, (__u32)id_tgid, false);
	cause = ws_parked_wake_cause(true, ws_wake_signals(futex_wait, bc.nr_plus1),
				     waker_tgid == tgid, w ? w->work_cause : WS_CAUSE_OTHER,
				     w ? w->work_clients : 0);
	if (cause == WS_CAUSE_PARKED)
		return;
	a->block_cause = cause;
	if (cause == WS_CAUSE_LOCK)
		return;
	a->block_key = 0; /* not a contended lock */
	a->handoffs++;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(tp_sched_waking, struct task_struct *p)
{
	on_waking(p);
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(raw_sched_waking, struct task_struct *p)
{
	on_waking(p);
	return 0;
}

/* ---- sched_process_fork: count births; with -f, forked processes become targets ---- */

static __always_inline void on_fork(struct task_struct *parent, struct task_struct *child)
{
	struct ws_counters *c;
	__u32 ptgid, ctgid;

	ptgid = task_tgid(parent);
	if (!is_target(ptgid))
		return;
	c = counters_get();
	if (c)
		c->forks++;
	ctgid = task_tgid(child);
	if (!follow_children || ctgid == ptgid || is_target(ctgid))
		return;
	target_add(ctgid);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(parent, child);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(parent, child);
	return 0;
}

/* ---- cgroup_attach_task: with -c, a process moved into the target cgroup becomes a target ---- */

#define WS_MAX_CGROUP_LEVEL 64

/* Rare (a migration, not a scheduling event): the cost is off the hot path. */
static __always_inline void on_cgroup_attach(struct cgroup *dst, struct task_struct *task)
{
	struct cgroup *anc = NULL;
	__u32 tgid, level = target_cgroup_level;
	__u64 id;

	if (!target_cgroup_id || level >= WS_MAX_CGROUP_LEVEL)
		return;
	if (BPF_CORE_READ(dst, level) < (int)level)
		return;
	/* ancestors[level] is dst's ancestor at the target's depth (dst itself when equal). */
	if (bpf_probe_read_kernel(&anc, sizeof(anc), &dst->ancestors[level]) || !anc)
		return;
	id = BPF_CORE_READ(anc, kn, id);
	if (id != target_cgroup_id)
		return;
	tgid = task_tgid(task);
	if (is_target(tgid))
		return;
	target_add(tgid);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(tp_cgroup_attach_task, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	on_cgroup_attach(dst, task);
	return 0;
}

SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(raw_cgroup_attach_task, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	on_cgroup_attach(dst, task);
	return 0;
}

/* ---- sched_process_exit: close the thread, emit its record, note the group's death ---- */

static __always_inline void on_exit(struct task_struct *p)
{
	struct ws_thread_record rec = {};
	struct ws_thread_acct *a;
	struct ws_target *target;
	__u32 tgid, tid;
	__u64 now;

	tgid = task_tgid(p);
	target = bpf_map_lookup_elem(&targets, &tgid);
	if (!target)
		return;
	tid = task_tid(p);
	now = bpf_ktime_get_ns();
	count_event();

	a = acct_get(p, tid, false);
	/* Group already dead: a thread without state is from a new process that reused the PID. */
	if (!a && target->group_dead)
		return;
	if (!a) {
		/* No event yet: it was running when the window opened, before the seeding reached
		 * it. First sight, as for any thread: on CPU since the window began. */
		a = acct_get(p, tid, true);
		if (a)
			acct_first_sight(a, p, WS_STATE_RUNNING, now);
		else
			count_drop(WS_DROP_UNTRACKED_EXIT); /* never tracked: its time is lost */
	}
	if (a && a->state != WS_STATE_EXITED) {
		if (a->first_ns)
			acct_close_interval(a, now);
		acct_enter(a, WS_STATE_EXITED, now);
		exited_totals_add(tgid, a, now - acct_start(p, now));

		rec.acct = *a;
		rec.start_time_ns = task_start_time(p);
		rec.snap_ns = now;
		rec.tid = tid;
		rec.tgid = tgid;
		rec.exited = 1;
		bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), &p->comm);
		if (bpf_map_update_elem(&exit_records, &tid, &rec, BPF_ANY))
			count_drop(WS_DROP_EXIT_RECORD);
		if (use_tid_hash)
			bpf_map_delete_elem(&acct_by_tid, &tid);
		else if (spill_find(tid))
			spill_forget(tid); /* its storage was never created: nothing to count down */
		else if (max_threads)
			__sync_fetch_and_add(&threads_tracked, -1);
	}

	__sync_fetch_and_add(&target->threads_exited, 1);
	/* do_exit() decrements signal->live before this tracepoint: 0 means the group is dead. */
	if (BPF_CORE_READ(p, signal, live.counter) == 0) {
		target->exit_ns = now;
		target->group_dead = 1;
	}
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_sched_process_exit, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_sched_process_exit, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

/* ---- on-CPU samples: a cpu-clock perf event per CPU, loaded only with stacks ---- */

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	static const __u64 zero_samples = 0;
	struct ws_oncpu_key key;
	__u64 *samples;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;

	if (!is_target(tgid))
		return 0;
	key.tgid = tgid;
	key.tid = (__u32)id;
	/* A sample taken in user mode has no kernel stack, and a kernel thread no user stack. */
	key.kstack = bpf_get_stackid(ctx, &stacks, 0);
	key.ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	if (key.kstack < 0 && key.ustack < 0) {
		count_drop(WS_DROP_STACKS);
		return 0;
	}
	samples = lookup_or_init(&oncpu, &key, &zero_samples);
	if (samples)
		__sync_fetch_and_add(samples, 1);
	else
		count_drop(WS_DROP_ONCPU);
	return 0;
}

/* ---- task iterators: seed the state of existing threads, dump all live threads ---- */

/*
 * Run once right after attach: threads that sleep through the window get no event otherwise.
 * Sleepable: a poll/select set is read from the thread's memory (bpf_copy_from_user_task()).
 */
SEC("iter.s/task")
int seed_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct ws_thread_acct *a;
	__u64 now;

	if (!task || !is_target(task->tgid) || task->exit_state)
		return 0;
	a = acct_get(task, task->pid, true);
	if (!a || a->first_ns)
		return 0; /* an event got there first */
	now = bpf_ktime_get_ns();
	a->flags |= WS_THREAD_SEEDED;
	/*
	 * The state now is taken as the state since the window began (microseconds ago). On a CPU
	 * first: a thread that set its sleeping state but has not switched out yet still runs
	 * (its switch-out comes next); read as blocked, that switch-out contradicted the seed
	 * (40-80 times per 4000 sleeping threads here).
	 */
	if (task->on_cpu) {
		acct_first_sight(a, task, WS_STATE_RUNNING, now);
	} else if (task->__state != TASK_RUNNING) {
		/* Blocked since before the window: classified like a block seen at switch-out. */
		classify_block(task, task, task->__state, a, true);
		a->block_ustack = a->block_kstack = -1; /* no stack for a block we did not see */
		acct_first_sight(a, task, WS_STATE_BLOCKED, now);
	} else {
		acct_first_sight(a, task, WS_STATE_RUNQ, now);
	}
	return 0;
}

/*
 * Run on one process (the collector attaches it with a tgid filter): its file descriptors that
 * are TCP connections on a local listening port, established: the clients it holds. Walks the
 * process's files only; a sock_diag dump walks every TCP socket of the machine, TIME_WAIT
 * included (1-2% of a core at 2 dumps a second with 38k of them), and a TCP state tracepoint
 * costs every connection of the machine.
 */
SEC("iter/task_file")
int count_client_fds(struct bpf_iter__task_file *ctx)
{
	struct file *f = ctx->file;
	struct socket *sock;
	struct sock *sk;
	__u16 family, lport;

	if (!f || (f->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return 0;
	sock = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
	sk = sock->sk;
	if (!sk)
		return 0;
	family = sk->__sk_common.skc_family;
	if ((family != AF_INET && family != AF_INET6) ||
	    sk->__sk_common.skc_state != TCP_ESTABLISHED || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	lport = sk->__sk_common.skc_num;
	if (bpf_map_lookup_elem(&listen_ports, &lport))
		client_fds++;
	return 0;
}

SEC("iter/task")
int dump_threads(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct ws_thread_record rec = {};
	struct ws_thread_acct *a;

	if (!task || !is_target(task->tgid))
		return 0;
	a = acct_get(task, task->pid, false);
	if (a && a->state == WS_STATE_EXITED)
		return 0; /* a zombie already reported by its exit record */
	if (!a && task->exit_state)
		return 0;
	if (a)
		rec.acct = *a; /* without state, the thread shows as unaccounted time */
	rec.start_time_ns = task->start_time;
	rec.snap_ns = bpf_ktime_get_ns();
	rec.tid = task->pid;
	rec.tgid = task->tgid;
	__builtin_memcpy(rec.comm, task->comm, sizeof(rec.comm));
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
