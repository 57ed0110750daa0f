// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/net/netstat: pairs of lines, "TcpExt: Name Name ..." then "TcpExt: 1 2 ...". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/netstat.h"
#include "host/procfs.h"

#define PREFIX "TcpExt:"

/* The index-th blank-separated word of the line at s (ends at '\n' or NUL). */
static const char *word(const char *s, int index, size_t *len)
{
	for (int i = 0;; i++) {
		while (*s == ' ')
			s++;
		if (!*s || *s == '\n')
			return NULL;
		*len = strcspn(s, " \n");
		if (i == index)
			return s;
		s += *len;
	}
}

int netstat_parse_tcpext(const char *text, const char *name, unsigned long long *value)
{
	const char *names = strstr(text, PREFIX), *values, *w;
	size_t len, nlen = strlen(name);
	char *end;
	int i;

	if (!names || (names != text && names[-1] != '\n'))
		return -ENOENT;
	values = strchr(names, '\n');
	if (!values || strncmp(values + 1, PREFIX, strlen(PREFIX)))
		return -EINVAL;
	values++;
	for (i = 1; (w = word(names, i, &len)); i++) {
		if (len != nlen || strncmp(w, name, len))
			continue;
		w = word(values, i, &len);
		if (!w)
			return -EINVAL;
		errno = 0;
		*value = strtoull(w, &end, 10);
		if (errno || end != w + len)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int netstat_listen_overflows(unsigned long long *value)
{
	char buf[8192];
	ssize_t n = read_small_file("/proc/net/netstat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return netstat_parse_tcpext(buf, "ListenOverflows", value);
}
