// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the /proc/PID/task/TID/schedstat parser. */
#include "fuzz_util.h"
#include "host/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct schedstat ss;

	if (!text)
		return 0;
	schedstat_parse(text, &ss);
	free(text);
	return 0;
}
