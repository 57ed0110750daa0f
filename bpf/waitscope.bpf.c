// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * waitscope kernel side: per-thread time accounting of target processes.
 *
 * State machine per thread (enum ws_state), driven by scheduler tracepoints:
 *   RUNNING --switch out, preempted or still runnable--> RUNQ  (involuntary switch)
 *   RUNNING --switch out, not runnable-----------------> BLOCKED (voluntary switch)
 *   BLOCKED --sched_wakeup-----------------------------> RUNQ
 *   RUNQ    --switch in--------------------------------> RUNNING
 *   (any)   --sched_process_exit-----------------------> EXITED (exit record emitted)
 * Each transition adds (now - ts) to the bucket of the state being left, so the buckets of a
 * thread always sum to the time since its accounting began.
 *
 * Every handler has one body (static __always_inline) and two thin wrappers: tp_btf (typed task
 * pointers, state in task storage) and raw_tp (fallback: state in a tid-keyed hash).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "waitscope.h"
#include "ws_classify.h"

#define TASK_RUNNING 0

/* Set by the collector before load. */
const volatile bool follow_children = false; /* -f: processes forked by targets become targets */
const volatile bool use_tid_hash = false;    /* raw_tp fallback: state lives in acct_by_tid */
const volatile bool collect_stacks = false;  /* --folded/--pprof: stacks (costly: opt-in) */
const volatile __u64 target_cgroup_id = 0;   /* -c: processes moved into this cgroup (or below) */
const volatile __u32 target_cgroup_level = 0; /* its depth below the cgroup2 root */
/* --max-threads: cap on live threads with task storage (0 = none; the tid hash has max_entries) */
const volatile __u32 max_threads = 0;

/* Set by the collector after load, before attach. */
__u64 window_start_ns = 0;
/* Byte per tgid hash slot, set for each target (by the collector, and on -f forks). */
__u8 target_seen[WS_TARGET_SEEN] = {};
__s64 threads_tracked = 0; /* live threads holding task storage, counted only with max_threads */
__u64 client_fds = 0;      /* count_client_fds: result of the last run (zeroed by the collector) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_TARGETS);
	__type(key, __u32); /* tgid */
	__type(value, struct ws_target);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ws_thread_acct);
} acct_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_THREADS);
	__type(key, __u32); /* tid */
	__type(value, struct ws_thread_acct);
} acct_by_tid SEC(".maps");

/* Exit records, drained by the collector while the window runs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_EXITED);
	__type(key, __u32); /* tid */
	__type(value, struct ws_thread_record);
} exit_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_TARGETS);
	__type(key, __u32); /* tgid */
	__type(value, struct ws_exited_totals);
} exited_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_hists);
} hists SEC(".maps");

/*
 * Indexed by syscall number: an array lookup is inlined, a hash lookup was ~20 ns a syscall.
 * Per CPU: plain adds instead of locked ones (three per wakeup, three per --syscalls exit).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WS_MAX_SYSCALLS);
	__type(key, __u32); /* syscall number */
	__type(value, struct ws_syscall_stat);
} syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_PEERS);
	__type(key, struct ws_peer_key);
	__type(value, struct ws_peer_stat);
} peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, WS_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, WS_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_OFFCPU);
	__type(key, struct ws_offcpu_key);
	__type(value, __u64);
} offcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_ONCPU);
	__type(key, struct ws_oncpu_key);
	__type(value, __u64); /* samples */
} oncpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_FUTEXES);
	__type(key, struct ws_futex_key);
	__type(value, struct ws_peer_stat);
} futexes SEC(".maps");

/* Local TCP ports in LISTEN state (filled by the collector): a socket on one is a client. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_LISTEN_PORTS);
	__type(key, __u16);
	__type(value, __u8);
} listen_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_counters);
} counters SEC(".maps");

static __always_inline struct ws_counters *counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline void count_drop(enum ws_drop kind)
{
	struct ws_counters *c = counters_get();

	if (c && kind < WS_DROP_KINDS)
		c->drops[kind]++;
}

static __always_inline void count_anomaly(struct ws_thread_acct *a)
{
	struct ws_counters *c = counters_get();

	a->flags |= WS_THREAD_ANOMALY;
	if (c)
		c->anomalies++;
}

/*
 * The one filter every handler runs first. A target whose thread group died stays in the map
 * (user space reads its exit time) but is no longer counted: a new process that gets the same
 * PID is not a target.
 */
static __always_inline bool maybe_target(__u32 tgid)
{
	/* Untraced tasks: one load from .bss instead of a hash lookup. */
	return target_seen[tgid & (WS_TARGET_SEEN - 1)] && tgid;
}

static __always_inline bool is_target(__u32 tgid)
{
	struct ws_target *t;

	if (!maybe_target(tgid))
		return false;
	t = bpf_map_lookup_elem(&targets, &tgid);
	return t && !t->group_dead;
}

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

static __always_inline void hist_add(enum ws_hist_kind kind, __u64 delta)
{
	__u32 zero = 0, slot = log2_u64(delta);
	struct ws_hists *h = bpf_map_lookup_elem(&hists, &zero);

	if (!h)
		return;
	if (slot >= WS_HIST_SLOTS)
		slot = WS_HIST_SLOTS - 1;
	if (kind == WS_HIST_RUNQ) {
		h->slots[WS_HIST_RUNQ][slot]++;
		h->sum_ns[WS_HIST_RUNQ] += delta;
	} else {
		h->slots[WS_HIST_BLOCKED][slot]++;
		h->sum_ns[WS_HIST_BLOCKED] += delta;
	}
}

/* Look up key in a hash map, inserting zero first if absent. NULL when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/*
 * Per-thread state: task storage when we hold a typed task pointer (tp_btf, iterators),
 * otherwise the tid hash. A freshly created entry is all zeroes (first_ns == 0).
 */
static __always_inline struct ws_thread_acct *acct_get(struct task_struct *task, __u32 tid,
						       bool create)
{
	static const struct ws_thread_acct zero_acct = {};
	struct ws_thread_acct *a;

	if (task && max_threads) {
		/* Task storage has no max_entries: enforce --max-threads when creating. */
		a = bpf_task_storage_get(&acct_store, task, 0, 0);
		if (!a && create && threads_tracked < max_threads) {
			a = bpf_task_storage_get(&acct_store, task, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (a)
				__sync_fetch_and_add(&threads_tracked, 1);
		}
	} else if (task) {
		a = bpf_task_storage_get(&acct_store, task, 0,
					 create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	} else {
		a = create ? lookup_or_init(&acct_by_tid, &tid, &zero_acct)
			   : bpf_map_lookup_elem(&acct_by_tid, &tid);
	}
	if (!a && create)
		count_drop(WS_DROP_STORAGE);
	return a;
}

/*
 * The state of a target's thread (created on first sight when create), NULL for any other task.
 * Task storage is only ever created for targets' threads, so a thread that has it is a target's:
 * the hot handlers skip the targets hash for every thread after its first event.
 */
static __always_inline struct ws_thread_acct *target_acct(struct task_struct *task, __u32 tgid,
							  __u32 tid, bool btf, bool create)
{
	struct ws_thread_acct *a;

	if (!maybe_target(tgid))
		return NULL;
	if (btf) {
		a = bpf_task_storage_get(&acct_store, task, 0, 0);
		if (a || !create)
			return a; /* without create, the hash path would find no state either */
	}
	if (!is_target(tgid))
		return NULL;
	return acct_get(btf ? task : NULL, tid, create);
}

/* NULL for a number past the array (counted as a syscalls drop by the callers that care). */
static __always_inline struct ws_syscall_stat *syscall_stat(__u32 nr)
{
	return bpf_map_lookup_elem(&syscalls, &nr);
}

/* Add delta (and one wait) to a hash value of type ws_peer_stat, creating it if needed. */
static __always_inline void stat_add(void *map, const void *key, __u64 delta, enum ws_drop drop)
{
	static const struct ws_peer_stat zero_stat = {};
	struct ws_peer_stat *ps = lookup_or_init(map, key, &zero_stat);

	if (!ps) {
		count_drop(drop);
		return;
	}
	__sync_fetch_and_add(&ps->blocked_ns, delta);
	__sync_fetch_and_add(&ps->waits, 1);
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
			__u32 slot = log2_u64(delta);

			if (slot >= WS_HIST_SLOTS)
				slot = WS_HIST_SLOTS - 1;
			st->blocked_ns += delta;
			st->waits++;
			st->wait_slots[slot]++;
		}
	}
	if (a->block_lport || a->block_rport) {
		/* Aggregate by the stable end: the listening port for clients, else the peer's. */
		struct ws_peer_key key = { cause == WS_CAUSE_CLIENT ? a->block_lport : 0,
					   cause == WS_CAUSE_CLIENT ? 0 : a->block_rport, cause };

		stat_add(&peers, &key, delta, WS_DROP_PEERS);
	}
	if (a->block_set) {
		a->set_waits++;
		a->set_wait_ns += delta;
		a->set_client_ns += delta * a->block_clients;
	}
	if (a->block_key && cause == WS_CAUSE_LOCK) {
		struct ws_futex_key fkey = { a->block_key, a->tgid, 0 };

		stat_add(&futexes, &fkey, delta, WS_DROP_FUTEXES);
	}
	if (collect_stacks && (a->block_ustack >= 0 || a->block_kstack >= 0)) {
		struct ws_offcpu_key okey = { a->tgid, a->block_ustack, a->block_kstack, cause };
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

/*
 * First sight of a thread (no state yet): it has been in state `before` since the window began
 * or it was created, whichever is later. Its accounting starts there, so no time goes missing.
 */
static __always_inline bool acct_first_sight(struct ws_thread_acct *a, struct task_struct *task,
					     bool btf, __u32 before, __u64 now)
{
	__u64 start;

	if (a->first_ns)
		return false;
	start = btf ? task->start_time : BPF_CORE_READ(task, start_time);
	if (start < window_start_ns)
		start = window_start_ns;
	if (start > now)
		start = now;
	a->first_ns = start;
	a->ts = start;
	a->state = before;
	a->tgid = btf ? task->tgid : BPF_CORE_READ(task, tgid);
	a->block_ustack = a->block_kstack = -1;
	return true;
}

static __always_inline void count_event(void)
{
	struct ws_counters *c = counters_get();

	if (c)
		c->events++;
}


/* ---- wait causes: what a thread blocks on, decided when it blocks ---- */

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define AF_UNIX 1
#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define AF_INET 2
#define AF_INET6 10
#define TCP_LISTEN 10
#define TCP_ESTABLISHED 1
#define IPPROTO_TCP 6

#define TASK_STOPPED_OR_TRACED 0x000c /* __TASK_STOPPED | __TASK_TRACED */

/* The syscall a thread blocks in, and the one argument classification needs. */
struct blocking_call {
	__u32 nr_plus1; /* 0: not in a syscall (page fault, stopped, kernel thread) */
	int fd;         /* the fd it waits on, or for poll/select the number of fds; -1 none */
	__u64 arg0;     /* futex: the lock's address; poll: the pollfd array; epoll: the fd */
	__u64 arg1;     /* select: readfds */
	__u64 arg2;     /* select: writefds */
};

/*
 * Read from the user registers saved when task entered the kernel: a thread blocks in its own
 * context (sched_switch runs as prev), and its saved registers hold the syscall number and
 * arguments until it returns. This replaces tracing every syscall of the machine, which put
 * every task on the syscall slow path (docs/performance.md). Interrupts and exceptions, a page
 * fault included, store -1 in orig_ax. x86_64 only, like the syscall numbers.
 */
static __always_inline void blocking_call_read(struct task_struct *task, unsigned int state,
					       struct blocking_call *bc)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr;

	bc->nr_plus1 = 0;
	bc->fd = -1;
	bc->arg0 = bc->arg1 = bc->arg2 = 0;
	/* A stopped thread (SIGSTOP, ptrace) may still hold the syscall it returns from. */
	if (!regs || (state & TASK_STOPPED_OR_TRACED))
		return;
	nr = regs->orig_ax;
	if (nr < 0 || nr >= WS_MAX_SYSCALLS)
		return;
	bc->nr_plus1 = (__u32)nr + 1;
	if (nr == WS_NR_poll || nr == WS_NR_ppoll)
		bc->fd = (int)regs->si;
	else if (ws_fd_syscall((__u32)nr) || nr == WS_NR_select || nr == WS_NR_pselect6)
		bc->fd = (int)regs->di;
	bc->arg0 = regs->di;
	bc->arg1 = regs->si;
	bc->arg2 = regs->dx;
}

/* A typed, read-only view of a kernel pointer (6.2+): its fields are then plain loads. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * The open file of descriptor fd of task, NULL if none. btf: task is a
 * typed pointer (tp_btf, iterator), so the chain is read with plain loads instead of one
 * probe-read helper call per pointer: that was 230 of the 480 ns of a blocking sched_switch.
 */
static __always_inline struct file *fd_file(struct task_struct *task, int fd, bool btf)
{
	struct file **fdarr, *f = NULL;
	unsigned int max_fds;

	if (fd < 0)
		return NULL;
	if (btf) {
		struct fdtable *fdt = task->files->fdt;

		max_fds = fdt->max_fds;
		fdarr = fdt->fd;
	} else {
		max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
		fdarr = BPF_CORE_READ(task, files, fdt, fd);
	}
	if ((unsigned int)fd >= max_fds)
		return NULL;
	if (btf && bpf_core_field_offset(struct kiocb, ki_filp) == 0) {
		/*
		 * The fd array is struct file *[]: seen as a struct whose first field is a struct
		 * file * (kiocb.ki_filp, checked at load time by CO-RE), the slot is read with a
		 * plain fault-safe load instead of a probe-read helper call: 207 -> 181 ns per
		 * blocking sched_switch on a pipe.
		 */
		struct kiocb *slot = bpf_rdonly_cast(&fdarr[fd], bpf_core_type_id_kernel(struct kiocb));

		f = slot->ki_filp;
	} else if (bpf_probe_read_kernel(&f, sizeof(f), &fdarr[fd])) {
		return NULL;
	}
	return f;
}

/*
 * Kind of an open file; fills *lport and *rport for TCP/UDP sockets. btf: f may be read with
 * plain loads (it is cast to a typed read-only pointer here).
 */
static __always_inline enum ws_fd_kind file_kind(struct file *f, __u16 *lport, __u16 *rport,
						 bool btf)
{
	const unsigned char *dname;
	struct socket *sock;
	struct sock *sk;
	__u16 family, port;
	__u8 sk_state;
	umode_t mode;

	if (!f)
		return WS_FD_OTHER;
	if (btf) {
		f = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
		mode = f->f_inode->i_mode & S_IFMT;
	} else {
		mode = BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT;
	}
	if (mode == S_IFREG || mode == S_IFBLK)
		return WS_FD_FILE;
	if (mode == S_IFIFO)
		return WS_FD_WAKE; /* pipes: no name to read */
	if (mode == S_IFCHR)
		return WS_FD_OTHER; /* ttys, devices */
	if (mode != S_IFSOCK) {
		/* Anonymous inodes are named by their kind: "[timerfd]", "[eventpoll]", ... */
		char kind[10] = {};

		dname = btf ? f->f_path.dentry->d_name.name
			    : BPF_CORE_READ(f, f_path.dentry, d_name.name);
		bpf_probe_read_kernel_str(kind, sizeof(kind), dname);
		if (kind[0] == '[' && kind[1] == 't' && kind[2] == 'i' && kind[3] == 'm')
			return WS_FD_TIMER;
		if (kind[0] == '[' && kind[1] == 'e' && kind[2] == 'v' && kind[3] == 'e' &&
		    kind[4] == 'n' && kind[5] == 't' && kind[6] == 'p')
			return WS_FD_EPOLL;
		/* "[eventfd]", "[signalfd]": another thread's or a signal's wake-up */
		if (kind[0] == '[' && ((kind[1] == 'e' && kind[2] == 'v' && kind[6] == 'f') ||
				       (kind[1] == 's' && kind[2] == 'i' && kind[3] == 'g')))
			return WS_FD_WAKE;
		return WS_FD_OTHER;
	}
	if (btf) {
		sock = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
		sk = sock->sk;
	} else {
		sock = BPF_CORE_READ(f, private_data);
		sk = BPF_CORE_READ(sock, sk);
	}
	if (!sk)
		return WS_FD_OTHER;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	sk_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (family == AF_UNIX) {
		/* Accepted sockets inherit the listener's address (unix_stream_connect()). */
		struct unix_sock *u = (struct unix_sock *)sk;

		if (sk_state == TCP_LISTEN)
			return WS_FD_UNIX_LISTEN;
		if (BPF_CORE_READ(u, addr) && BPF_CORE_READ(u, peer))
			return WS_FD_UNIX_SERVER;
		/* Neither end has an address: a socketpair (a channel between threads/processes). */
		if (!BPF_CORE_READ(u, addr)) {
			struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(u, peer);

			if (peer && !BPF_CORE_READ(peer, addr))
				return WS_FD_UNIX_PAIR;
		}
		return WS_FD_UNIX;
	}
	if (family != AF_INET && family != AF_INET6)
		return WS_FD_OTHER;
	if (sk_state == TCP_LISTEN)
		return WS_FD_LISTEN;
	port = BPF_CORE_READ(sk, __sk_common.skc_num);
	*lport = port;
	*rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return bpf_map_lookup_elem(&listen_ports, &port) ? WS_FD_CLIENT : WS_FD_INET;
}

/* Kind of file descriptor fd of task; fills the socket ports of the wait when there are any. */
static __always_inline enum ws_fd_kind fd_kind(struct task_struct *task, int fd,
					       struct ws_thread_acct *a, bool btf)
{
	return file_kind(fd_file(task, fd, btf), &a->block_lport, &a->block_rport, btf);
}

#include "waitset.bpf.h"

/*
 * Decide why the thread is about to wait. task is the thread itself; cur is the same thread as a
 * typed pointer (the raw_tp twin's task is not one), for its saved registers. seeded: run by the
 * seeding iterator, in the collector's context.
 */
static __always_inline void classify_block(struct task_struct *task, struct task_struct *cur,
					   unsigned int state, struct ws_thread_acct *a, bool btf,
					   bool seeded)
{
	struct blocking_call bc;
	__u32 nr, cause;

	blocking_call_read(cur, state, &bc);
	nr = bc.nr_plus1 - 1;
	a->block_nr_plus1 = bc.nr_plus1;
	a->block_lport = a->block_rport = 0;
	a->block_key = 0;
	a->block_set = a->block_clients = 0;
	/* io_schedule() marks I/O waits: disk whatever the syscall (or a page fault). */
	if (btf ? BPF_CORE_READ_BITFIELD(task, in_iowait)
		: BPF_CORE_READ_BITFIELD_PROBED(task, in_iowait)) {
		a->block_cause = WS_CAUSE_DISK;
		return;
	}
	if (!bc.nr_plus1) {
		a->block_cause = WS_CAUSE_OTHER;
		return;
	}
	cause = ws_syscall_cause(nr, bc.fd);
	if (cause == WS_CAUSE_BY_FD)
		cause = ws_fd_cause(fd_kind(task, bc.fd, a, btf));
	else if (cause == WS_CAUSE_BY_SET)
		cause = waitset_cause(cur, nr, &bc, a, seeded);
	if (nr == WS_NR_futex)
		a->block_key = bc.arg0; /* the lock's address */
	a->block_cause = cause;
	if (nr != WS_NR_futex && nr != WS_NR_futex_waitv)
		a->work_cause = cause;
}

/* ---- raw_syscalls (--syscalls only): counts and latency of every call ---- */

SEC("raw_tp/sys_enter")
int BPF_PROG(sc_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct ws_thread_acct *a;
	__u64 id_tgid = bpf_get_current_pid_tgid();

	task = bpf_get_current_task_btf();
	a = target_acct(task, id_tgid >> 32, (__u32)id_tgid, !use_tid_hash, true);
	if (!a)
		return 0;
	a->sc_enter_ns = bpf_ktime_get_ns();
	acct_first_sight(a, task, true, WS_STATE_RUNNING, a->sc_enter_ns);
	a->sc_nr_plus1 = (__u32)id + 1;
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sc_exit, struct pt_regs *regs, long ret)
{
	struct ws_syscall_stat *st;
	struct ws_thread_acct *a;
	__u64 id_tgid = bpf_get_current_pid_tgid(), now, lat;
	__u32 slot;

	a = target_acct(bpf_get_current_task_btf(), id_tgid >> 32, (__u32)id_tgid, !use_tid_hash,
			false);
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
	slot = log2_u64(lat);
	if (slot >= WS_HIST_SLOTS)
		slot = WS_HIST_SLOTS - 1;
	st->lat_slots[slot]++;
	return 0;
}

/* ---- sched_switch ---- */

static __always_inline void switch_out(void *ctx, struct task_struct *task,
				       struct ws_thread_acct *a, bool btf, bool preempt,
				       unsigned int prev_state, __u64 now)
{
	if (a->state == WS_STATE_EXITED)
		return;
	if (!acct_first_sight(a, task, btf, WS_STATE_RUNNING, now) &&
	    a->state != WS_STATE_RUNNING)
		count_anomaly(a);
	acct_close_interval(a, now);
	/* The preempt flag wins: prev_state holds the raw state even on preemption. */
	if (preempt || prev_state == TASK_RUNNING) {
		a->invol_switches++;
		acct_enter(a, WS_STATE_RUNQ, now);
	} else {
		a->vol_switches++;
		/* sched_switch runs in prev's context: current is the blocking thread, typed. */
		classify_block(task, btf ? task : bpf_get_current_task_btf(), prev_state, a, btf,
			       false);
		a->block_ustack = a->block_kstack = -1;
		if (collect_stacks) {
			/* sched_switch runs in prev's context: these are the blocking thread's stacks. */
			a->block_kstack = bpf_get_stackid(ctx, &stacks, 0);
			a->block_ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
			if (a->block_kstack < 0 && a->block_ustack < 0)
				count_drop(WS_DROP_STACKS);
		}
		acct_enter(a, WS_STATE_BLOCKED, now);
	}
}

static __always_inline void switch_in(struct task_struct *task, struct ws_thread_acct *a,
				      bool btf, __u64 now)
{
	if (a->state == WS_STATE_EXITED)
		return;
	if (!acct_first_sight(a, task, btf, WS_STATE_RUNQ, now) && a->state != WS_STATE_RUNQ)
		count_anomaly(a);
	acct_close_interval(a, now);
	acct_enter(a, WS_STATE_RUNNING, now);
}

static __always_inline void on_switch(void *ctx, bool preempt, struct task_struct *prev,
				      struct task_struct *next, unsigned int prev_state, bool btf)
{
	struct ws_thread_acct *a;
	__u32 tgid, tid;
	__u64 now = 0;

	tgid = btf ? prev->tgid : BPF_CORE_READ(prev, tgid);
	tid = btf ? prev->pid : BPF_CORE_READ(prev, pid);
	a = target_acct(prev, tgid, tid, btf, true);
	if (a) {
		now = bpf_ktime_get_ns();
		switch_out(ctx, prev, a, btf, preempt, prev_state, now);
		count_event();
	}
	tgid = btf ? next->tgid : BPF_CORE_READ(next, tgid);
	tid = btf ? next->pid : BPF_CORE_READ(next, pid);
	a = target_acct(next, tgid, tid, btf, true);
	if (!a)
		return;
	if (!now)
		now = bpf_ktime_get_ns();
	switch_in(next, a, btf, now);
	count_event();
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_switch(ctx, preempt, prev, next, prev_state, true);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_switch(ctx, preempt, prev, next, prev_state, false);
	return 0;
}

/* ---- sched_wakeup / sched_wakeup_new ---- */

static __always_inline void on_wakeup(struct task_struct *p, bool btf, bool new_task)
{
	struct ws_thread_acct *a;
	__u32 tgid, tid;
	__u64 now;

	tgid = btf ? p->tgid : BPF_CORE_READ(p, tgid);
	tid = btf ? p->pid : BPF_CORE_READ(p, pid);
	a = target_acct(p, tgid, tid, btf, true);
	if (!a)
		return;
	now = bpf_ktime_get_ns();
	count_event();
	if (a->state == WS_STATE_EXITED)
		return;
	/* A new thread waited to run since its creation; others slept since the window began. */
	if (acct_first_sight(a, p, btf, new_task ? WS_STATE_RUNQ : WS_STATE_BLOCKED, now) &&
	    new_task)
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
	on_wakeup(p, true, false);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p, false, false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, true, true);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, false, true);
	return 0;
}

/*
 * ---- sched_waking: parked, contended, or work handed off through a futex ----
 * A futex wait starts as parked (an idle thread). When a thread of a target process wakes it from
 * the futex syscall (a mutex unlock, a condition signal), it was contention: lock. A timeout or a
 * signal wakes it from an interrupt, in whatever context that hit: the interrupted task is rarely
 * inside futex() itself. A thread-pool worker waits for queued work on a condition variable: when
 * the waker last waited for new work itself (accept on the listener, a poll/epoll set of
 * listeners or clients: a dispatcher or acceptor) and belongs to the same process, the wake is a
 * handoff of that work: the wait takes the waker's cause (ws_futex_wake_cause()).
 * sched_waking runs in the waker's context; sched_wakeup may not (remote wakeup lists).
 */
static __always_inline void on_waking(struct task_struct *p, bool btf)
{
	struct ws_thread_acct *a, *w = NULL;
	struct task_struct *cur;
	struct blocking_call bc;
	__u32 tgid, waker_tgid, nr, cause;
	__u64 id_tgid;

	tgid = btf ? p->tgid : BPF_CORE_READ(p, tgid);
	if (!maybe_target(tgid))
		return;
	id_tgid = bpf_get_current_pid_tgid();
	waker_tgid = id_tgid >> 32;
	if (!maybe_target(waker_tgid))
		return; /* stays parked */
	a = target_acct(p, tgid, btf ? 0 : BPF_CORE_READ(p, pid), btf, false);
	if (!a || a->state != WS_STATE_BLOCKED || a->block_cause != WS_CAUSE_PARKED)
		return;
	nr = a->block_nr_plus1 - 1;
	if (nr != WS_NR_futex && nr != WS_NR_futex_waitv)
		return; /* a set of wake-up fds: parked whoever writes to them */
	if (waker_tgid != tgid && !is_target(waker_tgid))
		return;
	cur = bpf_get_current_task_btf();
	blocking_call_read(cur, 0, &bc);
	if (waker_tgid == tgid)
		w = acct_get(btf ? cur : NULL, (__u32)id_tgid, false);
	cause = ws_futex_wake_cause(true, bc.nr_plus1 == WS_NR_futex + 1, waker_tgid == tgid,
				    w ? w->work_cause : WS_CAUSE_OTHER);
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
	on_waking(p, true);
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(raw_sched_waking, struct task_struct *p)
{
	on_waking(p, false);
	return 0;
}

/* ---- sched_process_fork: count births; with -f, forked processes become targets ---- */

static __always_inline void on_fork(struct task_struct *parent, struct task_struct *child,
				    bool btf)
{
	struct ws_counters *c;
	struct ws_target t = {};
	__u32 ptgid, ctgid;

	ptgid = btf ? parent->tgid : BPF_CORE_READ(parent, tgid);
	if (!is_target(ptgid))
		return;
	c = counters_get();
	if (c)
		c->forks++;
	ctgid = btf ? child->tgid : BPF_CORE_READ(child, tgid);
	if (!follow_children || ctgid == ptgid || is_target(ctgid))
		return;
	target_seen[ctgid & (WS_TARGET_SEEN - 1)] = 1; /* before the hash: never miss an event */
	/* BPF_ANY: the child may reuse the PID of a target that died (group_dead) earlier. */
	if (bpf_map_update_elem(&targets, &ctgid, &t, BPF_ANY))
		count_drop(WS_DROP_TARGET_FULL);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(parent, child, true);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(parent, child, false);
	return 0;
}

/* ---- cgroup_attach_task: with -c, a process moved into the target cgroup becomes a target ---- */

#define WS_MAX_CGROUP_LEVEL 64

/* Rare (a migration, not a scheduling event): the cost is off the hot path. */
static __always_inline void on_cgroup_attach(struct cgroup *dst, struct task_struct *task,
					     bool btf)
{
	struct cgroup *anc = NULL;
	struct ws_target t = {};
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
	tgid = btf ? task->tgid : BPF_CORE_READ(task, tgid);
	if (is_target(tgid))
		return;
	target_seen[tgid & (WS_TARGET_SEEN - 1)] = 1; /* before the hash: never miss an event */
	if (bpf_map_update_elem(&targets, &tgid, &t, BPF_ANY))
		count_drop(WS_DROP_TARGET_FULL);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(tp_cgroup_attach_task, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	on_cgroup_attach(dst, task, true);
	return 0;
}

SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(raw_cgroup_attach_task, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	on_cgroup_attach(dst, task, false);
	return 0;
}

/* ---- sched_process_exit: close the thread, emit its record, note the group's death ---- */

static __always_inline void exited_totals_add(__u32 tgid, const struct ws_thread_acct *a,
					      __u64 lifetime)
{
	static const struct ws_exited_totals zero_totals = {};
	struct ws_exited_totals *t = lookup_or_init(&exited_totals, &tgid, &zero_totals);

	if (!t) {
		count_drop(WS_DROP_EXIT_TOTALS);
		return;
	}
	/* Threads of one process may exit on both CPUs at once. */
	__sync_fetch_and_add(&t->on_cpu_ns, a->on_cpu_ns);
	__sync_fetch_and_add(&t->runq_ns, a->runq_ns);
	__sync_fetch_and_add(&t->blocked_ns, a->blocked_ns);
	__sync_fetch_and_add(&t->vol_switches, a->vol_switches);
	__sync_fetch_and_add(&t->invol_switches, a->invol_switches);
	__sync_fetch_and_add(&t->wakeups, a->wakeups);
	__sync_fetch_and_add(&t->lifetime_ns, lifetime);
	__sync_fetch_and_add(&t->threads, 1);
	for (int c = 0; c < WS_CAUSE_KINDS; c++)
		__sync_fetch_and_add(&t->blocked_by_cause[c], a->blocked_by_cause[c]);
}

static __always_inline void on_exit(struct task_struct *p, bool btf)
{
	struct ws_thread_record rec = {};
	struct ws_thread_acct *a;
	struct ws_target *target;
	__u64 now, start, lifetime;
	__u32 tgid, tid;

	tgid = btf ? p->tgid : BPF_CORE_READ(p, tgid);
	target = bpf_map_lookup_elem(&targets, &tgid);
	if (!target)
		return;
	tid = btf ? p->pid : BPF_CORE_READ(p, pid);
	now = bpf_ktime_get_ns();
	count_event();

	a = acct_get(btf ? p : NULL, tid, false);
	/* Group already dead: a thread without state is from a new process that reused the PID. */
	if (!a && target->group_dead)
		return;
	if (!a) {
		/* No event yet: it was running when the window opened, before the seeding reached
		 * it. First sight, as for any thread: on CPU since the window began. */
		a = acct_get(btf ? p : NULL, tid, true);
		if (a)
			acct_first_sight(a, p, btf, WS_STATE_RUNNING, now);
		else
			count_drop(WS_DROP_UNTRACKED_EXIT); /* never tracked: its time is lost */
	}
	if (a && a->state != WS_STATE_EXITED) {
		if (a->first_ns)
			acct_close_interval(a, now);
		acct_enter(a, WS_STATE_EXITED, now);

		start = BPF_CORE_READ(p, start_time);
		if (start < window_start_ns)
			start = window_start_ns;
		lifetime = now > start ? now - start : 0;
		exited_totals_add(tgid, a, lifetime);

		rec.acct = *a;
		rec.start_time_ns = BPF_CORE_READ(p, start_time);
		rec.snap_ns = now;
		rec.tid = tid;
		rec.tgid = tgid;
		rec.exited = 1;
		bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), &p->comm);
		if (bpf_map_update_elem(&exit_records, &tid, &rec, BPF_ANY))
			count_drop(WS_DROP_EXIT_RECORD);
		if (!btf)
			bpf_map_delete_elem(&acct_by_tid, &tid);
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
	on_exit(p, true);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_sched_process_exit, struct task_struct *p)
{
	on_exit(p, false);
	return 0;
}

/* ---- on-CPU samples: a cpu-clock perf event per CPU, loaded only with stacks ---- */

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	static const __u64 zero_samples = 0;
	struct ws_oncpu_key key;
	__u64 *samples;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!is_target(tgid))
		return 0;
	key.tgid = tgid;
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

static __always_inline struct ws_thread_acct *iter_acct(struct task_struct *task, bool create)
{
	if (use_tid_hash)
		return acct_get(NULL, task->pid, create);
	return acct_get(task, task->pid, create);
}

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
	a = iter_acct(task, true);
	if (!a || a->first_ns)
		return 0; /* an event got there first */
	now = bpf_ktime_get_ns();
	a->flags |= WS_THREAD_SEEDED;
	/* The state now is taken as the state since the window began (microseconds ago). */
	if (task->__state != TASK_RUNNING) {
		/* Blocked since before the window: classified like a block seen at switch-out. */
		classify_block(task, task, task->__state, a, true, true);
		a->block_ustack = a->block_kstack = -1; /* no stack for a block we did not see */
		acct_first_sight(a, task, true, WS_STATE_BLOCKED, now);
	}
	else if (task->on_cpu)
		acct_first_sight(a, task, true, WS_STATE_RUNNING, now);
	else
		acct_first_sight(a, task, true, WS_STATE_RUNQ, now);
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
	a = iter_acct(task, false);
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
