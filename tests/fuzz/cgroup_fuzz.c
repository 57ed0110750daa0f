// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the -c parsers: /proc/self/mountinfo (cgroup2 mount point) and cgroup.procs. */
#include "fuzz_util.h"
#include "targets/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), mount[64];
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;

	if (!text)
		return 0;
	if (mountinfo_find_cgroup2(text, mount, sizeof(mount)) == 0 &&
	    strnlen(mount, sizeof(mount)) == sizeof(mount))
		__builtin_trap(); /* always NUL-terminated */
	if (cgroup_procs_parse(text, &pids, &n, &cap) == 0 && n > cap)
		__builtin_trap();
	free(pids);
	free(text);
	return 0;
}
