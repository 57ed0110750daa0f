// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/net/netstat TcpExt parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include "host/netstat.h"

static const char text[] =
	"TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops\n"
	"TcpExt: 1 2 37 40\n"
	"IpExt: InNoRoutes ListenOverflows\n"
	"IpExt: 0 99\n";

Test(netstat, finds_tcpext_counter, .description = "the value under the name, TcpExt only")
{
	unsigned long long v = 0;

	cr_assert_eq(netstat_parse_tcpext(text, "ListenOverflows", &v), 0);
	cr_expect_eq(v, 37);
	cr_assert_eq(netstat_parse_tcpext(text, "ListenDrops", &v), 0);
	cr_expect_eq(v, 40);
	cr_expect_eq(netstat_parse_tcpext(text, "InNoRoutes", &v), -ENOENT);
	cr_expect_eq(netstat_parse_tcpext(text, "Listen", &v), -ENOENT, "whole names only");
}

Test(netstat, malformed, .description = "missing values line or short values: -EINVAL")
{
	unsigned long long v;

	cr_expect_eq(netstat_parse_tcpext("TcpExt: A B\n", "A", &v), -EINVAL);
	cr_expect_eq(netstat_parse_tcpext("TcpExt: A B\nTcpExt: 5\n", "B", &v), -EINVAL);
	cr_expect_eq(netstat_parse_tcpext("TcpExt: A B\nTcpExt: 5 x\n", "B", &v), -EINVAL);
	cr_expect_eq(netstat_parse_tcpext("", "A", &v), -ENOENT);
}
