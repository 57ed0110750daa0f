// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the /proc/PID/stat parser (comm between parentheses, numeric fields) and /proc/stat. */
#include "fuzz_util.h"
#include "host/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	unsigned long long busy, total;
	struct proc_stat st;

	if (!text)
		return 0;
	if (proc_stat_parse(text, &st) == 0 && strnlen(st.comm, sizeof(st.comm)) == sizeof(st.comm))
		__builtin_trap(); /* comm always NUL-terminated */
	if (procstat_parse_cpu(text, &busy, &total) == 0 && busy > total)
		__builtin_trap(); /* busy is a part of total */
	free(text);
	return 0;
}
