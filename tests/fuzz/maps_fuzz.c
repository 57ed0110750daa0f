// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the symbolizer's text inputs: /proc/PID/maps lines, /tmp/perf-PID.map lines and
 * /proc/kallsyms (line and table). */
#include <stdio.h>
#include "fuzz_util.h"
#include "symbols/symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), name[64], type, buf[128];
	struct symbolizer *s;
	struct map_entry m;
	__u64 addr, jit_start, jit_size;
	FILE *f;

	if (!text)
		return 0;
	if (maps_parse_line(text, &m) == 0 &&
	    (m.start >= m.end || strnlen(m.path, sizeof(m.path)) == sizeof(m.path)))
		__builtin_trap();
	if (kallsyms_parse_line(text, &addr, &type, name, sizeof(name)) == 0 &&
	    strnlen(name, sizeof(name)) == sizeof(name))
		__builtin_trap();
	if (perfmap_parse_line(text, &jit_start, &jit_size, name, sizeof(name)) == 0 &&
	    (!jit_size || jit_start + jit_size < jit_start || !name[0] ||
	     strnlen(name, sizeof(name)) == sizeof(name)))
		__builtin_trap();
	s = symbolizer_new();
	f = fmemopen(text, size ? size : 1, "r");
	if (s && f && symbolizer_load_kallsyms(s, f) == 0) {
		symbolize_kernel(s, 0, buf, sizeof(buf));
		symbolize_kernel(s, addr, buf, sizeof(buf));
		symbolize_kernel(s, ~0ull, buf, sizeof(buf));
	}
	if (f)
		fclose(f);
	symbolizer_free(s);
	free(text);
	return 0;
}
