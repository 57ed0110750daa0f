// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The wait-cause rules the kernel side applies, checked as a table (docs/model.md). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "ws_classify.h"

struct syscall_case {
	__u32 nr;
	int nfds;
	__u32 cause;
};

ParameterizedTestParameters(classify, syscall_rules)
{
	static struct syscall_case cases[] = {
		{ WS_NR_nanosleep, -1, WS_CAUSE_SLEEP },
		{ WS_NR_clock_nanosleep, -1, WS_CAUSE_SLEEP },
		{ WS_NR_pause, -1, WS_CAUSE_SLEEP },
		{ WS_NR_futex, -1, WS_CAUSE_PARKED },
		{ WS_NR_futex_waitv, -1, WS_CAUSE_PARKED },
		{ WS_NR_accept, 3, WS_CAUSE_IDLE },
		{ WS_NR_accept4, 3, WS_CAUSE_IDLE },
		{ WS_NR_poll, 0, WS_CAUSE_SLEEP },
		{ WS_NR_ppoll, 0, WS_CAUSE_SLEEP },
		{ WS_NR_select, 0, WS_CAUSE_SLEEP },
		{ WS_NR_poll, 4, WS_CAUSE_BY_SET },
		{ WS_NR_pselect6, 7, WS_CAUSE_BY_SET },
		{ WS_NR_epoll_wait, 5, WS_CAUSE_BY_SET },
		{ WS_NR_epoll_pwait, -1, WS_CAUSE_BY_SET },
		{ WS_NR_epoll_pwait2, -1, WS_CAUSE_BY_SET },
		{ WS_NR_fsync, 3, WS_CAUSE_DISK },
		{ WS_NR_fdatasync, 3, WS_CAUSE_DISK },
		{ WS_NR_msync, -1, WS_CAUSE_DISK },
		{ WS_NR_read, 3, WS_CAUSE_BY_FD },
		{ WS_NR_recvfrom, 3, WS_CAUSE_BY_FD },
		{ WS_NR_sendmsg, 3, WS_CAUSE_BY_FD },
		{ WS_NR_pwrite64, 3, WS_CAUSE_BY_FD },
		{ WS_NR_connect, 3, WS_CAUSE_BY_FD },
		{ 61 /* wait4 */, -1, WS_CAUSE_OTHER },
		{ 24 /* sched_yield */, -1, WS_CAUSE_OTHER },
		{ 100000, -1, WS_CAUSE_OTHER },
	};
	return cr_make_param_array(struct syscall_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct syscall_case *c, classify, syscall_rules,
		  .description = "each syscall lands in its documented cause")
{
	cr_assert_eq(ws_syscall_cause(c->nr, c->nfds), c->cause, "nr %u nfds %d", c->nr, c->nfds);
}

struct fd_case {
	enum ws_fd_kind kind;
	__u32 cause;
};

ParameterizedTestParameters(classify, fd_rules)
{
	static struct fd_case cases[] = {
		{ WS_FD_FILE, WS_CAUSE_DISK },	  { WS_FD_LISTEN, WS_CAUSE_IDLE },
		{ WS_FD_CLIENT, WS_CAUSE_CLIENT }, { WS_FD_INET, WS_CAUSE_NET },
		{ WS_FD_UNIX, WS_CAUSE_NET },	  { WS_FD_TIMER, WS_CAUSE_SLEEP },
		{ WS_FD_EPOLL, WS_CAUSE_OTHER },	  { WS_FD_OTHER, WS_CAUSE_OTHER },
		{ WS_FD_UNIX_LISTEN, WS_CAUSE_IDLE }, { WS_FD_UNIX_SERVER, WS_CAUSE_CLIENT },
		{ WS_FD_WAKE, WS_CAUSE_OTHER },	  { WS_FD_UNIX_PAIR, WS_CAUSE_NET },
	};
	return cr_make_param_array(struct fd_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct fd_case *c, classify, fd_rules,
		  .description = "each fd kind lands in its documented cause")
{
	cr_assert_eq(ws_fd_cause(c->kind), c->cause, "kind %d", c->kind);
}

Test(classify, fd_syscalls_take_their_fd, .description = "only fd syscalls look at the fd")
{
	cr_assert(ws_fd_syscall(WS_NR_read));
	cr_assert(ws_fd_syscall(WS_NR_accept4));
	cr_assert(ws_fd_syscall(WS_NR_flock));
	cr_assert(!ws_fd_syscall(WS_NR_futex));
	cr_assert(!ws_fd_syscall(WS_NR_epoll_wait));
	cr_assert(!ws_fd_syscall(WS_NR_nanosleep));
}
