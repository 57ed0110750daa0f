// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the sock_diag reply parser: netlink messages as read from the socket. */
#include "fuzz_util.h"
#include "host/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listen_sock *socks = NULL;
	size_t n = 0, cap = 0;
	void *buf;
	int pass;

	/* The real buffer is aligned for struct nlmsghdr (malloc's alignment is enough), and
	 * exactly size bytes long, so ASan sees any read past the reply. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* As a TCP listener dump, then as a unix one (attributes: UNIX_DIAG_RQLEN). */
	for (pass = 0; pass < 2; pass++)
		if (sockdiag_parse_listeners(buf, size, pass, &socks, &n, &cap) >= 0 && n > cap)
			__builtin_trap();
	free(socks);
	free(buf);
	return 0;
}
