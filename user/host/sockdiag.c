// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Listening TCP sockets via NETLINK_SOCK_DIAG: one dump request per address family. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "host/sockdiag.h"

#define TCP_ESTABLISHED_STATE 1 /* include/net/tcp_states.h */
#define TCP_LISTEN_STATE 10

struct sock_list {
	struct listen_sock *v;
	size_t n, cap;
};

/* What a dump does with each socket it returns. */
struct dump_sink {
	int (*add)(struct dump_sink *sink, const struct inet_diag_msg *m);
	struct sock_list list;           /* listeners */
};

/* Room for one more entry at l->v[l->n], zeroed. 0 or -ENOMEM. */
static int list_grow(struct sock_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct listen_sock *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return 0;
}

static int list_push(struct dump_sink *sink, const struct inet_diag_msg *m)
{
	struct sock_list *l = &sink->list;

	if (list_grow(l))
		return -ENOMEM;
	l->v[l->n].port = ntohs(m->id.idiag_sport);
	l->v[l->n].inode = m->idiag_inode;
	l->v[l->n].accept_queue = m->idiag_rqueue; /* for a listener: the accept queue */
	l->n++;
	return 0;
}

/*
 * Hand every message of one reply buffer to on_msg. 1 at NLMSG_DONE, 0 when more replies are due,
 * or a negative errno. NLMSG_OK/NLMSG_NEXT on a length that can wrap (a message length that is
 * not a multiple of 4 at the end made it negative, then huge as size_t): explicit bounds instead.
 */
static int nl_parse(const void *buf, size_t size,
		    int (*on_msg)(struct dump_sink *sink, const struct nlmsghdr *h),
		    struct dump_sink *sink)
{
	const struct nlmsghdr *h;
	size_t off;

	for (off = 0; size - off >= sizeof(*h); off += NLMSG_ALIGN(h->nlmsg_len)) {
		h = (const struct nlmsghdr *)((const char *)buf + off);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > size - off)
			return -EPROTO; /* truncated or malformed reply */
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? e->error
											  : -EPROTO;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY && on_msg(sink, h))
			return -ENOMEM;
		if (NLMSG_ALIGN(h->nlmsg_len) >= size - off)
			break;
	}
	return 0;
}

/* Send one dump request, hand every reply message to on_msg. */
static int nl_dump(int fd, const void *req, size_t req_len,
		   int (*on_msg)(struct dump_sink *sink, const struct nlmsghdr *h),
		   struct dump_sink *sink)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len;
	int done;

	if (sendto(fd, req, req_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len == 0)
			return -EPROTO;
		done = nl_parse(buf, (size_t)len, on_msg, sink);
		if (done)
			return done > 0 ? 0 : done;
	}
}

static int on_inet(struct dump_sink *sink, const struct nlmsghdr *h)
{
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return 0;
	return sink->add(sink, NLMSG_DATA(h));
}

static int dump_family(int fd, unsigned char family, unsigned int states, struct dump_sink *sink)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = states },
	};

	return nl_dump(fd, &msg, sizeof(msg), on_inet, sink);
}

/* A listening unix socket with its queue of connections not yet accepted. */
static int on_unix(struct dump_sink *sink, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	struct sock_list *l = &sink->list;

	if (len < 0)
		return 0;
	if (list_grow(l))
		return -ENOMEM;
	l->v[l->n].inode = m->udiag_ino;
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == UNIX_DIAG_RQLEN &&
		    RTA_PAYLOAD(a) >= sizeof(struct unix_diag_rqlen))
			l->v[l->n].accept_queue =
				((const struct unix_diag_rqlen *)RTA_DATA(a))->udiag_rqueue;
	l->n++;
	return 0;
}

static int dump_unix_listeners(int fd, struct dump_sink *sink)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = 1U << TCP_LISTEN_STATE,
			 .udiag_show = UDIAG_SHOW_RQLEN },
	};

	return nl_dump(fd, &msg, sizeof(msg), on_unix, sink);
}

/* TCP sockets in the given states, v4 then v6; with_unix: then the unix listeners. */
static int dump(unsigned int states, bool with_unix, struct dump_sink *sink)
{
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	err = dump_family(fd, AF_INET, states, sink);
	if (!err)
		err = dump_family(fd, AF_INET6, states, sink);
	/* Unix listeners too (php-fpm, uWSGI behind a proxy): port 0. Best effort. */
	if (!err && with_unix) {
		size_t tcp = sink->list.n;

		if (dump_unix_listeners(fd, sink))
			sink->list.n = tcp;
	}
	close(fd);
	return err;
}

int sockdiag_listen_read(struct listen_sock **socks, size_t *n)
{
	struct dump_sink sink = { .add = list_push };
	int err = dump(1U << TCP_LISTEN_STATE, true, &sink);

	if (err) {
		free(sink.list.v);
		return err;
	}
	*socks = sink.list.v;
	*n = sink.list.n;
	return 0;
}

int sockdiag_parse_listeners(const void *buf, size_t size, bool unix_sockets,
			     struct listen_sock **socks, size_t *n, size_t *cap)
{
	struct dump_sink sink = { .add = list_push,
				  .list = { .v = *socks, .n = *n, .cap = *cap } };
	int err = nl_parse(buf, size, unix_sockets ? on_unix : on_inet, &sink);

	*socks = sink.list.v;
	*n = sink.list.n;
	*cap = sink.list.cap;
	return err;
}

int listen_socks_read(struct listen_sock **socks, size_t *n)
{
	if (sockdiag_listen_read(socks, n) == 0)
		return 0;
	return net_tcp_listen_read(socks, n);
}
