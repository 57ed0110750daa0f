/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sockwait: the target's only thread blocks in read() on a socket; a forked feeder process writes
 * BYTES every INTERVAL_MS. The socket is a socketpair(AF_UNIX, SOCK_STREAM), or with --tcp a
 * loopback TCP connection.
 * Expected verdict: I/O-bound (off-CPU waiting for socket data), nearly no CPU.
 */
#include "workload.h"

#define MAX_INTERVAL_MS	60000L
#define MAX_BYTES	(1L << 20)
#define READ_BUF	65536
#define OPT_TCP		256

struct opts {
	long interval_ms;
	long bytes;
	bool tcp;
	double secs;
};

static const char usage[] =
	"Usage: sockwait [-i INTERVAL_MS] [-b BYTES] [--tcp] [-t SECONDS]\n"
	"Block in read() on a socket that a forked feeder writes BYTES to every INTERVAL_MS.\n"
	"\n"
	"  -i, --interval=MS    feeder period in milliseconds (default 50, 0..60000)\n"
	"  -b, --bytes=N        bytes per feeder write (default 1, max 1048576)\n"
	"      --tcp            loopback TCP connection instead of an AF_UNIX socketpair\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout (PID: the reader, not the feeder) once data flows.\n"
	"\n"
	"EXAMPLES:\n"
	"  sockwait -t 5                  # 1 byte every 50 ms over a socketpair\n"
	"  sockwait --tcp -i 10 -b 4096   # 4 KiB every 10 ms over 127.0.0.1\n";

/* A connected loopback TCP pair: fds[0] the reader's end, fds[1] the feeder's. */
static int tcp_pair(int fds[2])
{
	uint16_t port;
	int lfd, cfd = -1, afd = -1;

	lfd = wl_listen_loopback(0, &port);
	if (lfd < 0)
		return -1;
	/* Loopback connect completes through the listen backlog; accept afterwards. */
	cfd = wl_connect_loopback(port);
	if (cfd < 0)
		goto out;
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0) {
		wl_err("failed to accept loopback connection: %s", strerror(errno));
		close(cfd);
		goto out;
	}
	wl_set_nodelay(afd);
	fds[0] = cfd;
	fds[1] = afd;
out:
	close(lfd);
	return afd < 0 ? -1 : 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* Feeder process: BYTES every INTERVAL_MS until the reader goes away. Never returns. */
static void feed(int fd, const struct opts *o, pid_t parent)
{
	char *buf;

	if (wl_child_init(parent))
		_exit(WL_EXIT_FAIL);
	buf = malloc(o->bytes);
	if (!buf) {
		wl_err("failed to allocate feeder buffer: %s", strerror(errno));
		_exit(WL_EXIT_FAIL);
	}
	memset(buf, 'x', o->bytes);
	for (;;) {
		wl_sleep_ns(o->interval_ms * NSEC_PER_MSEC);
		if (write_all(fd, buf, o->bytes))
			_exit(errno == EPIPE || errno == ECONNRESET ? WL_EXIT_OK : WL_EXIT_FAIL);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .interval_ms = 50, .bytes = 1 };
	const struct wl_opt opts[] = {
		{ 'i', "interval", WL_OPT_LONG, 0, MAX_INTERVAL_MS, &o.interval_ms },
		{ 'b', "bytes", WL_OPT_LONG, 1, MAX_BYTES, &o.bytes },
		{ OPT_TCP, "tcp", WL_OPT_FLAG, 0, 0, &o.tcp },
	};
	static char buf[READ_BUF];
	int fds[2] = { -1, -1 };
	pid_t parent = getpid(), feeder = -1;
	ssize_t n;
	int ret;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;

	ret = WL_EXIT_FAIL;
	if (wl_setup_signals())
		goto cleanup;
	if (o.tcp) {
		if (tcp_pair(fds))
			goto cleanup;
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)) {
		wl_err("failed to create socketpair: %s", strerror(errno));
		goto cleanup;
	}
	feeder = fork();
	if (feeder < 0) {
		wl_err("failed to fork feeder: %s", strerror(errno));
		goto cleanup;
	}
	if (feeder == 0) {
		close(fds[0]);
		feed(fds[1], &o, parent);
	}
	close(fds[1]);
	fds[1] = -1;
	if (wl_ready(o.secs, NULL))
		goto cleanup;

	/*
	 * A stop signal that lands between the check and read() is seen at the next feeder write,
	 * at most INTERVAL_MS later; ppoll() would close that gap but we want to block in read().
	 */
	while (!wl_stop) {
		n = read(fds[0], buf, sizeof(buf));
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n == 0)
			wl_err("failed to read from feeder: connection closed");
		else
			wl_err("failed to read from feeder: %s", strerror(errno));
		goto cleanup;
	}
	ret = WL_EXIT_OK;
cleanup:
	wl_reap(feeder);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ret;
}
