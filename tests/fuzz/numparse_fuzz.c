// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the strict number parsers: ranges must hold for everything they accept. */
#include "fuzz_util.h"
#include "util/numparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	unsigned long ul;
	pid_t *pids = NULL;
	size_t n, i;
	double d;

	if (!text)
		return 0;
	if (parse_ulong(text, 1, 4096, &ul) == 0 && (ul < 1 || ul > 4096))
		__builtin_trap();
	if (parse_double(text, 0.001, 1e6, &d) == 0 && !(d >= 0.001 && d <= 1e6))
		__builtin_trap();
	if (parse_pid_list(text, &pids, &n) == 0) {
		if (!n)
			__builtin_trap(); /* an accepted list is never empty */
		for (i = 0; i < n; i++)
			if (pids[i] < 1 || pids[i] > 4194304)
				__builtin_trap();
		free(pids);
	}
	free(text);
	return 0;
}
