/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include "util/fmt.h"

struct ns_case {
	double ns;
	char out[16];
};

ParameterizedTestParameters(fmt, ns)
{
	static struct ns_case cases[] = {
		{ 0, "0ns" },
		{ 812, "812ns" },
		{ 999.4, "999ns" },
		{ 999.5, "1.0us" },
		{ 3400, "3.4us" },
		{ 999949, "999.9us" },
		{ 999950, "1.0ms" },
		{ 12e6, "12.0ms" },
		{ 999.96e6, "1.00s" },
		{ 1.52e9, "1.52s" },
		{ 3600e9, "3600.00s" },
		{ -1, "n/a" },
		{ NAN, "n/a" },
		{ INFINITY, "n/a" },
	};

	return cr_make_param_array(struct ns_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct ns_case *c, fmt, ns, .description = "the unit is picked after rounding")
{
	char buf[32];

	cr_expect_str_eq(fmt_ns(buf, sizeof(buf), c->ns), c->out);
}

Test(fmt, ns_truncates, .description = "a short buffer is truncated, not overrun")
{
	char buf[4] = "xxx";

	fmt_ns(buf, sizeof(buf), 12e6);
	cr_expect_str_eq(buf, "12.");
}

Test(fmt, pct, .description = "fraction as percent with one decimal")
{
	char buf[16];

	cr_expect_str_eq(fmt_pct(buf, sizeof(buf), 0.1234), "12.3%");
	cr_expect_str_eq(fmt_pct(buf, sizeof(buf), 1.012), "101.2%");
	cr_expect_str_eq(fmt_pct(buf, sizeof(buf), 0), "0.0%");
	cr_expect_str_eq(fmt_pct(buf, sizeof(buf), NAN), "n/a");
}
