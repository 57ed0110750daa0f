/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wait-cause rules shared by the kernel side (which applies them when a thread blocks) and the
 * unit tests (which check them as a table). Pure: syscall number and fd kind in, cause out.
 * The rules are documented in docs/model.md ("Wait causes: the exact rules").
 */
#ifndef WS_CLASSIFY_H
#define WS_CLASSIFY_H

#ifndef __VMLINUX_H__
#include <stdbool.h>
#include <linux/types.h>
#endif
#include "waitscope.h"
/* WS_NR_*: x86_64 (other architectures classify by I/O wait and fd kind only) */
#include "ws_syscalls.h"

#ifdef __bpf__
#define WS_RULE static __always_inline
#else
#define WS_RULE static inline
#endif

/* The cause is decided by the kind of the file descriptor (ws_fd_cause). */
#define WS_CAUSE_BY_FD 0xff
/* The cause is decided by the fds of the poll/select/epoll set (ws_set_cause). */
#define WS_CAUSE_BY_SET 0xfe

/* Kinds of file descriptor, as read from the task's file table. */
enum ws_fd_kind {
	WS_FD_OTHER = 0,  /* tty, device, inotify, ... */
	WS_FD_FILE,       /* regular file or block device */
	WS_FD_LISTEN,     /* TCP socket in LISTEN state */
	WS_FD_CLIENT,     /* TCP/UDP socket on a local listening port: an accepted client */
	WS_FD_INET,       /* any other TCP/UDP socket: an outbound connection */
	WS_FD_UNIX,       /* unix socket */
	WS_FD_TIMER,      /* timerfd */
	WS_FD_EPOLL,      /* epoll fd */
	WS_FD_UNIX_LISTEN, /* unix stream socket in LISTEN state (php-fpm, uWSGI behind nginx) */
	WS_FD_UNIX_SERVER, /* unix socket accepted from a listener: it carries the listener's
			    * address, a connecting client's socket has none */
	WS_FD_WAKE,       /* pipe, FIFO, eventfd, signalfd: a wake-up from a thread or a signal */
	WS_FD_UNIX_PAIR,  /* unix socket whose ends have no address: a socketpair channel */
	WS_FD_KINDS,
};

/* Syscalls whose first argument is the fd they wait on. */
WS_RULE bool ws_fd_syscall(__u32 nr)
{
	switch (nr) {
	case WS_NR_read: case WS_NR_write: case WS_NR_pread64: case WS_NR_pwrite64:
	case WS_NR_readv: case WS_NR_writev: case WS_NR_connect: case WS_NR_accept:
	case WS_NR_accept4: case WS_NR_sendto: case WS_NR_recvfrom: case WS_NR_sendmsg:
	case WS_NR_recvmsg: case WS_NR_recvmmsg: case WS_NR_sendmmsg: case WS_NR_preadv:
	case WS_NR_pwritev: case WS_NR_fsync: case WS_NR_fdatasync: case WS_NR_flock:
	case WS_NR_sync_file_range:
		return true;
	}
	return false;
}

/* Futex waits: futex(2), futex_waitv(2) and futex_wait(2) (6.7+). */
WS_RULE bool ws_futex_syscall(__u32 nr)
{
	return nr == WS_NR_futex || nr == WS_NR_futex_waitv || nr == WS_NR_futex_wait;
}

/*
 * Cause of blocking in syscall nr (rules 3-9 of docs/model.md; rules 1-2, I/O wait and "not in
 * a syscall", come first and are the caller's). nfds: the fd count of poll/select.
 * Returns an enum ws_cause, or WS_CAUSE_BY_FD.
 */
WS_RULE __u32 ws_syscall_cause(__u32 nr, int nfds)
{
	switch (nr) {
	case WS_NR_nanosleep: case WS_NR_clock_nanosleep: case WS_NR_pause:
		return WS_CAUSE_SLEEP;
	case WS_NR_futex: case WS_NR_futex_waitv: case WS_NR_futex_wait:
		/* becomes lock when a target's thread wakes it (sched_waking) */
		return WS_CAUSE_PARKED;
	case WS_NR_accept: case WS_NR_accept4:
		return WS_CAUSE_IDLE;
	case WS_NR_poll: case WS_NR_ppoll: case WS_NR_select: case WS_NR_pselect6:
		/* waiting on no fds is a sleep (or a wait for a signal) */
		return nfds == 0 ? WS_CAUSE_SLEEP : WS_CAUSE_BY_SET;
	case WS_NR_epoll_wait: case WS_NR_epoll_pwait: case WS_NR_epoll_pwait2:
		return WS_CAUSE_BY_SET;
	case WS_NR_fsync: case WS_NR_fdatasync: case WS_NR_sync_file_range: case WS_NR_msync:
		return WS_CAUSE_DISK;
	}
	return ws_fd_syscall(nr) ? WS_CAUSE_BY_FD : WS_CAUSE_OTHER;
}

/* Cause of blocking on a file descriptor of this kind (rule 8). */
WS_RULE __u32 ws_fd_cause(enum ws_fd_kind kind)
{
	switch (kind) {
	case WS_FD_FILE:
		return WS_CAUSE_DISK;
	case WS_FD_LISTEN:
	case WS_FD_UNIX_LISTEN:
		return WS_CAUSE_IDLE;
	case WS_FD_CLIENT:
	case WS_FD_UNIX_SERVER:
		return WS_CAUSE_CLIENT;
	case WS_FD_INET:
	case WS_FD_UNIX: /* local services: databases, caches */
	case WS_FD_UNIX_PAIR:
		return WS_CAUSE_NET;
	case WS_FD_TIMER:
		return WS_CAUSE_SLEEP;
	default: /* an epoll fd read directly, pipes, ttys */
		return WS_CAUSE_OTHER;
	}
}

/* A socket wait's peer, aggregated by the stable end: the listening port for clients, else the
 * peer's port. */
WS_RULE struct ws_peer_key ws_peer_key_of(__u16 lport, __u16 rport, __u32 cause)
{
	struct ws_peer_key key = { cause == WS_CAUSE_CLIENT ? lport : 0,
				   cause == WS_CAUSE_CLIENT ? 0 : rport, cause };

	return key;
}

/* ---- wait sets: the cause of a poll/select/epoll wait comes from the fds it waits on ---- */

/*
 * Fds classified per set wait; the rest are counted (ws_counters.set_truncated). 32: measured
 * (examples/pollwait, pinned) a classified fd adds ~18 ns to a blocking poll switch and ~9 ns to
 * an epoll one, so a full set adds ~0.7 us (poll) / ~0.3 us (epoll) at most; the servers
 * measured wait on fewer (a PostgreSQL backend 3, a CPython socket timeout 1), and an event
 * loop's first 32 already say whether it holds clients and upstreams.
 */
#define WS_WAITSET_FDS 32

/* What one set wait waits on: fds per kind, filled by the kernel side (bpf/waitset.bpf.h). */
struct ws_waitset {
	__u16 n[WS_FD_KINDS];
	__u16 truncated;  /* fds past WS_WAITSET_FDS (epoll: at least 1 when there were more) */
	__u16 lport;      /* ports of the first outbound TCP/UDP connection in the set */
	__u16 rport;
	__u16 client_lport; /* local (listening) port of the first client connection */
	__u16 client_rport;
	__u8 unreadable;  /* the set could not be read (user memory not resident, ...) */
	__u8 pad;
};

/* Client connections (TCP or unix, accepted from a listener) in the set. */
WS_RULE __u32 ws_set_clients(const struct ws_waitset *s)
{
	return (__u32)s->n[WS_FD_CLIENT] + s->n[WS_FD_UNIX_SERVER];
}

/*
 * Cause of a wait on a set (docs/model.md, "Wait sets"), first match wins: unreadable -> other;
 * any outbound connection (TCP/UDP, or unix to a named service) -> net; any client -> client;
 * any listener -> idle (new work; wake-up fds and timers beside it do not matter); anything
 * unknown (tty, device, regular file, nested epoll) -> other; a timer -> sleep; only wake-up
 * fds (pipes, eventfds, signalfds, socketpairs) -> parked (an idle thread waiting to be
 * signalled); no fds -> sleep.
 */
WS_RULE __u32 ws_set_cause(const struct ws_waitset *s)
{
	if (s->unreadable)
		return WS_CAUSE_OTHER;
	if (s->n[WS_FD_INET] || s->n[WS_FD_UNIX])
		return WS_CAUSE_NET;
	if (ws_set_clients(s))
		return WS_CAUSE_CLIENT;
	if (s->n[WS_FD_LISTEN] || s->n[WS_FD_UNIX_LISTEN])
		return WS_CAUSE_IDLE;
	if (s->n[WS_FD_OTHER] || s->n[WS_FD_FILE] || s->n[WS_FD_EPOLL])
		return WS_CAUSE_OTHER;
	if (s->n[WS_FD_TIMER])
		return WS_CAUSE_SLEEP;
	if (s->n[WS_FD_WAKE] || s->n[WS_FD_UNIX_PAIR])
		return WS_CAUSE_PARKED;
	return WS_CAUSE_SLEEP;
}

/*
 * A parked wait (a futex, or a set of only wake-up fds) is woken by a thread in syscall
 * waker_nr_plus1 (0: none): is that a thread signalling it (a mutex unlock, a condition signal, a
 * write to a pipe or eventfd, a signal sent)? A timeout or an interrupt wakes from whatever the
 * CPU was running, an exit from exit(): those are not contention.
 */
WS_RULE bool ws_wake_signals(bool futex_wait, __u32 waker_nr_plus1)
{
	__u32 nr = waker_nr_plus1 - 1;

	if (!waker_nr_plus1)
		return false;
	if (futex_wait)
		return nr == WS_NR_futex || nr == WS_NR_futex_wake || nr == WS_NR_futex_requeue;
	switch (nr) {
	case WS_NR_write: case WS_NR_writev: case WS_NR_sendto: case WS_NR_sendmsg:
	case WS_NR_sendmmsg: case WS_NR_kill: case WS_NR_tkill: case WS_NR_tgkill:
	case WS_NR_rt_sigqueueinfo: case WS_NR_rt_tgsigqueueinfo:
	case WS_NR_futex: case WS_NR_futex_wake: /* eventfd-less libraries */
		return true;
	}
	return false;
}

/*
 * A parked wait is woken: the cause it ends with (docs/model.md, "Parked vs contended").
 * waker_target: the waker is a thread of a target process; waker_signals: ws_wake_signals().
 * By a thread of the same process whose last non-futex wait was for new work, idle (accept, a
 * set of listeners: an acceptor) or client (a set of client connections: a dispatcher), it is a
 * handoff of new work: the wait takes that cause. By an event loop that serves its clients itself
 * (its last set held clients and upstreams: net with waker_clients, Node's loop handing tasks to
 * its helper threads), it stays parked: auxiliary work, neither contention nor serving. Otherwise
 * a target's thread ended the wait: lock.
 */
WS_RULE __u32 ws_parked_wake_cause(bool waker_target, bool waker_signals, bool same_process,
				   __u32 waker_work, __u32 waker_clients)
{
	if (!waker_target || !waker_signals)
		return WS_CAUSE_PARKED;
	if (same_process && (waker_work == WS_CAUSE_IDLE || waker_work == WS_CAUSE_CLIENT))
		return waker_work;
	if (same_process && waker_clients)
		return WS_CAUSE_PARKED;
	return WS_CAUSE_LOCK;
}

#endif /* WS_CLASSIFY_H */
