/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* JSON getters for tests: the value at a path, or a failed assertion naming the path. */
#ifndef WS_JL_ASSERT_H
#define WS_JL_ASSERT_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
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

/* Sum of a per-thread counter ("on_cpu_ns", ...) over the threads of process tgid in a report. */
static inline uint64_t process_ns(const struct jl_value *j, pid_t tgid, const char *key)
{
	const struct jl_value *threads = jl_get(j, "threads");
	uint64_t sum = 0, t, v;
	size_t i;

	cr_assert_not_null(threads);
	for (i = 0; i < jl_len(threads); i++) {
		const struct jl_value *th = jl_at(threads, i);

		cr_assert(jl_get_u64(th, "tgid", &t) && jl_get_u64(th, key, &v));
		if ((pid_t)t == tgid)
			sum += v;
	}
	return sum;
}

#endif /* WS_JL_ASSERT_H */
