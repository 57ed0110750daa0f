/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * netclient: a blocking TCP client (the target) against a slow server in a forked child on
 * 127.0.0.1: send 1 byte, wait for the reply that comes DELAY_MS later, repeat.
 * Expected verdict: I/O-bound, waiting on the network (a remote dependency), not on CPU.
 */
#include <fcntl.h>
#include "workload.h"

#define MAX_DELAY_MS 60000L

struct opts {
	long port;
	long delay_ms;
	double secs;
};

static const char usage[] =
	"Usage: netclient [-p PORT] [-D DELAY_MS] [-t SECONDS]\n"
	"Ping-pong 1 byte over loopback TCP with a forked server that answers after DELAY_MS.\n"
	"\n"
	"  -p, --port=PORT      server port on 127.0.0.1 (default 0: an ephemeral port)\n"
	"  -D, --delay=MS       server delay before each reply in milliseconds (default 100)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"server port PORT\" on stderr and \"ready pid=PID port=PORT\" on stdout once\n"
	"connected; PID is the client, not the server.\n"
	"\n"
	"EXAMPLES:\n"
	"  netclient -t 5          # 100 ms round trips for five seconds\n"
	"  netclient -p 8099 -D 20\n";

/* Server process: one client at a time, each byte echoed DELAY_MS later. Never returns. */
static void serve(const struct opts *o, int report_fd, pid_t parent)
{
	uint16_t port;
	int lfd, cfd;
	char c;

	if (wl_child_init(parent))
		_exit(WL_EXIT_FAIL);
	lfd = wl_listen_loopback(o->port, &port);
	if (lfd < 0)
		_exit(WL_EXIT_FAIL);
	if (write(report_fd, &port, sizeof(port)) != sizeof(port))
		_exit(WL_EXIT_FAIL);
	close(report_fd);
	for (;;) {
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			wl_err("failed to accept client: %s", strerror(errno));
			_exit(WL_EXIT_FAIL);
		}
		wl_set_nodelay(cfd);
		while (read(cfd, &c, 1) == 1) {
			wl_sleep_ns(o->delay_ms * NSEC_PER_MSEC);
			if (write(cfd, &c, 1) != 1)
				break;
		}
		close(cfd);
	}
}

/* Start the server child; returns its pid (or -1) and the port it listens on. */
static pid_t start_server(const struct opts *o, uint16_t *port)
{
	pid_t parent = getpid(), pid;
	int pfd[2];
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC)) {
		wl_err("failed to create pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		serve(o, pfd[1], parent);
	}
	close(pfd[1]);
	if (pid < 0) {
		wl_err("failed to fork server: %s", strerror(errno));
	} else {
		n = read(pfd[0], port, sizeof(*port));
		if (n != sizeof(*port)) {
			/* If the server failed, it has said why on stderr. */
			wl_err("failed to start server: %s",
			       n < 0 ? strerror(errno) : "server exited before listening");
			wl_reap(pid);
			pid = -1;
		}
	}
	close(pfd[0]);
	return pid;
}

/*
 * One round trip; 0 ok, 1 stopped (only stop signals have handlers, so EINTR means stop),
 * -1 error. A stop signal landing just before recv() is seen when the reply arrives, at most
 * DELAY_MS later: we want the target blocked in recv(), not in poll().
 */
static int round_trip(int fd)
{
	char c = 'x';
	ssize_t n;

	n = send(fd, &c, 1, MSG_NOSIGNAL);
	if (n == 1)
		n = recv(fd, &c, 1, 0);
	if (n == 1)
		return 0;
	if (n < 0 && errno == EINTR)
		return 1;
	wl_err("failed to exchange a byte with the server: %s",
	       n ? strerror(errno) : "server closed the connection");
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .port = 0, .delay_ms = 100 };
	const struct wl_opt opts[] = {
		{ 'p', "port", WL_OPT_LONG, 0, 65535, &o.port },
		{ 'D', "delay", WL_OPT_LONG, 0, MAX_DELAY_MS, &o.delay_ms },
	};
	char extra[32];
	pid_t server = -1;
	uint16_t port = 0;
	int fd = -1, ret, rt;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;

	ret = WL_EXIT_FAIL;
	if (wl_setup_signals())
		goto cleanup;
	server = start_server(&o, &port);
	if (server < 0)
		goto cleanup;
	fd = wl_connect_loopback(port);
	if (fd < 0)
		goto cleanup;
	fprintf(stderr, "server port %u\n", port);
	snprintf(extra, sizeof(extra), " port=%u", port);
	if (wl_ready(o.secs, extra))
		goto cleanup;
	while (!wl_stop) {
		rt = round_trip(fd);
		if (rt < 0)
			goto cleanup;
		if (rt > 0)
			break;
	}
	ret = WL_EXIT_OK;
cleanup:
	if (fd >= 0)
		close(fd);
	wl_reap(server);
	return ret;
}
