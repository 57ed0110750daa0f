// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cgroup CPU quota parsers. */
#include <criterion/criterion.h>
#include "host/cpulimit.h"

Test(cpulimit, cpu_max_v2, .description = "cpu.max: quota/period in CPUs; max or junk: none")
{
	cr_expect_float_eq(cpulimit_parse_cpu_max("200000 100000\n"), 2.0, 1e-9);
	cr_expect_float_eq(cpulimit_parse_cpu_max("50000 100000"), 0.5, 1e-9);
	cr_expect_eq(cpulimit_parse_cpu_max("max 100000\n"), -1);
	cr_expect_eq(cpulimit_parse_cpu_max("12x 100000"), -1);
	cr_expect_eq(cpulimit_parse_cpu_max("50000 0"), -1);
	cr_expect_eq(cpulimit_parse_cpu_max(""), -1);
}

Test(cpulimit, cfs_v1, .description = "cfs_quota_us -1 is no limit; else quota/period")
{
	cr_expect_float_eq(cpulimit_parse_cfs("150000\n", "100000\n"), 1.5, 1e-9);
	cr_expect_eq(cpulimit_parse_cfs("-1\n", "100000\n"), -1);
	cr_expect_eq(cpulimit_parse_cfs("abc", "100000"), -1);
	cr_expect_eq(cpulimit_parse_cfs("100000", "0"), -1);
}

Test(cpulimit, proc_cgroup_paths, .description = "v2 line and the v1 hierarchy holding cpu")
{
	char v2[64], v1[64];

	cpulimit_parse_proc_cgroup("12:memory:/a\n4:cpu,cpuacct:/docker/abc\n0::/system.slice/x\n",
				   v2, sizeof(v2), v1, sizeof(v1));
	cr_expect_str_eq(v2, "/system.slice/x");
	cr_expect_str_eq(v1, "/docker/abc");
	cpulimit_parse_proc_cgroup("0::/\n", v2, sizeof(v2), v1, sizeof(v1));
	cr_expect_str_eq(v2, "/");
	cr_expect_str_eq(v1, "");
	/* "cpuset" and "cpuacct" alone are not "cpu" */
	cpulimit_parse_proc_cgroup("3:cpuset:/s\n2:cpuacct:/t\n", v2, sizeof(v2), v1, sizeof(v1));
	cr_expect_str_eq(v1, "");
	cr_expect_str_eq(v2, "");
}
