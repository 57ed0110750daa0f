/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Listening TCP sockets from the kernel's sock_diag netlink interface (what `ss -lnt` uses). */
#ifndef WS_SOCKDIAG_H
#define WS_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include "host/procfs.h"

/*
 * All listening TCP sockets (v4 and v6) with their accept queues, then the listening unix
 * stream sockets (port 0), whose queue is the connections not yet accepted. The kernel filters by state,
 * so the cost does not grow with established or TIME_WAIT sockets, unlike /proc/net/tcp, which
 * lists every socket (a server closing 2000 connections/s holds ~100k TIME_WAIT rows).
 * Returns 0 or -errno. Caller frees *socks.
 */
int sockdiag_listen_read(struct listen_sock **socks, size_t *n);

/*
 * Parse one buffer of SOCK_DIAG_BY_FAMILY replies to a listener dump (TCP, or unix_sockets), as
 * read from the netlink socket, appending to *socks (n used, cap allocated; caller frees).
 * Returns 1 at NLMSG_DONE, 0 when more replies are due, or a negative errno. For the fuzzer.
 */
int sockdiag_parse_listeners(const void *buf, size_t size, bool unix_sockets,
			     struct listen_sock **socks, size_t *n, size_t *cap);

/* sock_diag when available, else /proc/net/tcp{,6}. Same contract as above. */
int listen_socks_read(struct listen_sock **socks, size_t *n);

#endif /* WS_SOCKDIAG_H */
