/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Wait causes: what a thread blocks on, decided when it blocks, from the syscall it blocks in
 * (read through arch.bpf.h) and the kind of the file descriptor it waits on. The rules
 * themselves are pure and shared with the unit tests (include/ws_classify.h).
 */
#ifndef WS_CAUSE_BPF_H
#define WS_CAUSE_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"
#include "arch.bpf.h"
#include "ws_classify.h"

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

/* A typed, read-only view of a kernel pointer (6.2+): its fields are then plain loads. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The syscall a thread blocks in, and the arguments classification needs. */
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
 * every task on the syscall slow path (docs/performance.md). task must be typed.
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
	nr = ws_syscall_nr(regs);
	if (nr < 0 || nr >= WS_MAX_SYSCALLS)
		return;
	bc->nr_plus1 = (__u32)nr + 1;
	if (nr == WS_NR_poll || nr == WS_NR_ppoll)
		bc->fd = (int)ws_syscall_arg(regs, 1); /* nfds */
	else if (ws_fd_syscall((__u32)nr) || nr == WS_NR_select || nr == WS_NR_pselect6)
		bc->fd = (int)ws_syscall_arg(regs, 0);
	bc->arg0 = ws_syscall_arg(regs, 0);
	bc->arg1 = ws_syscall_arg(regs, 1);
	bc->arg2 = ws_syscall_arg(regs, 2);
}

/*
 * The open file of descriptor fd of task, NULL if none. With typed tasks the chain is read with
 * plain loads instead of one probe-read helper call per pointer: that was 230 of the 480 ns of a
 * blocking sched_switch.
 */
static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct file **fdarr, *f = NULL;
	unsigned int max_fds;

	if (fd < 0)
		return NULL;
	if (typed_tasks()) {
		struct fdtable *fdt = task->files->fdt;

		max_fds = fdt->max_fds;
		fdarr = fdt->fd;
	} else {
		max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
		fdarr = BPF_CORE_READ(task, files, fdt, fd);
	}
	if ((unsigned int)fd >= max_fds)
		return NULL;
	if (typed_tasks() && bpf_core_field_offset(struct kiocb, ki_filp) == 0) {
		/*
		 * The fd array is struct file *[]: seen as a struct whose first field is a struct
		 * file * (kiocb.ki_filp, checked at load time by CO-RE), the slot is read with a
		 * plain fault-safe load instead of a probe-read helper call: 207 -> 181 ns per
		 * blocking sched_switch on a pipe.
		 */
		struct kiocb *slot;

		slot = bpf_rdonly_cast(&fdarr[fd], bpf_core_type_id_kernel(struct kiocb));

		f = slot->ki_filp;
	} else if (bpf_probe_read_kernel(&f, sizeof(f), &fdarr[fd])) {
		return NULL;
	}
	return f;
}

/* Kind of an open file (NULL: other); fills *lport and *rport for TCP/UDP sockets. */
static __always_inline enum ws_fd_kind file_kind(struct file *f, __u16 *lport, __u16 *rport)
{
	const unsigned char *dname;
	struct socket *sock;
	struct sock *sk;
	__u16 family, port;
	__u8 sk_state;
	umode_t mode;

	if (!f)
		return WS_FD_OTHER;
	if (typed_tasks()) {
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

		dname = typed_tasks() ? f->f_path.dentry->d_name.name
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
	if (typed_tasks()) {
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
		/* Neither end has an address: a socketpair (a channel between threads). */
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
					       struct ws_thread_acct *a)
{
	return file_kind(fd_file(task, fd), &a->block_lport, &a->block_rport);
}

/* Wait sets (poll/select/epoll): they classify their fds with fd_file() and file_kind(). */
#include "waitset.bpf.h"

/* io_schedule() marks I/O waits. */
static __always_inline bool task_in_iowait(struct task_struct *task)
{
	return typed_tasks() ? BPF_CORE_READ_BITFIELD(task, in_iowait)
			     : BPF_CORE_READ_BITFIELD_PROBED(task, in_iowait);
}

/*
 * Decide why the thread is about to wait. task is the thread itself; cur is the same thread as a
 * typed pointer (the raw_tp twin's task is not one), for its saved registers. seeded: run by the
 * seeding iterator, in the collector's context (a poll/select set is then read from cur's memory
 * with bpf_copy_from_user_task()).
 */
static __always_inline void classify_block(struct task_struct *task, struct task_struct *cur,
					   unsigned int state, struct ws_thread_acct *a,
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
	/* I/O wait is disk whatever the syscall (or a page fault). */
	if (task_in_iowait(task)) {
		a->block_cause = WS_CAUSE_DISK;
		return;
	}
	if (!bc.nr_plus1) {
		a->block_cause = WS_CAUSE_OTHER;
		return;
	}
	cause = ws_syscall_cause(nr, bc.fd);
	if (cause == WS_CAUSE_BY_FD)
		cause = ws_fd_cause(fd_kind(task, bc.fd, a));
	else if (cause == WS_CAUSE_BY_SET)
		cause = waitset_cause(cur, nr, &bc, a, seeded);
	if (nr == WS_NR_futex || nr == WS_NR_futex_wait)
		a->block_key = bc.arg0; /* the lock's address (futex_waitv's is a list) */
	a->block_cause = cause;
	if (!ws_futex_syscall(nr)) {
		a->work_cause = cause;
		a->work_clients = a->block_clients;
	}
}

#endif /* WS_CAUSE_BPF_H */
