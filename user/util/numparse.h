/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Strict number parsing: whole string, no sign surprises, range-checked. Returns 0 or -EINVAL/-ERANGE. */
#ifndef WS_NUMPARSE_H
#define WS_NUMPARSE_H

#include <stddef.h>
#include <sys/types.h>

int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
int parse_double(const char *s, double min, double max, double *out);

/*
 * Parse "PID[,PID...]" into a new array (caller frees). PIDs must be 1..PID_MAX_LIMIT; duplicates
 * are removed. Returns 0, -EINVAL (malformed or empty) or -ENOMEM.
 */
int parse_pid_list(const char *s, pid_t **pids, size_t *n);

#endif /* WS_NUMPARSE_H */
