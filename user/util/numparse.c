// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/numparse.h"

#define PID_MAX_LIMIT 4194304 /* kernel's upper bound for pid_max */

int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul accepts leading blanks and a minus sign; we accept neither. */
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_pid_list(const char *s, pid_t **pids, size_t *n)
{
	size_t cap = 0, count = 0, i;
	pid_t *list = NULL, *grown;
	const char *p = s;
	char buf[16];
	int err = -EINVAL;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned long v;
		bool dup = false;

		if (len == 0 || len >= sizeof(buf)) {
			err = -EINVAL;
			goto fail;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		err = parse_ulong(buf, 1, PID_MAX_LIMIT, &v);
		if (err)
			goto fail;
		for (i = 0; i < count; i++)
			dup |= list[i] == (pid_t)v;
		if (!dup) {
			if (count == cap) {
				cap = cap ? cap * 2 : 4;
				grown = realloc(list, cap * sizeof(*list));
				if (!grown) {
					err = -ENOMEM;
					goto fail;
				}
				list = grown;
			}
			list[count++] = (pid_t)v;
		}
		if (!comma)
			break;
		p = comma + 1;
		if (!*p) { /* trailing comma */
			err = -EINVAL;
			goto fail;
		}
	}
	*pids = list;
	*n = count;
	return 0;
fail:
	free(list);
	return err;
}
