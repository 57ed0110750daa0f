/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* JSON getters for tests: the value at a path, or a failed assertion naming the path. */
#ifndef WS_JL_ASSERT_H
#define WS_JL_ASSERT_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include "json_lite.h"

static inline double get_d(const struct jl_value *root, const char *path)
{
	double v = 0;

	cr_assert(jl_get_double(root, path, &v), "missing number %s", path);
	return v;
}

static inline unsigned long long get_u(const struct jl_value *root, const char *path)
{
	uint64_t v = 0;

	cr_assert(jl_get_u64(root, path, &v), "missing integer %s", path);
	return (unsigned long long)v;
}

static inline bool get_b(const struct jl_value *root, const char *path)
{
	bool v = false;

	cr_assert(jl_get_bool(root, path, &v), "missing bool %s", path);
	return v;
}

#endif /* WS_JL_ASSERT_H */
