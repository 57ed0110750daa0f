// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the /proc/PID/status parsers: CapEff, numeric fields (Tgid, PPid) and VmRSS. */
#include "fuzz_util.h"
#include "host/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	unsigned long v;
	__u64 caps;

	if (!text)
		return 0;
	status_parse_capeff(text, &caps);
	status_parse_field(text, "Tgid", &v);
	status_parse_field(text, "PPid", &v);
	status_parse_field(text, "", &v);
	if (status_parse_rss(text) < -1)
		__builtin_trap(); /* bytes or -1, never another negative */
	free(text);
	return 0;
}
