// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/procfs.h"

Test(procfs, schedstat_parses, .description = "three numbers and a newline")
{
	struct schedstat s;

	cr_assert_eq(schedstat_parse("123456789 42 7\n", &s), 0);
	cr_assert_eq(s.on_cpu_ns, 123456789);
	cr_assert_eq(s.run_delay_ns, 42);
	cr_assert_eq(s.timeslices, 7);
}

Test(procfs, schedstat_rejects, .description = "short, junk and trailing text")
{
	struct schedstat s;

	cr_assert_eq(schedstat_parse("1 2\n", &s), -EINVAL);
	cr_assert_eq(schedstat_parse("", &s), -EINVAL);
	cr_assert_eq(schedstat_parse("a b c\n", &s), -EINVAL);
	cr_assert_eq(schedstat_parse("1 2 3 junk\n", &s), -EINVAL);
}

Test(procfs, stat_comm_with_parens_and_spaces, .description = "comm ends at the LAST ')'")
{
	const char *text = "4242 (we ird) (x)) S 1 4242 4242 0 -1 2097216 100 0 0 0 5 6 0 0 20 0 "
			   "3 0 987654 1000 10 18446744073709551615\n";
	struct proc_stat st;

	cr_assert_eq(proc_stat_parse(text, &st), 0);
	cr_assert_str_eq(st.comm, "we ird) (x)");
	cr_assert_eq(st.state, 'S');
	cr_assert_eq(st.flags, 2097216);
	cr_assert(st.flags & WS_PF_KTHREAD);
	cr_assert_eq(st.starttime, 987654);
}

Test(procfs, stat_rejects_truncated, .description = "missing fields or parens")
{
	struct proc_stat st;

	cr_assert_eq(proc_stat_parse("12 (x) S 1 2 3", &st), -EINVAL);
	cr_assert_eq(proc_stat_parse("12 x S 1 2 3", &st), -EINVAL);
	cr_assert_eq(proc_stat_parse("", &st), -EINVAL);
	cr_assert_eq(proc_stat_parse("1 (a)", &st), -EINVAL);
}

Test(procfs, stat_reads_self, .description = "our own /proc/self/stat parses")
{
	struct proc_stat st;

	cr_assert_eq(proc_stat_read(getpid(), &st), 0);
	cr_assert(!(st.flags & WS_PF_KTHREAD));
	cr_assert(st.starttime > 0);
}

Test(procfs, capeff, .description = "CapEff hex mask from status text")
{
	__u64 caps = 0;

	cr_assert_eq(status_parse_capeff("Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n",
					 &caps), 0);
	cr_assert_eq(caps, 0x1ffffffffffull);
	cr_assert_eq(status_parse_capeff("Name:\tx\n", &caps), -EINVAL);
	cr_assert_eq(status_parse_capeff("CapEff:\tzz\n", &caps), -EINVAL);
}

Test(procfs, status_field, .description = "numeric field lookup by exact name")
{
	unsigned long v = 0;
	const char *text = "Name:\tx\nTgidX:\t9\nTgid:\t1234\nPid:\t1240\n";

	cr_assert_eq(status_parse_field(text, "Tgid", &v), 0);
	cr_assert_eq(v, 1234);
	cr_assert_eq(status_parse_field(text, "Pid", &v), 0);
	cr_assert_eq(v, 1240);
	cr_assert_eq(status_parse_field(text, "PPid", &v), -EINVAL);
}

Test(procfs, status_rss, .description = "VmRSS in kB to bytes; first line too; -1 when absent")
{
	cr_assert_eq(status_parse_rss("Name:\tx\nVmRSS:\t  1234 kB\nThreads: 1\n"), 1234 * 1024L);
	cr_assert_eq(status_parse_rss("VmRSS:\t8 kB\n"), 8 * 1024L);
	cr_assert_eq(status_parse_rss("Name:\tx\nThreads: 1\n"), -1);
	cr_assert_eq(status_parse_rss("XVmRSS:\t8 kB\n"), -1);
	cr_assert_eq(status_parse_rss("VmRSS:\t99999999999999999999 kB\n"), -1);
}

Test(procfs, capeff_first_line, .description = "CapEff on the first line or after a newline")
{
	__u64 caps = 0;

	cr_assert_eq(status_parse_capeff("CapEff:\t000001ffffffffff\n", &caps), 0);
	cr_assert_eq(caps, 0x1ffffffffffull);
	cr_assert_eq(status_parse_capeff("Name:\tx\nCapEff:\t0000000000000001\n", &caps), 0);
	cr_assert_eq(caps, 1);
	cr_assert_eq(status_parse_capeff("Name:\tx\nXCapEff:\t1\n", &caps), -EINVAL);
}

Test(procfs, procstat_cpu_strict, .description = "unsigned fields only; busy never above total")
{
	unsigned long long busy, total;

	cr_assert_eq(procstat_parse_cpu("cpu  100 0 50 800 50 0 0 0 0 0\n", &busy, &total), 0);
	cr_assert_eq(total, 1000);
	cr_assert_eq(busy, 150);
	/* found by fuzzing: "-7" was read as 2^64 - 7 and busy came out above total */
	cr_assert_eq(procstat_parse_cpu("cpu  6469  1204624 0 1-7 1 0\n", &busy, &total), 0);
	cr_assert(busy <= total);
	cr_assert_eq(procstat_parse_cpu("cpu 1 2 -3 4\n", &busy, &total), -EINVAL);
	cr_assert_eq(procstat_parse_cpu("cpu 18446744073709551615 1 0 0\n", &busy, &total),
		     -EINVAL);
	cr_assert_eq(procstat_parse_cpu("cpu0 1 2 3 4\n", &busy, &total), -EINVAL);
}

Test(procfs, net_tcp_listen_file, .description = "LISTEN rows of a whole file, others skipped")
{
	static char text[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
		"timeout inode\n"
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0 "
		"       0 4242 1 0000000000000000 100 0 0 10 0\n"
		"   1: 0100007F:1F90 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0 "
		"       0 4243 1 0000000000000000 20 4 30 10 -1\n";
	struct listen_sock *socks = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fmemopen(text, strlen(text), "r");

	cr_assert_not_null(f);
	cr_assert_eq(net_tcp_listen_parse(f, &socks, &n, &cap), 0);
	fclose(f);
	cr_assert_eq(n, 1);
	cr_assert_eq(socks[0].port, 8080);
	cr_assert_eq(socks[0].inode, 4242);
	cr_assert_eq(socks[0].accept_queue, 3);
	free(socks);
}
