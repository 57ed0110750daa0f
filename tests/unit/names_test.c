// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Syscall and cause names: one x86_64 table (include/ws_syscalls.h), no "?" in reports. */
#include <sys/syscall.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "model/profile.h"
#include "ws_syscalls.h"

struct name_case {
	__u32 nr;
	char name[32]; /* inline: the parameters are copied to the test process */
};

ParameterizedTestParameters(names, syscall_names)
{
	/* Numbers spelled out: the table itself is under test. */
	static struct name_case cases[] = {
		{ 0, "read" },           { 7, "poll" },           { 130, "rt_sigsuspend" },
		{ 202, "futex" },        { 232, "epoll_wait" },   { 288, "accept4" },
		{ 334, "rseq" },         { 424, "pidfd_send_signal" }, { 441, "epoll_pwait2" },
		{ 449, "futex_waitv" },  { 450, "set_mempolicy_home_node" }, { 455, "futex_wait" },
		{ 470, "listns" },
	};

	return cr_make_param_array(struct name_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct name_case *c, names, syscall_names,
		  .description = "x86_64 syscall numbers map to their names")
{
	const char *name = ws_syscall_name(c->nr);

	cr_assert_not_null(name, "syscall %u has no name", c->nr);
	cr_assert_str_eq(name, c->name);
}

Test(names, every_syscall_has_a_name,
     .description = "every number of the x86_64 table up to 334 and from 424 is named")
{
	for (__u32 nr = 0; nr < WS_SYSCALL_END; nr++) {
		if (nr > 334 && nr < 424)
			continue; /* unused range (the x32 numbers start at 512) */
		cr_assert_not_null(ws_syscall_name(nr), "syscall %u has no name", nr);
	}
	cr_assert_null(ws_syscall_name(WS_SYSCALL_END));
	cr_assert_null(ws_syscall_name(100000));
}

Test(names, numbers_match_the_libc_headers,
     .description = "the WS_NR_* numbers the rules use are the system's __NR_* numbers")
{
	cr_assert_eq(WS_NR_read, __NR_read);
	cr_assert_eq(WS_NR_futex, __NR_futex);
	cr_assert_eq(WS_NR_rt_sigsuspend, __NR_rt_sigsuspend);
	cr_assert_eq(WS_NR_clock_nanosleep, __NR_clock_nanosleep);
	cr_assert_eq(WS_NR_epoll_pwait2, __NR_epoll_pwait2);
	cr_assert_eq(WS_NR_futex_waitv, __NR_futex_waitv);
	cr_assert_eq(WS_NR_set_mempolicy_home_node, __NR_set_mempolicy_home_node);
}

Test(names, cause_names, .description = "each wait cause has its name; out of range is other")
{
	cr_assert_str_eq(ws_cause_name(WS_CAUSE_LOCK), "lock");
	cr_assert_str_eq(ws_cause_name(WS_CAUSE_PARKED), "parked");
	cr_assert_str_eq(ws_cause_name(WS_CAUSE_KINDS), "other");
	cr_assert_str_eq(ws_cause_name(-1), "other");
}
