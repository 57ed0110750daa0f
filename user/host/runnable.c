// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* procs_running from /proc/stat: sampled during the window for the CPU fair-share estimate. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/procfs.h"
#include "host/runnable.h"

int runnable_parse(const char *stat_text, unsigned long *n)
{
	const char *s = strstr(stat_text, "\nprocs_running ");
	char *end;

	if (!s)
		return -ENOENT;
	s += strlen("\nprocs_running ");
	errno = 0;
	*n = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

int runnable_read(unsigned long *n)
{
	char buf[16384];
	ssize_t len = read_small_file("/proc/stat", buf, sizeof(buf));
	int err;

	if (len < 0)
		return (int)len;
	err = runnable_parse(buf, n);
	if (!err && *n > 0)
		(*n)--; /* we are running while reading it */
	return err;
}
