/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * http_common.h - header-only helpers shared by the example HTTP servers
 * (upstream.c, syncserver.c, asyncserver.c): strict option parsing, listening
 * sockets, minimal HTTP/1.1 framing, CPU burning, signals and worker processes.
 *
 * Every function is `static inline` so a program that does not use one gets no
 * unused-function warning.
 */
#ifndef WAITSCOPE_EXAMPLES_HTTP_COMMON_H
#define WAITSCOPE_EXAMPLES_HTTP_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HC_LISTEN_BACKLOG	1024
#define HC_MAX_BODY		(1L << 30)
#define HC_NSEC_PER_SEC		1000000000ULL
/* Grace period between SIGTERM and SIGKILL when stopping worker processes. */
#define HC_STOP_GRACE_NS	(2 * HC_NSEC_PER_SEC)

#define HC_PROG program_invocation_short_name

/* Set by the signal handler; the only thing it does. */
static volatile sig_atomic_t hc_stop_requested;
/* SIGCHLD (a worker process ended) or SIGUSR1 (a worker thread failed). */
static volatile sig_atomic_t hc_worker_event;

/* ---- time ---------------------------------------------------------------- */

static inline uint64_t hc_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * HC_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline uint64_t hc_now_ns(void)
{
	return hc_clock_ns(CLOCK_MONOTONIC);
}

/* Absolute CLOCK_MONOTONIC deadline @secs from now; 0 (no deadline) if @secs <= 0. */
static inline uint64_t hc_deadline_after(double secs)
{
	if (secs <= 0)
		return 0;
	return hc_now_ns() + (uint64_t)(secs * 1e9);
}

static inline bool hc_deadline_passed(uint64_t deadline)
{
	return deadline && hc_now_ns() >= deadline;
}

/* epoll/poll timeout in ms until @deadline (rounded up), -1 without deadline. */
static inline int hc_timeout_ms(uint64_t deadline)
{
	uint64_t now, ms;

	if (!deadline)
		return -1;
	now = hc_now_ns();
	if (now >= deadline)
		return 0;
	ms = (deadline - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/*
 * Burn @us microseconds of this thread's CPU time doing integer arithmetic.
 * CPU time (not wall time) is measured, so being preempted does not shorten
 * the work. The clock is read every ~1-2 us of work.
 */
static inline void hc_burn_cpu_us(long us)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)us;
	uint64_t end;
	int i;

	if (us <= 0)
		return;
	end = hc_clock_ns(CLOCK_THREAD_CPUTIME_ID) + (uint64_t)us * 1000;
	do {
		for (i = 0; i < 512; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		/* Keep the result "used" so the loop is not optimised away. */
		__asm__ volatile("" : "+r"(x));
	} while (hc_clock_ns(CLOCK_THREAD_CPUTIME_ID) < end);
}

/* ---- messages ------------------------------------------------------------ */

struct hc_ratelimit {
	uint64_t last_ns;
	unsigned long suppressed;
};

/* Print "PROG: <message>\n" to stderr at most once per second per @rl. */
__attribute__((format(printf, 2, 3)))
static inline void hc_warn_ratelimited(struct hc_ratelimit *rl, const char *fmt, ...)
{
	uint64_t now = hc_now_ns();
	char msg[256];
	va_list ap;

	if (rl->last_ns && now - rl->last_ns < HC_NSEC_PER_SEC) {
		rl->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rl->suppressed)
		fprintf(stderr, "%s: %s (%lu similar messages suppressed)\n", HC_PROG, msg,
			rl->suppressed);
	else
		fprintf(stderr, "%s: %s\n", HC_PROG, msg);
	rl->last_ns = now;
	rl->suppressed = 0;
}

/* ---- option parsing ------------------------------------------------------ */

/* Strict: the whole string must be a base-10 integer within [min, max]. */
static inline int hc_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Strict: the whole string must be a finite number within [min, max]. */
static inline int hc_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Parse an integer option value; on error print one line and return -1. */
static inline int hc_opt_long(const char *opt, const char *arg, long min, long max, long *out)
{
	if (hc_parse_long(arg, min, max, out) == 0)
		return 0;
	fprintf(stderr, "%s: invalid value for %s: '%s' (expected an integer in %ld..%ld)\n",
		HC_PROG, opt, arg, min, max);
	return -1;
}

static inline int hc_opt_int(const char *opt, const char *arg, int min, int max, int *out)
{
	long v;

	if (hc_opt_long(opt, arg, min, max, &v))
		return -1;
	*out = (int)v;
	return 0;
}

/* Parse a number option value; on error print one line and return -1. */
static inline int hc_opt_double(const char *opt, const char *arg, double min, double max,
				double *out)
{
	if (hc_parse_double(arg, min, max, out) == 0)
		return 0;
	fprintf(stderr, "%s: invalid value for %s: '%s' (expected a number in %g..%g)\n",
		HC_PROG, opt, arg, min, max);
	return -1;
}

/*
 * Report a getopt_long() failure ('?', or ':' with an optstring starting with
 * ':' and opterr = 0) as one line on stderr. A failing long option is still
 * argv[optind - 1]; a failing short one is optopt.
 */
static inline void hc_opt_error(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	bool is_long = strncmp(arg, "--", 2) == 0;

	if (c == ':' && is_long)
		fprintf(stderr, "%s: option %s requires an argument (see --help)\n", HC_PROG, arg);
	else if (c == ':')
		fprintf(stderr, "%s: option -%c requires an argument (see --help)\n", HC_PROG,
			optopt);
	else if (is_long)
		fprintf(stderr, "%s: invalid option %s (see --help)\n", HC_PROG, arg);
	else
		fprintf(stderr, "%s: invalid option -%c (see --help)\n", HC_PROG, optopt);
}

/* Print a usage error for operands after the options; 0 if there are none. */
static inline int hc_opt_no_operands(int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", HC_PROG, argv[optind]);
	return -1;
}

#define HC_MAX_CPU_US	60000000L
#define HC_MAX_CALLS	1000
#define HC_MAX_RUN_SECS	1e9

/* The work options syncserver and asyncserver share. */
struct hc_work_opts {
	int port;
	long cpu_us;
	int upstream_port;	/* 0: no upstream, and then calls is 0 */
	int calls;
	bool keepalive_upstream;
	double run_secs;	/* 0: until a stop signal */
};

/*
 * Handle getopt_long() result @c if it is -p, -c, -u, -n or -t. Returns 1 when
 * handled, 0 when not one of these, -1 on a bad value (printed).
 */
static inline int hc_work_opt(int c, const char *arg, struct hc_work_opts *o)
{
	switch (c) {
	case 'p':
		return hc_opt_int("-p", arg, 0, 65535, &o->port) ? -1 : 1;
	case 'c':
		return hc_opt_long("-c", arg, 0, HC_MAX_CPU_US, &o->cpu_us) ? -1 : 1;
	case 'u':
		return hc_opt_int("-u", arg, 1, 65535, &o->upstream_port) ? -1 : 1;
	case 'n':
		return hc_opt_int("-n", arg, 0, HC_MAX_CALLS, &o->calls) ? -1 : 1;
	case 't':
		return hc_opt_double("-t", arg, 1e-3, HC_MAX_RUN_SECS, &o->run_secs) ? -1 : 1;
	default:
		return 0;
	}
}

/* ---- sockets --------------------------------------------------------------- */

/* Raise the soft RLIMIT_NOFILE to the hard limit; failure is only a warning. */
static inline void hc_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "%s: failed to get RLIMIT_NOFILE: %s\n", HC_PROG, strerror(errno));
		return;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fprintf(stderr, "%s: failed to raise RLIMIT_NOFILE: %s\n", HC_PROG,
			strerror(errno));
}

static inline void hc_loopback_addr(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static inline void hc_set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * Create a TCP socket bound to 127.0.0.1:@port (0 = ephemeral) and listening
 * with backlog HC_LISTEN_BACKLOG. @flags may hold SOCK_NONBLOCK. With
 * @reuseport, several sockets may share the port (SO_REUSEPORT). Stores the
 * bound port in *@bound_port. Returns the fd or -errno after printing why.
 */
static inline int hc_listen_loopback(int port, int flags, bool reuseport, int *bound_port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, err, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: failed to create socket: %s\n", HC_PROG, strerror(-err));
		return err;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))) {
		err = -errno;
		fprintf(stderr, "%s: failed to set socket options: %s\n", HC_PROG,
			strerror(-err));
		goto fail;
	}
	hc_loopback_addr(&sa, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		fprintf(stderr, "%s: failed to bind 127.0.0.1:%d: %s\n", HC_PROG, port,
			strerror(-err));
		goto fail;
	}
	if (listen(fd, HC_LISTEN_BACKLOG)) {
		err = -errno;
		fprintf(stderr, "%s: failed to listen on 127.0.0.1:%d: %s\n", HC_PROG, port,
			strerror(-err));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &len)) {
		err = -errno;
		fprintf(stderr, "%s: failed to get socket name: %s\n", HC_PROG, strerror(-err));
		goto fail;
	}
	*bound_port = ntohs(sa.sin_port);
	return fd;
fail:
	close(fd);
	return err;
}

/* Number of connections waiting in the accept queue of listening socket @fd. */
static inline unsigned int hc_accept_queue_len(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return 0;
	/* For a listening socket the kernel reports sk_ack_backlog here. */
	return ti.tcpi_unacked;
}

/* Blocking send of all @len bytes; 0 or -errno. */
static inline int hc_send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Accept one connection on the non-blocking listening socket @lfd, as a
 * non-blocking TCP_NODELAY socket. Returns its fd, or -1 when there is nothing
 * (more) to accept now. Out of fds, one waiting connection is accepted in the
 * slot of *@spare_fd and closed, so a level-triggered loop does not spin.
 */
static inline int hc_accept_nonblock(int lfd, int *spare_fd, struct hc_ratelimit *rl)
{
	int fd, err;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			hc_set_nodelay(fd);
			return fd;
		}
		err = errno;
		if (err == EINTR || err == ECONNABORTED)
			continue;
		if (err == EAGAIN || err == EWOULDBLOCK)
			return -1;
		hc_warn_ratelimited(rl, "failed to accept connection: %s", strerror(err));
		if ((err == EMFILE || err == ENFILE) && *spare_fd >= 0) {
			close(*spare_fd);
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				close(fd);
			*spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		}
		return -1;
	}
}

/*
 * The live connections of an event loop. A closed connection is only freed
 * after the current epoll batch, which may still point at it.
 */
struct hc_conn_link {
	struct hc_conn_link *prev, *next;
	void *owner;		/* the connection, free()d by hc_conns_free_dead */
};

struct hc_conns {
	struct hc_conn_link *live;
	struct hc_conn_link *dead;	/* singly linked through next */
};

static inline void hc_conns_add(struct hc_conns *set, struct hc_conn_link *l, void *owner)
{
	l->owner = owner;
	l->prev = NULL;
	l->next = set->live;
	if (set->live)
		set->live->prev = l;
	set->live = l;
}

/* Move @l from the live list to the dead one. */
static inline void hc_conns_retire(struct hc_conns *set, struct hc_conn_link *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		set->live = l->next;
	if (l->next)
		l->next->prev = l->prev;
	l->next = set->dead;
	set->dead = l;
}

static inline void hc_conns_free_dead(struct hc_conns *set)
{
	struct hc_conn_link *l;

	while ((l = set->dead)) {
		set->dead = l->next;
		free(l->owner);
	}
}

/* A reply being sent: p[off..len). */
struct hc_out {
	const char *p;
	size_t len, off;
};

static inline void hc_out_set(struct hc_out *o, const char *p, size_t len)
{
	o->p = p;
	o->len = len;
	o->off = 0;
}

/* Non-blocking send of the rest of @o: 1 all sent, 0 would block, -1 error. */
static inline int hc_out_send(int fd, struct hc_out *o)
{
	ssize_t n;

	while (o->off < o->len) {
		n = send(fd, o->p + o->off, o->len - o->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		o->off += (size_t)n;
	}
	return 1;
}

/* ---- HTTP/1.1 framing ------------------------------------------------------ */

struct hc_http_msg {
	size_t head_len;	/* bytes up to and including the blank line */
	size_t body_len;	/* Content-Length (0 if absent, requests only) */
	int status;		/* responses only */
	bool keep_alive;	/* connection stays open after this message */
};

static inline bool hc_has_token(const char *v, size_t vlen, const char *tok)
{
	size_t tlen = strlen(tok), i;

	for (i = 0; i + tlen <= vlen; i++) {
		if (strncasecmp(v + i, tok, tlen) == 0 &&
		    (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t') &&
		    (i + tlen == vlen || v[i + tlen] == ',' || v[i + tlen] == ' ' ||
		     v[i + tlen] == '\t'))
			return true;
	}
	return false;
}

static inline int hc_parse_size(const char *v, size_t vlen, size_t *out)
{
	size_t n = 0, i;

	if (!vlen)
		return -1;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (size_t)(v[i] - '0');
		if (n > HC_MAX_BODY)
			return -1;
	}
	*out = n;
	return 0;
}

/* "HTTP/1.0" or "HTTP/1.1" -> minor version; -1 otherwise. */
static inline int hc_http_minor(const char *p, size_t len)
{
	if (len != 8 || memcmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1'))
		return -1;
	return p[7] - '0';
}

/*
 * Parse the head of an HTTP/1.x request (@is_response false) or response in
 * buf[0..len). Returns 1 and fills @m when the head is complete, 0 when more
 * bytes are needed, -1 when malformed or unsupported (Transfer-Encoding, a
 * response without Content-Length).
 */
static inline int hc_parse_http(const char *buf, size_t len, bool is_response,
				struct hc_http_msg *m)
{
	const char *end, *line, *eol, *sp, *colon, *v, *vend;
	bool has_length = false;
	int minor;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	memset(m, 0, sizeof(*m));
	m->head_len = (size_t)(end - buf) + 4;

	/* Start line: "METHOD TARGET HTTP/1.x" or "HTTP/1.x CODE REASON". */
	eol = memmem(buf, m->head_len, "\r\n", 2);
	if (is_response) {
		if (eol - buf < 12 || buf[8] != ' ' || (eol - buf > 12 && buf[12] != ' '))
			return -1;
		minor = hc_http_minor(buf, 8);
		if (buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
		    buf[11] < '0' || buf[11] > '9')
			return -1;
		m->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	} else {
		sp = memchr(buf, ' ', (size_t)(eol - buf));
		if (!sp || sp == buf)
			return -1;	/* no method */
		if (sp == memrchr(buf, ' ', (size_t)(eol - buf)))
			return -1;	/* no request target */
		sp = memrchr(buf, ' ', (size_t)(eol - buf));
		minor = hc_http_minor(sp + 1, (size_t)(eol - sp - 1));
	}
	if (minor < 0)
		return -1;
	m->keep_alive = minor == 1;

	for (line = eol + 2; line < end + 2; line = eol + 2) {
		eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || colon == line)
			return -1;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		vend = eol;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
#define HC_IS(name) ((size_t)(colon - line) == sizeof(name) - 1 && \
		     strncasecmp(line, name, sizeof(name) - 1) == 0)
		if (HC_IS("connection")) {
			if (hc_has_token(v, (size_t)(vend - v), "close"))
				m->keep_alive = false;
			else if (hc_has_token(v, (size_t)(vend - v), "keep-alive"))
				m->keep_alive = true;
		} else if (HC_IS("content-length")) {
			if (hc_parse_size(v, (size_t)(vend - v), &m->body_len))
				return -1;
			has_length = true;
		} else if (HC_IS("transfer-encoding")) {
			return -1;
		}
#undef HC_IS
	}
	if (is_response && !has_length)
		return -1;
	return 1;
}

#define HC_REQ_BUF_SIZE		4096
#define HC_RESP_BUF_SIZE	1024

#define HC_RESP_BAD "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define HC_RESP_TOO_LARGE "HTTP/1.1 431 Request Header Fields Too Large\r\n" \
			  "Content-Length: 0\r\nConnection: close\r\n\r\n"
#define HC_OK_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
#define HC_BAD_GW_HEAD "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n" \
		       "Content-Length: 12\r\n"

/* The servers' reply: 200 "ok" or 502 (an upstream call failed), kept alive or not. */
static inline const char *hc_reply(bool ok, bool keep_alive, size_t *len)
{
	static const char ok_keep[] = HC_OK_HEAD "\r\nok\n";
	static const char ok_close[] = HC_OK_HEAD "Connection: close\r\n\r\nok\n";
	static const char gw_keep[] = HC_BAD_GW_HEAD "\r\nbad gateway\n";
	static const char gw_close[] = HC_BAD_GW_HEAD "Connection: close\r\n\r\nbad gateway\n";

	if (ok) {
		*len = keep_alive ? sizeof(ok_keep) - 1 : sizeof(ok_close) - 1;
		return keep_alive ? ok_keep : ok_close;
	}
	*len = keep_alive ? sizeof(gw_keep) - 1 : sizeof(gw_close) - 1;
	return keep_alive ? gw_keep : gw_close;
}

/* Bytes read from a client, and what is left of the last request's body. */
struct hc_reqbuf {
	size_t len;
	size_t body_left;	/* GET only: request bodies are discarded */
	char buf[HC_REQ_BUF_SIZE];
};

static inline void hc_reqbuf_consume(struct hc_reqbuf *rb, size_t n)
{
	rb->len -= n;
	memmove(rb->buf, rb->buf + n, rb->len);
}

/* recv() into the free part of @rb: bytes read (> 0), 0 at EOF, -1 with errno. */
static inline ssize_t hc_reqbuf_recv(int fd, struct hc_reqbuf *rb)
{
	ssize_t n = recv(fd, rb->buf + rb->len, sizeof(rb->buf) - rb->len, 0);

	if (n > 0)
		rb->len += (size_t)n;
	return n;
}

/*
 * Take the next request head out of @rb, after discarding the rest of the
 * previous request's body. Returns 1 when a head was taken (*@keep_alive
 * set), 0 when more bytes are needed, -1 when the request is refused:
 * *@resp and *@resp_len then hold a 400 or 431 reply that closes the connection.
 */
static inline int hc_take_request(struct hc_reqbuf *rb, bool *keep_alive, const char **resp,
				  size_t *resp_len)
{
	static const char bad[] = HC_RESP_BAD, too_large[] = HC_RESP_TOO_LARGE;
	struct hc_http_msg req;
	size_t n;
	int r;

	if (rb->body_left) {
		n = rb->len < rb->body_left ? rb->len : rb->body_left;
		hc_reqbuf_consume(rb, n);
		rb->body_left -= n;
		if (rb->body_left)
			return 0;
	}
	r = hc_parse_http(rb->buf, rb->len, false, &req);
	if (r == 0 && rb->len < sizeof(rb->buf))
		return 0;
	if (r <= 0) {
		*resp = r < 0 ? bad : too_large;
		*resp_len = r < 0 ? sizeof(bad) - 1 : sizeof(too_large) - 1;
		return -1;
	}
	hc_reqbuf_consume(rb, req.head_len);
	rb->body_left = req.body_len;
	*keep_alive = req.keep_alive;
	return 1;
}

/* Where the servers' upstream is, and the request they send it. */
struct hc_upstream {
	struct sockaddr_in addr;
	char req[128];
	size_t req_len;
};

static inline void hc_upstream_init(struct hc_upstream *up, int port, bool keep_alive)
{
	int n;

	hc_loopback_addr(&up->addr, port);
	n = snprintf(up->req, sizeof(up->req),
		     "GET /query HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n", port,
		     keep_alive ? "" : "Connection: close\r\n");
	/* At most 79 bytes: a port has at most 5 digits. */
	up->req_len = (size_t)n;
}

/* Reads one upstream response: the head into buf, the body discarded. */
struct hc_resp_reader {
	bool head_done;
	bool status_ok;		/* 2xx */
	bool keep_alive;	/* the upstream keeps the connection open */
	size_t len;		/* head bytes in buf */
	size_t body_left;	/* once head_done */
	char buf[HC_RESP_BUF_SIZE];
};

static inline void hc_resp_reset(struct hc_resp_reader *r)
{
	r->head_done = false;
	r->len = 0;
}

/* Where the next recv() of the response goes (*@p) and how much it may take. */
static inline size_t hc_resp_space(struct hc_resp_reader *r, char **p)
{
	if (r->head_done) {
		*p = r->buf;
		return r->body_left < sizeof(r->buf) ? r->body_left : sizeof(r->buf);
	}
	*p = r->buf + r->len;
	return sizeof(r->buf) - r->len;
}

/*
 * Account for @n > 0 bytes received at hc_resp_space(). Returns 1 when the
 * response is complete and 2xx, 0 when more is needed, -EBADMSG when it is
 * malformed, carries bytes beyond itself, or is not 2xx.
 */
static inline int hc_resp_got(struct hc_resp_reader *r, size_t n)
{
	struct hc_http_msg m;
	int pr;

	if (r->head_done) {
		r->body_left -= n;
	} else {
		r->len += n;
		pr = hc_parse_http(r->buf, r->len, true, &m);
		if (pr < 0 || (pr == 0 && r->len == sizeof(r->buf)))
			return -EBADMSG;
		if (pr == 0)
			return 0;
		if (r->len > m.head_len + m.body_len)
			return -EBADMSG;
		r->head_done = true;
		r->status_ok = m.status / 100 == 2;
		r->keep_alive = m.keep_alive;
		r->body_left = m.head_len + m.body_len - r->len;
	}
	if (r->body_left)
		return 0;
	return r->status_ok ? 1 : -EBADMSG;
}

/* ---- signals and worker processes ------------------------------------------ */

static inline void hc_on_signal(int sig)
{
	if (sig == SIGCHLD || sig == SIGUSR1)
		hc_worker_event = 1;
	else
		hc_stop_requested = 1;
}

/*
 * Install hc_on_signal for SIGINT, SIGTERM, SIGHUP (stop), SIGCHLD and SIGUSR1
 * (worker event), ignore SIGPIPE, and block the five: the caller unblocks them
 * only while waiting (ppoll/epoll_pwait with *@waitmask), so a signal can never
 * be lost between checking the flags and going to sleep. Threads created
 * afterwards inherit the blocked mask.
 */
static inline int hc_setup_signals(sigset_t *waitmask)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1 };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hc_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL))
			goto fail;
		sigaddset(&block, sigs[i]);
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		goto fail;
	if (sigprocmask(SIG_BLOCK, &block, waitmask))
		goto fail;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(waitmask, sigs[i]);
	return 0;
fail:
	fprintf(stderr, "%s: failed to install signal handlers: %s\n", HC_PROG, strerror(errno));
	return -1;
}

/*
 * epoll_pwait() returns ready events without delivering a pending signal that
 * its mask unblocks, so an event loop that always finds events would never see
 * SIGTERM: loops poll for a pending stop signal once per iteration too.
 */
static inline bool hc_stop_pending(void)
{
	sigset_t pending;

	if (sigpending(&pending))
		return false;
	return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGHUP) == 1;
}

/*
 * Fork @n worker processes that die with their parent. Worker i runs
 * @child(i, ready_fd, arg), which must write one byte to ready_fd once it
 * serves, and not return. In the workers SIGCHLD and SIGUSR1 are back to
 * default; the stop signals keep the parent's handler and stay blocked.
 * Returns 0 once all workers are ready, -1 on failure (printed; the workers
 * started are in @pids, for hc_stop_workers).
 */
static inline int hc_start_workers(int n, pid_t *pids, void (*child)(int, int, void *),
				   void *arg)
{
	pid_t parent = getpid(), pid;
	int ready[2], got = 0, i, err = -1;
	struct sigaction sa;
	char buf[64];
	ssize_t r;

	if (pipe2(ready, O_CLOEXEC)) {
		fprintf(stderr, "%s: failed to create pipe: %s\n", HC_PROG, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "%s: failed to fork worker: %s\n", HC_PROG,
				strerror(errno));
			goto out;
		}
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(1);
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigaction(SIGCHLD, &sa, NULL);
			sigaction(SIGUSR1, &sa, NULL);
			close(ready[0]);
			child(i, ready[1], arg);
			_exit(1);
		}
		pids[i] = pid;
	}
	/* Only the workers hold the write end now: EOF means one died. */
	close(ready[1]);
	ready[1] = -1;
	while (got < n) {
		r = read(ready[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "%s: failed to start workers: %s\n", HC_PROG,
				r < 0 ? strerror(errno) : "a worker exited during start-up");
			goto out;
		}
		got += (int)r;
	}
	err = 0;
out:
	close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	return err;
}

/* The one stdout line: "ready pid=<PID> port=<PORT>[ workers=<PID,PID,...>]". */
static inline void hc_print_ready(int port, const pid_t *pids, int n)
{
	int i;

	printf("ready pid=%d port=%d", getpid(), port);
	for (i = 0; i < n; i++)
		printf("%s%d", i ? "," : " workers=", pids[i]);
	printf("\n");
	fflush(stdout);
}

static inline void hc_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
}

/*
 * Reap workers that ended; their pids[] slot becomes 0. Returns how many
 * ended, after printing why each one did.
 */
static inline int hc_reap_workers(pid_t *pids, int n)
{
	int i, status, ended = 0;
	char why[96];

	for (i = 0; i < n; i++) {
		if (pids[i] <= 0 || waitpid(pids[i], &status, WNOHANG) != pids[i])
			continue;
		hc_describe_status(status, why, sizeof(why));
		fprintf(stderr, "%s: worker %d ended unexpectedly: %s\n", HC_PROG, pids[i], why);
		pids[i] = 0;
		ended++;
	}
	return ended;
}

/* Stop all workers: SIGTERM, wait up to HC_STOP_GRACE_NS, then SIGKILL; reap all. */
static inline void hc_stop_workers(pid_t *pids, int n)
{
	uint64_t deadline = hc_now_ns() + HC_STOP_GRACE_NS;
	int i, left, status;
	pid_t r;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			r = waitpid(pids[i], &status, WNOHANG);
			if (r == pids[i] || (r < 0 && errno == ECHILD))
				pids[i] = 0;
			else
				left++;
		}
		if (!left || hc_now_ns() >= deadline)
			break;
		poll(NULL, 0, 10);
	}
	for (i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		pids[i] = 0;
	}
}

/*
 * The parent's main loop: sleep until a stop signal, the @deadline (0: none)
 * or a worker ending (reaped from @pids, or a thread raising SIGUSR1 when
 * @n == 0). Signals must be blocked (hc_setup_signals), @waitmask is the mask
 * to sleep with. Returns 0 on stop/deadline, -1 when a worker ended.
 */
static inline int hc_parent_wait(const sigset_t *waitmask, uint64_t deadline, pid_t *pids, int n)
{
	struct timespec ts;
	int ms;

	for (;;) {
		if (hc_stop_requested || hc_deadline_passed(deadline))
			return 0;
		if (hc_worker_event) {
			hc_worker_event = 0;
			if (n == 0 || hc_reap_workers(pids, n))
				return -1;
		}
		ms = hc_timeout_ms(deadline);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		ppoll(NULL, 0, ms < 0 ? NULL : &ts, waitmask);
	}
}

#endif /* WAITSCOPE_EXAMPLES_HTTP_COMMON_H */
