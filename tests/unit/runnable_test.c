// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* procs_running parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include "host/runnable.h"

Test(runnable, parses_procs_running, .description = "the number after procs_running")
{
	unsigned long n = 0;

	cr_assert_eq(runnable_parse("cpu  1 2 3\nctxt 5\nprocs_running 9\nprocs_blocked 0\n", &n),
		     0);
	cr_expect_eq(n, 9);
	cr_expect_eq(runnable_parse("cpu 1\nprocs_blocked 0\n", &n), -ENOENT);
	cr_expect_eq(runnable_parse("cpu 1\nprocs_running x\n", &n), -EINVAL);
	cr_expect_eq(runnable_parse("cpu 1\nprocs_running 3x\n", &n), -EINVAL);
}
