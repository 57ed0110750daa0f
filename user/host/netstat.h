/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of /proc/net/netstat ("TcpExt:" header line, then a values line). */
#ifndef WS_NETSTAT_H
#define WS_NETSTAT_H

/* The TcpExt counter called name in netstat text. Returns 0, -ENOENT or -EINVAL. */
int netstat_parse_tcpext(const char *text, const char *name, unsigned long long *value);

/* TcpExt ListenOverflows (accept queue full: connection dropped), machine-wide. 0 or -errno. */
int netstat_listen_overflows(unsigned long long *value);

#endif /* WS_NETSTAT_H */
