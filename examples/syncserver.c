/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * syncserver - a classic synchronous HTTP/1.1 server, the "before" picture for
 * the async prediction.
 *
 * WORKERS threads (or pre-forked processes) each block in accept() on one
 * shared listening socket and serve one connection at a time; or (pool mode)
 * one acceptor thread queues connections for WORKERS threads that wait on a
 * condition variable, like a Java thread-pool executor or Apache's worker MPM. Per request a
 * worker burns CPU_US of its own CPU time, makes CALLS sequential blocking
 * HTTP calls to an upstream on 127.0.0.1, and replies 200. The main thread
 * (or parent process) only waits for a stop signal or the -t deadline.
 */
#include "http_common.h"

#include <getopt.h>
#include <pthread.h>
#include <sys/un.h>

#define DEFAULT_WORKERS		4
#define MAX_WORKERS		4096
#define DEFAULT_CPU_US		1000
#define WORKER_STACK_SIZE	(256 * 1024)
#define OPT_STRICT_KEEPALIVE	1000
#define QUEUE_CAP		1024
#define OPT_UNIX		1001

struct options {
	struct hc_work_opts work;
	int workers;
	bool prefork;
	bool pool;
	bool strict_keepalive;
	const char *unix_path;	/* listen on this unix socket instead of TCP */
};

/* Pool mode: accepted connections waiting for a worker. */
struct conn_queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	int fds[QUEUE_CAP];
	unsigned int head, n;
};

struct worker {
	const struct options *opts;
	const struct hc_upstream *up;
	int lfd;
	int client_fd;		/* connection being served, -1 if none */
	int up_fd;		/* persistent upstream connection (-k), -1 if none */
	struct conn_queue *q;	/* pool mode, else NULL */
	bool acceptor;		/* pool mode: this thread accepts and queues */
	pthread_t thread;
	bool started;
	struct hc_ratelimit rl;
	struct hc_reqbuf in;
	struct hc_resp_reader resp;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: syncserver [-p PORT] [-w WORKERS] [--mode threads|prefork|pool] [-c CPU_US]\n"
"                  [-u UPSTREAM_PORT] [-n CALLS] [-k] [-t SECONDS]\n"
"\n"
"A classic synchronous HTTP/1.1 server: WORKERS threads (or pre-forked\n"
"processes) each block in accept() on one shared listening socket and serve one\n"
"connection at a time. Per request a worker burns CPU_US of CPU time, makes\n"
"CALLS sequential blocking HTTP calls to 127.0.0.1:UPSTREAM_PORT, then replies\n"
"200 (502 if an upstream call failed).\n"
"\n"
"Options:\n"
"  -p, --port PORT            listen on 127.0.0.1:PORT (default 0: ephemeral)\n"
"  -w, --workers WORKERS      number of workers, 1..%d (default %d)\n"
"  -m, --mode MODE            threads (default): worker threads in one process;\n"
"                             prefork: worker processes sharing the socket;\n"
"                             pool: one acceptor thread queues connections for\n"
"                             worker threads waiting on a condition variable\n"
"  -c, --cpu-us CPU_US        CPU time burnt per request, in us (default %d)\n"
"  -u, --upstream PORT        upstream to call on 127.0.0.1 (default: none, and\n"
"                             then CALLS is 0: pure CPU)\n"
"  -n, --calls CALLS          sequential upstream calls per request (default 1)\n"
"  -k, --keepalive-upstream   keep one upstream connection per worker (default:\n"
"                             a new connection per call)\n"
"      --strict-keepalive     keep client connections until the client closes\n"
"                             them, even while others wait in the accept queue\n"
"      --unix PATH            listen on a unix stream socket at PATH instead of\n"
"                             TCP (as php-fpm or uWSGI behind a proxy); the ready\n"
"                             line then says port=0\n"
"  -t, --time SECONDS         exit 0 after SECONDS (default: until SIGINT/SIGTERM)\n"
"  -h, --help                 show this help\n"
"\n"
"Client keep-alive: requests on one connection are served until the client\n"
"closes it; but while other connections wait in the accept queue a reply carries\n"
"'Connection: close', so more keep-alive clients than workers are served in\n"
"turn instead of starving (--strict-keepalive turns this off).\n"
"\n"
"Once all workers run it prints one line to stdout:\n"
"  ready pid=<PID> port=<PORT>                        (threads)\n"
"  ready pid=<PID> port=<PORT> workers=<PID,PID,...>  (prefork)\n"
"\n"
"Examples:\n"
"  syncserver -p 9200 -w 4 -c 500 -u 9100 -n 1   # I/O-bound with upstream -D 20\n"
"  syncserver -p 9200 --mode prefork -c 5000     # CPU-bound, 4 processes\n",
		MAX_WORKERS, DEFAULT_WORKERS, DEFAULT_CPU_US);
}

/* 0: run, 1: help printed, -1: usage error printed. */
static int parse_args(int argc, char **argv, struct options *opts)
{
	static const struct option long_opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "mode", required_argument, NULL, 'm' },
		{ "cpu-us", required_argument, NULL, 'c' },
		{ "upstream", required_argument, NULL, 'u' },
		{ "calls", required_argument, NULL, 'n' },
		{ "keepalive-upstream", no_argument, NULL, 'k' },
		{ "strict-keepalive", no_argument, NULL, OPT_STRICT_KEEPALIVE },
		{ "unix", required_argument, NULL, OPT_UNIX },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:w:m:c:u:n:kt:h", long_opts, NULL)) != -1) {
		r = hc_work_opt(c, optarg, &opts->work);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
		case 'w':
			if (hc_opt_int("-w", optarg, 1, MAX_WORKERS, &opts->workers))
				return -1;
			break;
		case 'm':
			opts->prefork = strcmp(optarg, "prefork") == 0;
			opts->pool = strcmp(optarg, "pool") == 0;
			if (!opts->prefork && !opts->pool && strcmp(optarg, "threads") != 0) {
				fprintf(stderr, "syncserver: invalid value for --mode: '%s' "
					"(expected threads, prefork or pool)\n", optarg);
				return -1;
			}
			break;
		case 'k':
			opts->work.keepalive_upstream = true;
			break;
		case OPT_STRICT_KEEPALIVE:
			opts->strict_keepalive = true;
			break;
		case OPT_UNIX:
			opts->unix_path = optarg;
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

static void close_fd(int *fd)
{
	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
}

/* ---- upstream calls (blocking) --------------------------------------------- */

static int upstream_connect(const struct hc_upstream *up)
{
	int fd, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&up->addr, sizeof(up->addr))) {
		err = -errno;
		close(fd);
		return err;
	}
	hc_set_nodelay(fd);
	return fd;
}

/*
 * Send the request on @fd and read the whole response: 0 (w->resp.keep_alive
 * tells whether the upstream keeps the connection open), -errno on a socket
 * error or early close, -EBADMSG on a malformed or non-2xx response.
 */
static int upstream_exchange(struct worker *w, int fd)
{
	ssize_t n;
	size_t space;
	char *p;
	int r;

	r = hc_send_all(fd, w->up->req, w->up->req_len);
	if (r)
		return r;
	hc_resp_reset(&w->resp);
	for (;;) {
		space = hc_resp_space(&w->resp, &p);
		n = recv(fd, p, space, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		r = hc_resp_got(&w->resp, (size_t)n);
		if (r)
			return r < 0 ? r : 0;
	}
}

/* One upstream call; 0 or -errno (a warning was printed). */
static int upstream_call(struct worker *w)
{
	bool reused;
	int err, fd;

	for (;;) {
		reused = w->up_fd >= 0;
		if (!reused) {
			fd = upstream_connect(w->up);
			if (fd < 0) {
				err = fd;
				break;
			}
			w->up_fd = fd;
		}
		err = upstream_exchange(w, w->up_fd);
		if (!err && w->opts->work.keepalive_upstream && w->resp.keep_alive)
			return 0;
		close_fd(&w->up_fd);
		if (!err)
			return 0;
		/* The upstream may have closed an idle kept connection: retry once. */
		if (!reused || err == -EBADMSG)
			break;
	}
	hc_warn_ratelimited(&w->rl, "failed to call upstream 127.0.0.1:%d: %s",
			    w->opts->work.upstream_port, strerror(-err));
	return err;
}

/* A unix stream listener at path (replacing a stale socket file); fd or -errno. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "syncserver: unix socket path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, HC_LISTEN_BACKLOG)) {
		err = -errno;
		fprintf(stderr, "syncserver: failed to listen on %s: %s\n", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

/* ---- pool mode: a queue of accepted connections ------------------------------ */

static void unlock_mutex(void *mu)
{
	pthread_mutex_unlock(mu);
}

/* Wait (a futex, through the condition variable) until a connection is queued. */
static int queue_pop(struct conn_queue *q)
{
	int fd;

	pthread_mutex_lock(&q->mu);
	pthread_cleanup_push(unlock_mutex, &q->mu);
	while (q->n == 0)
		pthread_cond_wait(&q->nonempty, &q->mu);
	fd = q->fds[q->head];
	q->head = (q->head + 1) % QUEUE_CAP;
	__atomic_store_n(&q->n, q->n - 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&q->nonfull);
	pthread_cleanup_pop(1);
	return fd;
}

static void queue_push(struct conn_queue *q, int fd)
{
	pthread_mutex_lock(&q->mu);
	pthread_cleanup_push(unlock_mutex, &q->mu);
	while (q->n == QUEUE_CAP)
		pthread_cond_wait(&q->nonfull, &q->mu);
	q->fds[(q->head + q->n) % QUEUE_CAP] = fd;
	__atomic_store_n(&q->n, q->n + 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&q->nonempty);
	pthread_cleanup_pop(1);
}

/* Connections waiting for a worker: in the accept queue, or in the pool's queue. */
static bool work_waiting(const struct worker *w)
{
	if (w->q && __atomic_load_n(&w->q->n, __ATOMIC_RELAXED) > 0)
		return true;
	return hc_accept_queue_len(w->lfd) > 0;
}

/* ---- client connections ------------------------------------------------------ */

/* Serve requests on w->client_fd until the client closes or a reply says close. */
static void serve_client(struct worker *w)
{
	const struct options *opts = w->opts;
	const char *resp;
	bool ok, keep;
	size_t len;
	ssize_t n;
	int r, i;

	w->in.len = 0;
	w->in.body_left = 0;
	for (;;) {
		r = hc_take_request(&w->in, &keep, &resp, &len);
		if (r < 0) {
			hc_send_all(w->client_fd, resp, len);
			return;
		}
		if (r == 0) {
			n = hc_reqbuf_recv(w->client_fd, &w->in);
			if (n <= 0 && !(n < 0 && errno == EINTR))
				return;
			continue;
		}

		hc_burn_cpu_us(opts->work.cpu_us);
		ok = true;
		for (i = 0; i < opts->work.calls && ok; i++)
			ok = upstream_call(w) == 0;

		keep = keep && (opts->strict_keepalive || !work_waiting(w));
		resp = hc_reply(ok, keep, &len);
		if (hc_send_all(w->client_fd, resp, len) || !keep)
			return;
	}
}

/* Thread cancellation (shutdown in threads mode) lands here. */
static void worker_cleanup(void *arg)
{
	struct worker *w = arg;

	close_fd(&w->client_fd);
	close_fd(&w->up_fd);
}

/* Accept and serve connections; returns only on a fatal accept error. */
static void accept_loop(struct worker *w)
{
	int fd;

	for (;;) {
		fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case EPERM:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Out of resources: let connections finish, retry. */
				hc_warn_ratelimited(&w->rl, "failed to accept connection: %s",
						    strerror(errno));
				poll(NULL, 0, 10);
				continue;
			default:
				fprintf(stderr, "syncserver: failed to accept connection: %s\n",
					strerror(errno));
				return;
			}
		}
		hc_set_nodelay(fd);
		if (w->acceptor) {
			queue_push(w->q, fd);
			continue;
		}
		w->client_fd = fd;
		serve_client(w);
		close_fd(&w->client_fd);
	}
}

/* Pool worker: take queued connections and serve them; never returns. */
static void pool_loop(struct worker *w)
{
	for (;;) {
		w->client_fd = queue_pop(w->q);
		serve_client(w);
		close_fd(&w->client_fd);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	/* pthread_cleanup_push() uses setjmp: keep the work in another function. */
	pthread_cleanup_push(worker_cleanup, w);
	if (w->q && !w->acceptor)
		pool_loop(w);
	else
		accept_loop(w);
	pthread_cleanup_pop(1);
	if (!w->opts->prefork)
		kill(getpid(), SIGUSR1);	/* tell the main thread */
	return NULL;
}

/* Pre-forked worker process @i (an index into the worker array @arg). */
static void prefork_child(int i, int ready_fd, void *arg)
{
	struct worker *w = (struct worker *)arg + i;
	struct sigaction sa;
	sigset_t none;

	/* The parent stops workers with SIGTERM: let it (and ^C) end us at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	close(ready_fd);
	worker_main(w);
	_exit(1);
}

static int start_threads(struct worker *ws, int n)
{
	pthread_attr_t attr;
	int i, err;

	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setstacksize(&attr, WORKER_STACK_SIZE);
	for (i = 0; !err && i < n; i++) {
		err = pthread_create(&ws[i].thread, &attr, worker_main, &ws[i]);
		ws[i].started = !err;
	}
	pthread_attr_destroy(&attr);
	if (err)
		fprintf(stderr, "syncserver: failed to create worker thread: %s\n", strerror(err));
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct options opts = {
		.work = { .cpu_us = DEFAULT_CPU_US, .calls = 1 },
		.workers = DEFAULT_WORKERS,
	};
	struct conn_queue queue = {
		.mu = PTHREAD_MUTEX_INITIALIZER,
		.nonempty = PTHREAD_COND_INITIALIZER,
		.nonfull = PTHREAD_COND_INITIALIZER,
	};
	struct hc_upstream up;
	struct worker *ws = NULL;
	pid_t *pids = NULL;
	sigset_t waitmask;
	uint64_t deadline;
	int ret = 1, lfd = -1, port = 0, i, nthreads;

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
	lfd = opts.unix_path ? listen_unix(opts.unix_path)
			     : hc_listen_loopback(opts.work.port, 0, false, &port);
	if (lfd < 0)
		goto cleanup;

	hc_upstream_init(&up, opts.work.upstream_port, opts.work.keepalive_upstream);

	nthreads = opts.workers + (opts.pool ? 1 : 0); /* pool: plus the acceptor */
	ws = calloc((size_t)nthreads, sizeof(*ws));
	pids = calloc((size_t)opts.workers, sizeof(*pids));
	if (!ws || !pids) {
		fprintf(stderr, "syncserver: failed to allocate workers: %s\n", strerror(ENOMEM));
		goto cleanup;
	}
	for (i = 0; i < nthreads; i++) {
		ws[i].opts = &opts;
		ws[i].up = &up;
		ws[i].lfd = lfd;
		ws[i].client_fd = -1;
		ws[i].up_fd = -1;
		ws[i].q = opts.pool ? &queue : NULL;
		ws[i].acceptor = opts.pool && i == opts.workers;
	}

	if (opts.prefork) {
		if (hc_start_workers(opts.workers, pids, prefork_child, ws))
			goto cleanup;
		close_fd(&lfd);		/* only the workers accept */
		hc_print_ready(port, pids, opts.workers);
	} else {
		if (start_threads(ws, nthreads))
			goto cleanup;
		hc_print_ready(port, NULL, 0);
	}

	if (hc_parent_wait(&waitmask, deadline, pids, opts.prefork ? opts.workers : 0) == 0)
		ret = 0;
	else if (!opts.prefork)
		fprintf(stderr, "syncserver: a worker thread failed, stopping\n");
cleanup:
	if (opts.prefork && pids) {
		hc_stop_workers(pids, opts.workers);
	} else if (ws) {
		for (i = 0; i < nthreads; i++)
			if (ws[i].started)
				pthread_cancel(ws[i].thread);
		for (i = 0; i < nthreads; i++)
			if (ws[i].started)
				pthread_join(ws[i].thread, NULL);
	}
	free(pids);
	free(ws);
	close_fd(&lfd);
	if (opts.unix_path && port == 0 && ret == 0)
		unlink(opts.unix_path);
	return ret;
}
