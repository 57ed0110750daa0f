// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the /proc/net/tcp(6) LISTEN parser: the whole-file reader and the line parser. */
#include <stdio.h>
#include "fuzz_util.h"
#include "host/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listen_sock *socks = NULL, one;
	size_t n = 0, cap = 0, i;
	char *text = fuzz_cstr(data, size);
	FILE *f;

	if (!text)
		return 0;
	net_tcp_parse_listen_line(text, &one);
	f = fmemopen(text, size ? size : 1, "r");
	if (f) {
		if (net_tcp_listen_parse(f, &socks, &n, &cap) == 0 && n > cap)
			__builtin_trap(); /* more rows than room */
		for (i = 0; i < n; i++)
			(void)socks[i].port; /* every listed row readable (ASan) */
		fclose(f);
	}
	free(socks);
	free(text);
	return 0;
}
