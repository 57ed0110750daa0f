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

/* Kinds of file descriptor, as read from the task's file table. */
enum ws_fd_kind {
	WS_FD_OTHER = 0,  /* pipe, FIFO, eventfd, tty, ... */
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
	case WS_NR_futex: case WS_NR_futex_waitv:
		return WS_CAUSE_LOCK;
	case WS_NR_accept: case WS_NR_accept4:
		return WS_CAUSE_IDLE;
	case WS_NR_poll: case WS_NR_ppoll: case WS_NR_select: case WS_NR_pselect6:
		/* waiting on no fds is a sleep (or a wait for a signal) */
		return nfds == 0 ? WS_CAUSE_SLEEP : WS_CAUSE_POLL;
	case WS_NR_epoll_wait: case WS_NR_epoll_pwait: case WS_NR_epoll_pwait2:
		return WS_CAUSE_POLL;
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
		return WS_CAUSE_NET;
	case WS_FD_TIMER:
		return WS_CAUSE_SLEEP;
	case WS_FD_EPOLL:
		return WS_CAUSE_POLL;
	default:
		return WS_CAUSE_OTHER;
	}
}

#endif /* WS_CLASSIFY_H */
