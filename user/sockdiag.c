// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "sockdiag.h"

struct sock_list {
	struct listen_sock *v;
	size_t n, cap;
};

static int list_add(struct sock_list *l, const struct inet_diag_msg *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct listen_sock *grown = realloc(l->v, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n].port = ntohs(m->id.idiag_sport);
	l->v[l->n].inode = m->idiag_inode;
	l->v[l->n].accept_queue = m->idiag_rqueue; /* a listener's rqueue is its accept queue */
	l->n++;
	return 0;
}

/* One dump request for one address family; the replies are appended to l. */
static int dump_family(int fd, __u8 family, struct sock_list *l)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = 1u << TCP_LISTEN },
	};
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	long buf[8192 / sizeof(long)];
	int err;

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nladdr, sizeof(nladdr)) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len == 0)
			return -EIO;
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -EIO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			err = list_add(l, NLMSG_DATA(h));
			if (err)
				return err;
		}
	}
}

int sockdiag_tcp_listeners(struct listen_sock **socks, size_t *n)
{
	struct sock_list l = { 0 };
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	err = dump_family(fd, AF_INET, &l);
	if (!err)
		err = dump_family(fd, AF_INET6, &l);
	close(fd);
	if (err) {
		free(l.v);
		return err;
	}
	*socks = l.v;
	*n = l.n;
	return 0;
}
