/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * upstream - a minimal HTTP/1.1 upstream (think: a database or a downstream
 * service) that answers every request after a fixed delay.
 *
 * One thread, one epoll loop, non-blocking sockets, keep-alive. A request
 * whose head is complete waits in a min-heap ordered by due time; one timerfd
 * is armed for the earliest due time, so thousands of requests can wait at
 * once without a thread or a sleep each. While a reply is pending the
 * connection is not read (requests on one connection are answered in order).
 */
#include "http_common.h"

#include <getopt.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#define DEFAULT_DELAY_MS	20.0
#define MAX_DELAY_MS		3600000.0
#define MAX_RUN_SECS		1e9
#define MAX_EVENTS		256
#define ACCEPT_BATCH		64
#define NOT_IN_HEAP		SIZE_MAX

#define OK_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
#define OK_BODY "upstream ok\n"

static const char resp_ok[] = OK_HEAD "\r\n" OK_BODY;
static const char resp_ok_close[] = OK_HEAD "Connection: close\r\n\r\n" OK_BODY;

struct options {
	int port;
	double delay_ms;
	double run_secs;	/* 0: until a stop signal */
};

/* What an epoll_event.data.ptr points at: always an int holding one of these. */
enum ev_kind {
	EV_LISTEN = 1,
	EV_TIMER,
	EV_CONN,
};

enum conn_state {
	CS_READ,	/* reading the next request head */
	CS_WAIT,	/* in the timer heap until due_ns */
	CS_WRITE,	/* sending out */
};

struct conn {
	int kind;			/* EV_CONN, must stay first */
	int fd;
	enum conn_state state;
	bool keep_alive;		/* of the request being answered */
	bool closed;			/* freed after the current event batch */
	size_t heap_idx;		/* NOT_IN_HEAP unless CS_WAIT */
	uint64_t due_ns;
	struct hc_out out;
	struct hc_conn_link link;
	struct hc_reqbuf in;
};

struct server {
	const struct options *opts;
	uint64_t delay_ns;
	int epfd, lfd, tfd;
	int spare_fd;		/* closed to shed a connection when out of fds */
	int listen_kind, timer_kind;
	struct conn **heap;
	size_t heap_len, heap_cap;
	uint64_t armed_ns;	/* what tfd is armed for, 0 = disarmed */
	struct hc_conns conns;
	struct hc_ratelimit rl;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: upstream [-p PORT] [-D DELAY_MS] [-t SECONDS]\n"
"\n"
"A minimal HTTP/1.1 upstream (think: a database or a downstream service) that\n"
"answers every request with '200 OK' after a fixed delay. One thread, one epoll\n"
"loop, non-blocking sockets, keep-alive; pending replies wait in a timer heap,\n"
"so thousands of requests can wait at once.\n"
"\n"
"Options:\n"
"  -p, --port PORT       listen on 127.0.0.1:PORT (default 0: ephemeral)\n"
"  -D, --delay DELAY_MS  delay before each reply, in ms (default %g, 0 allowed)\n"
"  -t, --time SECONDS    exit 0 after SECONDS (default: until SIGINT/SIGTERM)\n"
"  -h, --help            show this help\n"
"\n"
"Once listening it prints one line to stdout:\n"
"  ready pid=<PID> port=<PORT>\n"
"\n"
"Examples:\n"
"  upstream -p 9100 -D 20      # 20 ms per request\n"
"  upstream -D 0 -t 30         # no delay, ephemeral port, stop after 30 s\n",
		DEFAULT_DELAY_MS);
}

/* 0: run, 1: help printed, -1: usage error printed. */
static int parse_args(int argc, char **argv, struct options *opts)
{
	static const struct option long_opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "delay", required_argument, NULL, 'D' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:D:t:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (hc_opt_int("-p", optarg, 0, 65535, &opts->port))
				return -1;
			break;
		case 'D':
			if (hc_opt_double("-D", optarg, 0, MAX_DELAY_MS, &opts->delay_ms))
				return -1;
			break;
		case 't':
			if (hc_opt_double("-t", optarg, 1e-3, MAX_RUN_SECS, &opts->run_secs))
				return -1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			hc_opt_error(c, argv);
			return -1;
		}
	}
	return hc_opt_no_operands(argc, argv);
}

/* ---- timer heap ------------------------------------------------------------ */

static void heap_set(struct server *s, size_t i, struct conn *c)
{
	s->heap[i] = c;
	c->heap_idx = i;
}

static void heap_sift_up(struct server *s, size_t i)
{
	struct conn *c = s->heap[i];

	while (i > 0 && s->heap[(i - 1) / 2]->due_ns > c->due_ns) {
		heap_set(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(s, i, c);
}

static void heap_sift_down(struct server *s, size_t i)
{
	struct conn *c = s->heap[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= s->heap_len)
			break;
		if (child + 1 < s->heap_len && s->heap[child + 1]->due_ns < s->heap[child]->due_ns)
			child++;
		if (s->heap[child]->due_ns >= c->due_ns)
			break;
		heap_set(s, i, s->heap[child]);
		i = child;
	}
	heap_set(s, i, c);
}

static int heap_push(struct server *s, struct conn *c)
{
	struct conn **h;
	size_t cap;

	if (s->heap_len == s->heap_cap) {
		cap = s->heap_cap ? 2 * s->heap_cap : 1024;
		h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->heap_cap = cap;
	}
	s->heap[s->heap_len++] = c;
	heap_sift_up(s, s->heap_len - 1);
	return 0;
}

static void heap_remove(struct server *s, struct conn *c)
{
	size_t i = c->heap_idx;
	struct conn *last;

	c->heap_idx = NOT_IN_HEAP;
	last = s->heap[--s->heap_len];
	if (last == c)
		return;
	heap_set(s, i, last);
	heap_sift_up(s, i);
	heap_sift_down(s, last->heap_idx);
}

/* Arm the timerfd for the earliest due time (or disarm it) if that changed. */
static int timer_update(struct server *s)
{
	struct itimerspec its;
	uint64_t due = s->heap_len ? s->heap[0]->due_ns : 0;

	if (due == s->armed_ns)
		return 0;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(due / HC_NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(due % HC_NSEC_PER_SEC);
	if (timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	s->armed_ns = due;
	return 0;
}

/* ---- connections ----------------------------------------------------------- */

static void conn_close(struct server *s, struct conn *c)
{
	if (c->closed)
		return;
	if (c->heap_idx != NOT_IN_HEAP)
		heap_remove(s, c);
	close(c->fd);
	c->closed = true;
	hc_conns_retire(&s->conns, &c->link);
}

static void conn_reply(struct conn *c, const char *resp, size_t len, bool keep_alive)
{
	c->state = CS_WRITE;
	hc_out_set(&c->out, resp, len);
	c->keep_alive = keep_alive;
}

/*
 * In CS_READ: take one request from the buffer. Returns 1 when the connection
 * moved on (to CS_WAIT or CS_WRITE), 0 when more bytes are needed.
 */
static int conn_take_request(struct server *s, struct conn *c)
{
	const char *resp;
	size_t len;
	bool keep;
	int r;

	r = hc_take_request(&c->in, &keep, &resp, &len);
	if (r == 0)
		return 0;
	if (r < 0) {
		conn_reply(c, resp, len, false);
		return 1;
	}
	if (keep)
		conn_reply(c, resp_ok, sizeof(resp_ok) - 1, true);
	else
		conn_reply(c, resp_ok_close, sizeof(resp_ok_close) - 1, false);
	if (!s->delay_ns)
		return 1;
	c->state = CS_WAIT;
	c->due_ns = hc_now_ns() + s->delay_ns;
	if (heap_push(s, c)) {
		hc_warn_ratelimited(&s->rl, "failed to queue reply: %s", strerror(ENOMEM));
		c->state = CS_WRITE;	/* answer at once rather than drop it */
		return 1;
	}
	if (timer_update(s))
		hc_warn_ratelimited(&s->rl, "failed to arm timer: %s", strerror(errno));
	return 1;
}

/* Make as much progress as the socket allows (edge-triggered). */
static void conn_run(struct server *s, struct conn *c)
{
	ssize_t n;
	int r;

	for (;;) {
		switch (c->state) {
		case CS_READ:
			if (conn_take_request(s, c))
				break;
			n = hc_reqbuf_recv(c->fd, &c->in);
			if (n > 0 || (n < 0 && errno == EINTR))
				break;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			conn_close(s, c);	/* EOF or error */
			return;
		case CS_WAIT:
			return;
		case CS_WRITE:
			r = hc_out_send(c->fd, &c->out);
			if (r == 0)
				return;
			if (r < 0 || !c->keep_alive) {
				conn_close(s, c);
				return;
			}
			c->state = CS_READ;
			break;
		}
	}
}

static void on_timer(struct server *s)
{
	uint64_t expirations, now;
	struct conn *c;

	/* Nothing to read if re-armed since it fired: EAGAIN is fine. */
	if (read(s->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		hc_warn_ratelimited(&s->rl, "failed to read timer: %s", strerror(errno));
	now = hc_now_ns();
	while (s->heap_len && s->heap[0]->due_ns <= now) {
		c = s->heap[0];
		heap_remove(s, c);
		c->state = CS_WRITE;
		conn_run(s, c);
	}
	if (timer_update(s))
		hc_warn_ratelimited(&s->rl, "failed to arm timer: %s", strerror(errno));
}

static void on_listen(struct server *s)
{
	struct epoll_event ev;
	struct conn *c;
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = hc_accept_nonblock(s->lfd, &s->spare_fd, &s->rl);
		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			hc_warn_ratelimited(&s->rl, "failed to allocate connection: %s",
					    strerror(ENOMEM));
			close(fd);
			continue;
		}
		c->kind = EV_CONN;
		c->fd = fd;
		c->state = CS_READ;
		c->heap_idx = NOT_IN_HEAP;
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			hc_warn_ratelimited(&s->rl, "failed to add connection to epoll: %s",
					    strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		hc_conns_add(&s->conns, &c->link, c);
	}
}

static int server_init(struct server *s, const struct options *opts)
{
	struct epoll_event ev;
	int port = 0;

	s->opts = opts;
	s->delay_ns = (uint64_t)llround(opts->delay_ms * 1e6);
	s->listen_kind = EV_LISTEN;
	s->timer_kind = EV_TIMER;

	s->lfd = hc_listen_loopback(opts->port, SOCK_NONBLOCK, false, &port);
	if (s->lfd < 0)
		return -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		fprintf(stderr, "upstream: failed to create epoll instance: %s\n", strerror(errno));
		return -1;
	}
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0) {
		fprintf(stderr, "upstream: failed to create timerfd: %s\n", strerror(errno));
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &s->listen_kind;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev)) {
		fprintf(stderr, "upstream: failed to add listening socket to epoll: %s\n",
			strerror(errno));
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &s->timer_kind;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tfd, &ev)) {
		fprintf(stderr, "upstream: failed to add timerfd to epoll: %s\n", strerror(errno));
		return -1;
	}
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return port;
}

static void server_fini(struct server *s)
{
	while (s->conns.live)
		conn_close(s, s->conns.live->owner);
	hc_conns_free_dead(&s->conns);
	free(s->heap);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	if (s->tfd >= 0)
		close(s->tfd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->lfd >= 0)
		close(s->lfd);
}

int main(int argc, char **argv)
{
	struct options opts = { .port = 0, .delay_ms = DEFAULT_DELAY_MS };
	struct server s = { .epfd = -1, .lfd = -1, .tfd = -1, .spare_fd = -1 };
	struct epoll_event evs[MAX_EVENTS];
	uint64_t deadline;
	sigset_t waitmask;
	int ret = 1, port, n, i;

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
	deadline = hc_deadline_after(opts.run_secs);
	port = server_init(&s, &opts);
	if (port < 0)
		goto cleanup;

	hc_print_ready(port, NULL, 0);

	while (!hc_stop_requested && !hc_stop_pending() && !hc_deadline_passed(deadline)) {
		n = epoll_pwait(s.epfd, evs, MAX_EVENTS, hc_timeout_ms(deadline), &waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "upstream: failed to wait for events: %s\n",
				strerror(errno));
			goto cleanup;
		}
		for (i = 0; i < n; i++) {
			switch (*(int *)evs[i].data.ptr) {
			case EV_LISTEN:
				on_listen(&s);
				break;
			case EV_TIMER:
				on_timer(&s);
				break;
			default: {
				struct conn *c = evs[i].data.ptr;

				if (!c->closed)
					conn_run(&s, c);
				break;
			}
			}
		}
		hc_conns_free_dead(&s.conns);
	}
	ret = 0;
cleanup:
	server_fini(&s);
	return ret;
}
