/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * asyncserver - the same work as syncserver, done by event loops: the "after"
 * picture for the async prediction.
 *
 * PROCS forked processes, each one thread running one epoll loop over its own
 * SO_REUSEPORT listening socket (the kernel spreads connections across them).
 * Client and upstream sockets are non-blocking; each client connection is a
 * state machine: read request -> burn CPU_US of CPU (this blocks the loop, as
 * real work does) -> CALLS sequential upstream calls, each connect/send/recv
 * driven by epoll -> write response -> next request (keep-alive). The parent
 * process only waits for a stop signal or the -t deadline.
 */
#include "http_common.h"

#include <getopt.h>
#include <sys/epoll.h>

#define DEFAULT_PROCS		1
#define MAX_PROCS		256
#define DEFAULT_CPU_US		1000
#define MAX_EVENTS		256
#define ACCEPT_BATCH		64
#define OPT_KEEPALIVE_UPSTREAM	1000

struct options {
	struct hc_work_opts work;
	int procs;
};

/* What an epoll_event.data.ptr points at. */
enum ev_kind {
	EV_LISTEN = 1,
	EV_CLIENT,
	EV_UPSTREAM,
};

struct conn;

struct ev_ref {
	int kind;
	struct conn *conn;
};

enum conn_state {
	CS_READ,	/* reading the next request head */
	CS_UP_START,	/* start an upstream call (connect, or reuse a kept connection) */
	CS_UP_CONNECT,	/* non-blocking connect in progress */
	CS_UP_SEND,	/* sending the upstream request */
	CS_UP_RECV,	/* reading the upstream response */
	CS_WRITE,	/* sending out to the client */
};

struct conn {
	struct ev_ref cref;		/* EV_CLIENT */
	struct ev_ref uref;		/* EV_UPSTREAM */
	int fd;
	int up_fd;			/* -1 if none; kept between calls with keep-alive */
	enum conn_state state;
	bool keep_alive;		/* of the request being answered */
	bool closed;			/* freed after the current event batch */
	int calls_left;
	/* current upstream call */
	bool up_reused;			/* running on a kept connection */
	bool up_retried;		/* already retried once on a fresh connection */
	struct hc_out up_out;		/* the upstream request being sent */
	struct hc_resp_reader resp;
	struct hc_out out;		/* the reply being sent */
	struct hc_conn_link link;
	struct hc_reqbuf in;
};

struct loop {
	const struct options *opts;
	int epfd, lfd;
	int spare_fd;		/* closed to shed a connection when out of fds */
	int listen_kind;
	struct hc_upstream up;
	struct hc_conns conns;
	struct hc_ratelimit rl;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: asyncserver [-p PORT] [-k PROCS] [-c CPU_US] [-u UPSTREAM_PORT] [-n CALLS]\n"
"                   [--keepalive-upstream] [-t SECONDS]\n"
"\n"
"The same work as syncserver, done by event loops: PROCS forked processes, each\n"
"a single-threaded epoll loop on its own SO_REUSEPORT listening socket, with\n"
"non-blocking client and upstream sockets. Per request: burn CPU_US of CPU time\n"
"(blocking the loop, as real work does), make CALLS sequential non-blocking HTTP\n"
"calls to 127.0.0.1:UPSTREAM_PORT, then reply 200 (502 if a call failed).\n"
"\n"
"Options:\n"
"  -p, --port PORT            listen on 127.0.0.1:PORT (default 0: ephemeral)\n"
"  -k, --procs PROCS          number of event-loop processes, 1..%d (default %d)\n"
"  -c, --cpu-us CPU_US        CPU time burnt per request, in us (default %d)\n"
"  -u, --upstream PORT        upstream to call on 127.0.0.1 (default: none, and\n"
"                             then CALLS is 0: pure CPU)\n"
"  -n, --calls CALLS          sequential upstream calls per request (default 1)\n"
"      --keepalive-upstream   keep one upstream connection per client connection\n"
"                             (default: a new connection per call)\n"
"  -t, --time SECONDS         exit 0 after SECONDS (default: until SIGINT/SIGTERM)\n"
"  -h, --help                 show this help\n"
"\n"
"Once all worker processes run it prints one line to stdout:\n"
"  ready pid=<PID> port=<PORT> workers=<PID,PID,...>\n"
"\n"
"Examples:\n"
"  asyncserver -p 9300 -k 1 -c 500 -u 9100 -n 1   # I/O-bound with upstream -D 20\n"
"  asyncserver -p 9300 -k 2 -c 5000               # CPU-bound, 2 processes\n",
		MAX_PROCS, DEFAULT_PROCS, DEFAULT_CPU_US);
}

/* 0: run, 1: help printed, -1: usage error printed. */
static int parse_args(int argc, char **argv, struct options *opts)
{
	static const struct option long_opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "procs", required_argument, NULL, 'k' },
		{ "cpu-us", required_argument, NULL, 'c' },
		{ "upstream", required_argument, NULL, 'u' },
		{ "calls", required_argument, NULL, 'n' },
		{ "keepalive-upstream", no_argument, NULL, OPT_KEEPALIVE_UPSTREAM },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:k:c:u:n:t:h", long_opts, NULL)) != -1) {
		r = hc_work_opt(c, optarg, &opts->work);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
		case 'k':
			if (hc_opt_int("-k", optarg, 1, MAX_PROCS, &opts->procs))
				return -1;
			break;
		case OPT_KEEPALIVE_UPSTREAM:
			opts->work.keepalive_upstream = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			hc_opt_error(c, argv);
			return -1;
		}
	}
	if (!opts->work.upstream_port)
		opts->work.calls = 0;
	return hc_opt_no_operands(argc, argv);
}

/* ---- connection state machine ---------------------------------------------- */

static void up_close(struct conn *c)
{
	if (c->up_fd < 0)
		return;
	close(c->up_fd);	/* also leaves the epoll set */
	c->up_fd = -1;
}

static void conn_close(struct loop *l, struct conn *c)
{
	if (c->closed)
		return;
	up_close(c);
	close(c->fd);
	c->closed = true;
	hc_conns_retire(&l->conns, &c->link);
}

static void conn_reply(struct conn *c, const char *resp, size_t len, bool keep_alive)
{
	c->state = CS_WRITE;
	hc_out_set(&c->out, resp, len);
	c->keep_alive = keep_alive;
}

static void conn_reply_status(struct conn *c, bool ok)
{
	const char *resp;
	size_t len;

	resp = hc_reply(ok, c->keep_alive, &len);
	conn_reply(c, resp, len, c->keep_alive);
}

static void start_call(struct conn *c)
{
	c->state = CS_UP_START;
	c->up_retried = false;
}

/*
 * In CS_READ: take one request from the buffer and do its CPU work. Returns 1
 * when the connection moved on, 0 when more bytes are needed.
 */
static int conn_take_request(struct loop *l, struct conn *c)
{
	const char *resp;
	size_t len;
	int r;

	r = hc_take_request(&c->in, &c->keep_alive, &resp, &len);
	if (r == 0)
		return 0;
	if (r < 0) {
		conn_reply(c, resp, len, false);
		return 1;
	}
	hc_burn_cpu_us(l->opts->work.cpu_us);
	c->calls_left = l->opts->work.calls;
	if (c->calls_left)
		start_call(c);
	else
		conn_reply_status(c, true);
	return 1;
}

/* Open a non-blocking upstream connection: 0 connected, 1 in progress, -errno. */
static int up_connect(struct loop *l, struct conn *c)
{
	struct epoll_event ev;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	hc_set_nodelay(fd);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = &c->uref;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return -errno;
	}
	c->up_fd = fd;
	if (connect(fd, (const struct sockaddr *)&l->up.addr, sizeof(l->up.addr)) == 0)
		return 0;
	return errno == EINPROGRESS ? 1 : -errno;
}

/* The current upstream call failed with -@err: retry once or answer 502. */
static void up_fail(struct loop *l, struct conn *c, int err)
{
	up_close(c);
	if (c->up_reused && !c->up_retried && err != -EBADMSG) {
		/* The upstream may have closed an idle kept connection. */
		c->state = CS_UP_START;
		c->up_retried = true;
		return;
	}
	hc_warn_ratelimited(&l->rl, "failed to call upstream 127.0.0.1:%d: %s",
			    l->opts->work.upstream_port, strerror(-err));
	conn_reply_status(c, false);
}

/* The current upstream call succeeded: next call or reply 200. */
static void up_done(struct loop *l, struct conn *c)
{
	if (!l->opts->work.keepalive_upstream || !c->resp.keep_alive)
		up_close(c);
	if (--c->calls_left > 0)
		start_call(c);
	else
		conn_reply_status(c, true);
}

/* Read the upstream response: 1 complete, 0 would block, -errno. */
static int up_recv(struct conn *c)
{
	ssize_t n;
	size_t space;
	char *p;
	int r;

	for (;;) {
		space = hc_resp_space(&c->resp, &p);
		n = recv(c->up_fd, p, space, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (n == 0)
			return -ECONNRESET;
		r = hc_resp_got(&c->resp, (size_t)n);
		if (r)
			return r;
	}
}

/*
 * Make as much progress as the sockets allow (both are edge-triggered, so
 * every step runs until EAGAIN). @up_events: the epoll events that woke us
 * for the upstream socket, 0 if woken for the client socket.
 */
static void conn_run(struct loop *l, struct conn *c, uint32_t up_events)
{
	socklen_t len;
	ssize_t n;
	int r, err;

	for (;;) {
		switch (c->state) {
		case CS_READ:
			if (conn_take_request(l, c))
				break;
			n = hc_reqbuf_recv(c->fd, &c->in);
			if (n > 0 || (n < 0 && errno == EINTR))
				break;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			conn_close(l, c);	/* EOF or error */
			return;
		case CS_UP_START:
			hc_out_set(&c->up_out, l->up.req, l->up.req_len);
			hc_resp_reset(&c->resp);
			c->up_reused = c->up_fd >= 0;
			if (c->up_reused) {
				c->state = CS_UP_SEND;
				break;
			}
			r = up_connect(l, c);
			if (r < 0) {
				up_fail(l, c, r);
				break;
			}
			c->state = r ? CS_UP_CONNECT : CS_UP_SEND;
			if (r)
				return;
			break;
		case CS_UP_CONNECT:
			if (!(up_events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
				return;
			err = 0;
			len = sizeof(err);
			if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &err, &len))
				err = errno;
			if (err) {
				up_fail(l, c, -err);
				break;
			}
			c->state = CS_UP_SEND;
			break;
		case CS_UP_SEND:
			r = hc_out_send(c->up_fd, &c->up_out);
			if (r == 0)
				return;
			if (r < 0)
				up_fail(l, c, -errno);
			else
				c->state = CS_UP_RECV;
			break;
		case CS_UP_RECV:
			r = up_recv(c);
			if (r == 0)
				return;
			if (r < 0)
				up_fail(l, c, r);
			else
				up_done(l, c);
			break;
		case CS_WRITE:
			r = hc_out_send(c->fd, &c->out);
			if (r == 0)
				return;
			if (r < 0 || !c->keep_alive) {
				conn_close(l, c);
				return;
			}
			c->state = CS_READ;
			break;
		}
	}
}

/* ---- event loop ------------------------------------------------------------- */

static void on_listen(struct loop *l)
{
	struct epoll_event ev;
	struct conn *c;
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = hc_accept_nonblock(l->lfd, &l->spare_fd, &l->rl);
		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			hc_warn_ratelimited(&l->rl, "failed to allocate connection: %s",
					    strerror(ENOMEM));
			close(fd);
			continue;
		}
		c->cref.kind = EV_CLIENT;
		c->cref.conn = c;
		c->uref.kind = EV_UPSTREAM;
		c->uref.conn = c;
		c->fd = fd;
		c->up_fd = -1;
		c->state = CS_READ;
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = &c->cref;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			hc_warn_ratelimited(&l->rl, "failed to add connection to epoll: %s",
					    strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		hc_conns_add(&l->conns, &c->link, c);
	}
}

/*
 * One worker process: serve on @lfd until a stop signal. Reports readiness by
 * writing one byte to @ready_fd. Returns the exit status.
 */
static int run_loop(const struct options *opts, int lfd, int ready_fd, const sigset_t *waitmask)
{
	struct loop l = { .opts = opts, .lfd = lfd, .epfd = -1, .spare_fd = -1 };
	struct epoll_event evs[MAX_EVENTS], ev;
	struct ev_ref *ref;
	int ret = 1, n, i;

	l.listen_kind = EV_LISTEN;
	hc_upstream_init(&l.up, opts->work.upstream_port, opts->work.keepalive_upstream);

	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.epfd < 0) {
		fprintf(stderr, "asyncserver: failed to create epoll instance: %s\n",
			strerror(errno));
		goto cleanup;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &l.listen_kind;
	if (epoll_ctl(l.epfd, EPOLL_CTL_ADD, lfd, &ev)) {
		fprintf(stderr, "asyncserver: failed to add listening socket to epoll: %s\n",
			strerror(errno));
		goto cleanup;
	}
	l.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (write(ready_fd, "r", 1) != 1) {
		fprintf(stderr, "asyncserver: failed to report ready: %s\n", strerror(errno));
		goto cleanup;
	}
	close(ready_fd);

	while (!hc_stop_requested && !hc_stop_pending()) {
		n = epoll_pwait(l.epfd, evs, MAX_EVENTS, -1, waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "asyncserver: failed to wait for events: %s\n",
				strerror(errno));
			goto cleanup;
		}
		for (i = 0; i < n; i++) {
			if (*(int *)evs[i].data.ptr == EV_LISTEN) {
				on_listen(&l);
				continue;
			}
			ref = evs[i].data.ptr;
			if (ref->conn->closed)
				continue;
			conn_run(&l, ref->conn, ref->kind == EV_UPSTREAM ? evs[i].events : 0);
		}
		hc_conns_free_dead(&l.conns);
	}
	ret = 0;
cleanup:
	while (l.conns.live)
		conn_close(&l, l.conns.live->owner);
	hc_conns_free_dead(&l.conns);
	if (l.spare_fd >= 0)
		close(l.spare_fd);
	if (l.epfd >= 0)
		close(l.epfd);
	close(lfd);
	return ret;
}

static void close_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* What each forked worker needs from main(). */
struct start_ctx {
	const struct options *opts;
	int *lfds;
	const sigset_t *waitmask;
};

/* Worker process @i: keep only listening socket i, run the loop, exit with its status. */
static void worker_child(int i, int ready_fd, void *arg)
{
	const struct start_ctx *ctx = arg;

	close_fds(ctx->lfds, i);
	close_fds(ctx->lfds + i + 1, ctx->opts->procs - i - 1);
	_exit(run_loop(ctx->opts, ctx->lfds[i], ready_fd, ctx->waitmask));
}

int main(int argc, char **argv)
{
	struct options opts = {
		.work = { .cpu_us = DEFAULT_CPU_US, .calls = 1 },
		.procs = DEFAULT_PROCS,
	};
	struct start_ctx ctx = { .opts = &opts };
	int ret = 1, port = 0, i;
	pid_t *pids = NULL;
	int *lfds = NULL;
	sigset_t waitmask;
	uint64_t deadline;

	switch (parse_args(argc, argv, &opts)) {
	case 0:
		break;
	case 1:
		return 0;
	default:
		return 2;
	}

	hc_raise_nofile();
	if (hc_setup_signals(&waitmask))
		goto cleanup;
	deadline = hc_deadline_after(opts.work.run_secs);

	pids = calloc((size_t)opts.procs, sizeof(*pids));
	lfds = malloc((size_t)opts.procs * sizeof(*lfds));
	if (!pids || !lfds) {
		fprintf(stderr, "asyncserver: failed to allocate workers: %s\n", strerror(ENOMEM));
		goto cleanup;
	}
	for (i = 0; i < opts.procs; i++)
		lfds[i] = -1;
	/* One SO_REUSEPORT socket per worker; the first one picks the port. */
	for (i = 0; i < opts.procs; i++) {
		lfds[i] = hc_listen_loopback(i ? port : opts.work.port, SOCK_NONBLOCK, true,
					     &port);
		if (lfds[i] < 0)
			goto cleanup;
	}
	ctx.lfds = lfds;
	ctx.waitmask = &waitmask;
	if (hc_start_workers(opts.procs, pids, worker_child, &ctx))
		goto cleanup;
	close_fds(lfds, opts.procs);	/* only the workers accept */
	hc_print_ready(port, pids, opts.procs);

	if (hc_parent_wait(&waitmask, deadline, pids, opts.procs) == 0)
		ret = 0;
cleanup:
	if (pids)
		hc_stop_workers(pids, opts.procs);
	if (lfds)
		close_fds(lfds, opts.procs);
	free(lfds);
	free(pids);
	return ret;
}
