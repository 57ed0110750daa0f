// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"

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
