/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Listening TCP sockets through NETLINK_SOCK_DIAG. Asking for LISTEN only, the kernel walks just
 * its listening hash; /proc/net/tcp walks the whole established hash on every read, which cost
 * a busy server's profile ~25% of a core at 10 samples per second.
 */
#ifndef WS_SOCKDIAG_H
#define WS_SOCKDIAG_H

#include <stddef.h>
#include "procfs.h"

/* All listening TCP sockets (v4 and v6), as net_tcp_listen_read gives them. Caller frees. */
int sockdiag_tcp_listeners(struct listen_sock **socks, size_t *n);

#endif /* WS_SOCKDIAG_H */
