// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The wait-set rules the kernel side applies (ws_set_cause, ws_parked_wake_cause,
 * ws_wake_signals in include/ws_classify.h), checked as tables (docs/model.md, "Wait sets").
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "ws_classify.h"

struct set_case {
	const char *what;
	/* fds per kind, in enum ws_fd_kind order */
	__u16 other, file, listen, client, inet, unix_, timer, epoll, unix_listen, unix_server,
		wake, unix_pair;
	__u8 unreadable;
	__u32 cause;
	__u32 clients;
};

static void set_from_case(const struct set_case *c, struct ws_waitset *s)
{
	memset(s, 0, sizeof(*s));
	s->n[WS_FD_OTHER] = c->other;
	s->n[WS_FD_FILE] = c->file;
	s->n[WS_FD_LISTEN] = c->listen;
	s->n[WS_FD_CLIENT] = c->client;
	s->n[WS_FD_INET] = c->inet;
	s->n[WS_FD_UNIX] = c->unix_;
	s->n[WS_FD_TIMER] = c->timer;
	s->n[WS_FD_EPOLL] = c->epoll;
	s->n[WS_FD_UNIX_LISTEN] = c->unix_listen;
	s->n[WS_FD_UNIX_SERVER] = c->unix_server;
	s->n[WS_FD_WAKE] = c->wake;
	s->n[WS_FD_UNIX_PAIR] = c->unix_pair;
	s->unreadable = c->unreadable;
}

ParameterizedTestParameters(waitset, set_rules)
{
	static struct set_case cases[] = {
		{ .what = "CPython socket timeout: poll on the upstream", .inet = 1,
		  .cause = WS_CAUSE_NET },
		{ .what = "event loop holding clients and an upstream", .listen = 1, .client = 40,
		  .inet = 1, .wake = 1, .cause = WS_CAUSE_NET, .clients = 40 },
		{ .what = "libpq over a unix socket", .unix_ = 1, .cause = WS_CAUSE_NET },
		{ .what = "PostgreSQL backend: client, latch, postmaster pipe", .client = 1,
		  .wake = 2, .cause = WS_CAUSE_CLIENT, .clients = 1 },
		{ .what = "php-fpm child behind nginx: accepted unix socket", .unix_server = 1,
		  .cause = WS_CAUSE_CLIENT, .clients = 1 },
		{ .what = "event loop with clients and its listener", .listen = 2, .client = 7,
		  .timer = 1, .cause = WS_CAUSE_CLIENT, .clients = 7 },
		{ .what = "gunicorn sync worker: select on the listener", .listen = 1,
		  .cause = WS_CAUSE_IDLE },
		{ .what = "nginx worker, no clients: listeners, channel, eventfd", .listen = 2,
		  .unix_pair = 1, .wake = 1, .cause = WS_CAUSE_IDLE },
		{ .what = "unix listener and a timer", .unix_listen = 1, .timer = 1,
		  .cause = WS_CAUSE_IDLE },
		{ .what = "a tty", .other = 1, .wake = 1, .cause = WS_CAUSE_OTHER },
		{ .what = "nested epoll", .epoll = 1, .cause = WS_CAUSE_OTHER },
		{ .what = "regular file (always ready)", .file = 1, .cause = WS_CAUSE_OTHER },
		{ .what = "timers only", .timer = 2, .cause = WS_CAUSE_SLEEP },
		{ .what = "timer and a wake-up pipe", .timer = 1, .wake = 1,
		  .cause = WS_CAUSE_SLEEP },
		{ .what = "wake-up fds only: an idle thread", .wake = 3, .cause = WS_CAUSE_PARKED },
		{ .what = "socketpair channel only", .unix_pair = 1, .cause = WS_CAUSE_PARKED },
		{ .what = "no fds", .cause = WS_CAUSE_SLEEP },
		{ .what = "unreadable set", .inet = 1, .unreadable = 1,
		  .cause = WS_CAUSE_OTHER },
	};
	return cr_make_param_array(struct set_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct set_case *c, waitset, set_rules,
		  .description = "each wait set lands in its documented cause")
{
	struct ws_waitset s;

	set_from_case(c, &s);
	cr_assert_eq(ws_set_cause(&s), c->cause, "%s", c->what);
	cr_assert_eq(ws_set_clients(&s), c->clients, "%s: clients", c->what);
}

struct wake_case {
	bool waker_target, waker_signals, same_process;
	__u32 waker_work, waker_clients;
	__u32 cause;
};

ParameterizedTestParameters(waitset, parked_wake_rules)
{
	static struct wake_case cases[] = {
		/* never woken by a target's thread signalling it: parked */
		{ false, true, false, WS_CAUSE_IDLE, 0, WS_CAUSE_PARKED },
		{ false, false, false, WS_CAUSE_OTHER, 0, WS_CAUSE_PARKED },
		{ true, false, true, WS_CAUSE_IDLE, 0, WS_CAUSE_PARKED }, /* timeout in an irq */
		{ true, false, true, WS_CAUSE_NET, 5, WS_CAUSE_PARKED },
		/* a mutex unlock by another worker, a latch set by another backend: contention */
		{ true, true, true, WS_CAUSE_NET, 0, WS_CAUSE_LOCK }, /* a worker, its upstream */
		{ true, true, true, WS_CAUSE_OTHER, 0, WS_CAUSE_LOCK },
		{ true, true, false, WS_CAUSE_IDLE, 0, WS_CAUSE_LOCK }, /* another process */
		{ true, true, false, WS_CAUSE_CLIENT, 1, WS_CAUSE_LOCK }, /* a backend's row lock */
		{ true, true, false, WS_CAUSE_NET, 9, WS_CAUSE_LOCK },
		/* a dispatcher hands work over */
		{ true, true, true, WS_CAUSE_IDLE, 0, WS_CAUSE_IDLE },
		{ true, true, true, WS_CAUSE_CLIENT, 3, WS_CAUSE_CLIENT },
		/* an event loop serving its clients and upstreams (net) hands a helper a task */
		{ true, true, true, WS_CAUSE_NET, 32, WS_CAUSE_PARKED },
	};
	return cr_make_param_array(struct wake_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct wake_case *c, waitset, parked_wake_rules,
		  .description = "a parked wait is parked unless a target's thread ends it")
{
	cr_assert_eq(ws_parked_wake_cause(c->waker_target, c->waker_signals, c->same_process,
					  c->waker_work, c->waker_clients),
		     c->cause, "target %d signals %d same %d work %u clients %u", c->waker_target,
		     c->waker_signals, c->same_process, c->waker_work, c->waker_clients);
}

struct signal_case {
	bool futex_wait;
	__u32 waker_nr_plus1;
	bool signals;
};

ParameterizedTestParameters(waitset, wake_signals)
{
	static struct signal_case cases[] = {
		/* a futex wait ends by a futex wake (futex(2), futex_wake(2), a requeue) */
		{ true, WS_NR_futex + 1, true },
		{ true, WS_NR_futex_wake + 1, true },
		{ true, WS_NR_futex_requeue + 1, true },
		{ true, WS_NR_exit + 1, false }, /* clear_child_tid at exit: not contention */
		{ true, WS_NR_write + 1, false },
		{ true, 0, false },              /* an interrupt outside any syscall */
		/* a wake-up set (pipe, eventfd, signalfd) ends by a write or a signal sent */
		{ false, WS_NR_write + 1, true },
		{ false, WS_NR_kill + 1, true }, /* PostgreSQL's SetLatch(): SIGURG, signalfd */
		{ false, WS_NR_tgkill + 1, true },
		{ false, WS_NR_sendmsg + 1, true }, /* a socketpair */
		{ false, WS_NR_read + 1, false }, /* a timer interrupt during a read */
		{ false, WS_NR_exit_group + 1, false }, /* a pipe's writer exits */
		{ false, 0, false },
	};
	return cr_make_param_array(struct signal_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct signal_case *c, waitset, wake_signals,
		  .description = "only a syscall signalling such waiters ends a parked wait")
{
	cr_assert_eq(ws_wake_signals(c->futex_wait, c->waker_nr_plus1), c->signals,
		     "futex %d waker nr+1 %u", c->futex_wait, c->waker_nr_plus1);
}

Test(waitset, futex_starts_parked, .description = "futex waits start parked, not lock")
{
	cr_assert_eq(ws_syscall_cause(WS_NR_futex, -1), WS_CAUSE_PARKED);
	cr_assert_eq(ws_syscall_cause(WS_NR_futex_waitv, -1), WS_CAUSE_PARKED);
	cr_assert_eq(ws_syscall_cause(WS_NR_futex_wait, -1), WS_CAUSE_PARKED, "futex_wait(2)");
	cr_assert(ws_futex_syscall(WS_NR_futex_wait) && ws_futex_syscall(WS_NR_futex_waitv));
	cr_assert(!ws_futex_syscall(WS_NR_futex_wake), "a wake is no wait");
}

Test(waitset, set_syscalls_read_their_set, .description = "poll/select/epoll go by their set")
{
	cr_assert_eq(ws_syscall_cause(WS_NR_poll, 1), WS_CAUSE_BY_SET);
	cr_assert_eq(ws_syscall_cause(WS_NR_select, 5), WS_CAUSE_BY_SET);
	cr_assert_eq(ws_syscall_cause(WS_NR_epoll_pwait2, 4), WS_CAUSE_BY_SET);
	cr_assert_eq(ws_syscall_cause(WS_NR_ppoll, 0), WS_CAUSE_SLEEP, "no fds: a sleep");
}

Test(waitset, kinds_fit_the_summary, .description = "every fd kind has a slot in the set")
{
	struct ws_waitset s;

	cr_assert_eq(sizeof(s.n) / sizeof(s.n[0]), WS_FD_KINDS);
	cr_assert_eq(WS_CAUSE_PARKED, 7, "parked reuses the old poll slot");
	cr_assert_eq(WS_CAUSE_KINDS, 8);
}
