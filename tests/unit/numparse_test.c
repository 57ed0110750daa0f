// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include "util/numparse.h"

struct ulong_case {
	char s[32];
	int err;
	unsigned long v;
};

ParameterizedTestParameters(numparse, ulong_table)
{
	static struct ulong_case cases[] = {
		{ "0", 0, 0 },          { "42", 0, 42 },        { "100", 0, 100 },
		{ "101", -ERANGE, 0 },  { "", -EINVAL, 0 },     { "10abc", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },   { " 5", -EINVAL, 0 },   { "+5", -EINVAL, 0 },
		{ "5 ", -EINVAL, 0 },   { "0x10", -EINVAL, 0 }, { "99999999999999999999999", -ERANGE, 0 },
	};
	return cr_make_param_array(struct ulong_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct ulong_case *c, numparse, ulong_table,
		  .description = "strict unsigned parsing: whole string, range 0..100")
{
	unsigned long v = 777;
	int err = parse_ulong(c->s, 0, 100, &v);

	cr_assert_eq(err, c->err, "'%s': got %d want %d", c->s, err, c->err);
	if (!c->err)
		cr_assert_eq(v, c->v);
	else
		cr_assert_eq(v, 777, "output untouched on error");
}

struct double_case {
	char s[32];
	int err;
	double v;
};

ParameterizedTestParameters(numparse, double_table)
{
	static struct double_case cases[] = {
		{ "5", 0, 5.0 },         { "0.5", 0, 0.5 },      { ".25", 0, 0.25 },
		{ "1e1", 0, 10.0 },      { "0", -ERANGE, 0 },    { "-1", -EINVAL, 0 },
		{ "nan", -EINVAL, 0 },   { "inf", -EINVAL, 0 },  { "5s", -EINVAL, 0 },
		{ "", -EINVAL, 0 },      { "1e999", -ERANGE, 0 }, { "1001", -ERANGE, 0 },
	};
	return cr_make_param_array(struct double_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct double_case *c, numparse, double_table,
		  .description = "strict double parsing: finite, in 0.001..1000, no suffix")
{
	double v = -1;
	int err = parse_double(c->s, 0.001, 1000, &v);

	cr_assert_eq(err, c->err, "'%s': got %d want %d", c->s, err, c->err);
	if (!c->err)
		cr_assert_float_eq(v, c->v, 1e-12);
}

Test(numparse, pid_list_dedupes, .description = "1,2,1 gives two PIDs in order")
{
	pid_t *pids = NULL;
	size_t n = 0;

	cr_assert_eq(parse_pid_list("1,2,1", &pids, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(pids[0], 1);
	cr_assert_eq(pids[1], 2);
	free(pids);
}

Test(numparse, pid_list_rejects, .description = "empty, zero, trailing comma, junk, huge")
{
	const char *bad[] = { "", ",", "1,", ",1", "0", "1,,2", "abc", "1;2", "4194305", "-3" };
	size_t i, n;
	pid_t *pids;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pids = NULL;
		cr_assert_neq(parse_pid_list(bad[i], &pids, &n), 0, "'%s' accepted", bad[i]);
		cr_assert_null(pids);
	}
}
