/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Runnable tasks machine-wide ("procs_running" of /proc/stat): how contended the CPUs are. */
#ifndef WS_RUNNABLE_H
#define WS_RUNNABLE_H

/* The procs_running count of /proc/stat text. Returns 0, -ENOENT or -EINVAL. */
int runnable_parse(const char *stat_text, unsigned long *n);

/* Tasks running or waiting for a CPU right now, not counting the caller. 0 or -errno. */
int runnable_read(unsigned long *n);

#endif /* WS_RUNNABLE_H */
