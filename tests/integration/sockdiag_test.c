// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Listening sockets through sock_diag: the same answer as /proc/net/tcp, accept queue included. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "procfs.h"
#include "sockdiag.h"

static const struct listen_sock *find_port(const struct listen_sock *s, size_t n,
					   unsigned short port)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].port == port)
			return &s[i];
	return NULL;
}

/* Our listener from /proc/net/tcp, parsed line by line as before sock_diag. */
static bool proc_find(unsigned short port, struct listen_sock *out)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	char *line = NULL;
	size_t len = 0;
	bool found = false;

	cr_assert_not_null(f);
	while (!found && getline(&line, &len, f) > 0)
		found = net_tcp_parse_listen_line(line, out) == 0 && out->port == port;
	free(line);
	fclose(f);
	return found;
}

Test(sockdiag, listener_with_queue, .timeout = 10,
     .description = "port, inode and accept queue agree with /proc/net/tcp")
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	const struct listen_sock *mine;
	struct listen_sock *socks = NULL, procs;
	int lfd, c[2];
	size_t n = 0;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(lfd, 16), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	for (int i = 0; i < 2; i++) { /* two connections nobody accepts */
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_eq(connect(c[i], (struct sockaddr *)&a, sizeof(a)), 0);
	}
	usleep(50000);

	cr_assert_eq(sockdiag_tcp_listeners(&socks, &n), 0);
	mine = find_port(socks, n, ntohs(a.sin_port));
	cr_assert_not_null(mine, "port %u not listed", ntohs(a.sin_port));
	cr_assert(proc_find(ntohs(a.sin_port), &procs));
	cr_expect_eq(mine->inode, procs.inode);
	cr_expect_eq(mine->accept_queue, 2);
	cr_expect_eq(procs.accept_queue, 2);
	free(socks);
	for (int i = 0; i < 2; i++)
		close(c[i]);
	close(lfd);
}
