// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Listening sockets from sock_diag agree with /proc/net/tcp and see real accept queues. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "host/netstat.h"
#include "host/sockdiag.h"

#define PENDING 3

static int listener(unsigned short *port, unsigned long *inode)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct stat st;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 16), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	cr_assert_eq(fstat(fd, &st), 0);
	*port = ntohs(a.sin_port);
	*inode = st.st_ino;
	return fd;
}

static const struct listen_sock *find(const struct listen_sock *s, size_t n, unsigned long inode)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].inode == inode)
			return &s[i];
	return NULL;
}

Test(sockdiag, sees_listener_and_accept_queue,
     .description = "a fresh listener with 3 unaccepted connections: same row as /proc/net/tcp")
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct listen_sock *diag = NULL, *proc = NULL;
	const struct listen_sock *d, *p;
	size_t nd = 0, np = 0;
	unsigned long inode;
	unsigned short port;
	int lfd, c[PENDING];

	lfd = listener(&port, &inode);
	a.sin_port = htons(port);
	for (int i = 0; i < PENDING; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_eq(connect(c[i], (struct sockaddr *)&a, sizeof(a)), 0);
	}
	cr_assert_eq(sockdiag_listen_read(&diag, &nd), 0);
	cr_assert_eq(net_tcp_listen_read(&proc, &np), 0);
	d = find(diag, nd, inode);
	p = find(proc, np, inode);
	cr_assert_not_null(d, "sock_diag misses our listener");
	cr_assert_not_null(p, "/proc/net/tcp misses our listener");
	cr_expect_eq(d->port, port);
	cr_expect_eq(d->accept_queue, PENDING);
	cr_expect_eq(p->accept_queue, PENDING);
	for (int i = 0; i < PENDING; i++)
		close(c[i]);
	close(lfd);
	free(diag);
	free(proc);
}

Test(sockdiag, netstat_has_listen_overflows, .description = "/proc/net/netstat parses here")
{
	unsigned long long v;

	cr_expect_eq(netstat_listen_overflows(&v), 0);
}

Test(sockdiag, sees_unix_listener_queue,
     .description = "a unix listener with 2 unaccepted connections: port 0, queue 2")
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct listen_sock *diag = NULL;
	const struct listen_sock *d;
	struct stat st;
	size_t nd = 0;
	int lfd, c1, c2;

	snprintf(a.sun_path, sizeof(a.sun_path), "/tmp/ws-sockdiag-%d.sock", getpid());
	unlink(a.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(lfd, 8), 0);
	c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(c1, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(connect(c2, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(fstat(lfd, &st), 0);
	cr_assert_eq(sockdiag_listen_read(&diag, &nd), 0);
	d = find(diag, nd, st.st_ino);
	cr_assert_not_null(d, "sock_diag misses the unix listener");
	cr_expect_eq(d->port, 0);
	cr_expect_eq(d->accept_queue, 2);
	close(c1);
	close(c2);
	close(lfd);
	unlink(a.sun_path);
	free(diag);
}
