/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pollwait: a context-switch storm through poll() or epoll_wait() on a set of N fds. Two threads
 * of one process pass one byte back and forth over a socketpair; each waits for it in poll (or,
 * with -e, in epoll_wait) on its end plus N-1 idle fds (duplicates of a pipe's read end nobody
 * writes to), so every round trip is two blocking switches in a set wait of N fds: what the
 * kernel side pays to read a wait set (bench: 1, 16 and 1000 fds). Pin it to one CPU.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include "storm.h"

#define PW_MAX_FDS 4000

struct opts {
	long warm_ms;
	long nfds;
	bool epoll;
	double secs;
};

struct side {
	int sock;            /* this thread's end of the socketpair */
	int epfd;            /* -e: its epoll instance, else -1 */
	struct pollfd *pfds; /* its poll set: the idle fds, then sock */
	bool count;          /* the counting thread (storm_count) */
};

static struct opts o = { .nfds = 1 };
static int idle_fds[PW_MAX_FDS];

static const char usage[] =
	"Usage: pollwait [-n NFDS] [-e] [-w MS] [-t SECONDS]\n"
	"Two threads bounce one byte over a socketpair, each waiting for it in poll() on a set of\n"
	"NFDS fds (its end plus NFDS-1 idle pipe fds).\n"
	"\n"
	"  -n, --nfds=N         fds in each wait's set, 1..4000 (default 1)\n"
	"  -e, --epoll          wait in epoll_wait() on an epoll instance holding the set\n"
	STORM_USAGE_WARM_HELP
	WL_USAGE_TIME_HELP
	"\n"
	STORM_USAGE_RESULT_HELP
	"\n"
	"EXAMPLES:\n"
	"  taskset -c 1 pollwait -n 16 -w 2000 -t 7\n"
	"  taskset -c 1 pollwait -n 1000 -e -t 10\n";

/* Wait until sock is readable; false when the run ends or the wait fails. */
static bool wait_readable(struct side *s)
{
	struct epoll_event ev;
	int n;

	do {
		if (s->epfd >= 0)
			n = epoll_wait(s->epfd, &ev, 1, 200);
		else
			n = poll(s->pfds, (nfds_t)o.nfds, 200);
		if (n < 0 && errno != EINTR) {
			wl_err("failed to wait: %s", strerror(errno));
			return false;
		}
	} while (n <= 0 && !wl_ended());
	return n > 0;
}

static void *bounce(void *arg)
{
	struct side *s = arg;
	unsigned long long n = 0;
	char c = 'x';

	if (s->count && write(s->sock, &c, 1) != 1)
		return NULL;
	while (!wl_ended() && wait_readable(s)) {
		if (read(s->sock, &c, 1) != 1 || write(s->sock, &c, 1) != 1)
			break;
		if (s->count)
			storm_count(++n);
	}
	shutdown(s->sock, SHUT_RDWR); /* the other side's wait ends too */
	return NULL;
}

static int side_init(struct side *s, int sock)
{
	struct epoll_event ev = { .events = EPOLLIN };
	long i;

	s->sock = sock;
	s->epfd = -1;
	s->pfds = calloc((size_t)o.nfds, sizeof(*s->pfds));
	if (!s->pfds)
		return -1;
	for (i = 0; i < o.nfds - 1; i++)
		s->pfds[i] = (struct pollfd){ .fd = idle_fds[i], .events = POLLIN };
	s->pfds[o.nfds - 1] = (struct pollfd){ .fd = sock, .events = POLLIN };
	if (!o.epoll)
		return 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -1;
	for (i = 0; i < o.nfds; i++) {
		ev.data.fd = s->pfds[i].fd;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->pfds[i].fd, &ev))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct wl_opt opts[] = {
		{ 'w', "warmup", WL_OPT_LONG, 0, 3600000, &o.warm_ms },
		{ 'n', "nfds", WL_OPT_LONG, 1, PW_MAX_FDS, &o.nfds },
		{ 'e', "epoll", WL_OPT_FLAG, 0, 0, &o.epoll },
	};
	struct side a = { .epfd = -1 }, b = { .epfd = -1 };
	int sp[2] = { -1, -1 }, idle[2] = { -1, -1 };
	struct rlimit rl;
	pthread_t tid;
	int ret, err;
	long i;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	ret = WL_EXIT_FAIL;
	/* room for 2 x NFDS fds and a few more */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)o.nfds + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) || pipe2(idle, O_CLOEXEC)) {
		wl_err("failed to create the socketpair or pipe: %s", strerror(errno));
		goto cleanup;
	}
	for (i = 0; i < o.nfds - 1; i++) {
		idle_fds[i] = fcntl(idle[0], F_DUPFD_CLOEXEC, 0);
		if (idle_fds[i] < 0) {
			wl_err("failed to duplicate fd %ld: %s", i, strerror(errno));
			goto cleanup;
		}
	}
	if (side_init(&a, sp[0]) || side_init(&b, sp[1])) {
		wl_err("failed to build the wait sets: %s", strerror(errno));
		goto cleanup;
	}
	a.count = true;
	err = wl_thread_start(&tid, bounce, &b);
	if (err) {
		wl_err("failed to create the second thread: %s", strerror(err));
		goto cleanup;
	}
	ret = storm_run(bounce, &a, o.warm_ms, o.secs);
	shutdown(sp[0], SHUT_RDWR);
	pthread_join(tid, NULL);
cleanup:
	free(a.pfds);
	free(b.pfds);
	return ret;
}
