/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pingpong: a context-switch storm, like `perf bench sched pipe -T`. Two threads of one process
 * pass one byte back and forth over two pipes, so every round trip is two sleeps, two wakeups
 * and two context switches: the worst case for a profiler on the sched tracepoints. Pin it to
 * one CPU (taskset -c N) for the fast, stable case. Reports round trips per second on stderr.
 */
#include <fcntl.h>
#include "storm.h"

struct opts {
	long warm_ms;
	double secs;
};

struct pipes {
	int ping[2]; /* ping -> pong */
	int pong[2]; /* pong -> ping */
};

static const char usage[] =
	"Usage: pingpong [-w MS] [-t SECONDS]\n"
	"Two threads bounce one byte over a pair of pipes as fast as they can.\n"
	"\n"
	STORM_USAGE_WARM_HELP
	WL_USAGE_TIME_HELP
	"\n"
	STORM_USAGE_RESULT_HELP
	"\n"
	"EXAMPLES:\n"
	"  taskset -c 1 pingpong -w 2000 -t 7   # one CPU, 5 s measured after 2 s\n";

static void *ping(void *arg)
{
	struct pipes *p = arg;
	unsigned long long n = 0;
	char c = 'x';

	while (!wl_ended()) {
		if (write(p->ping[1], &c, 1) != 1 || read(p->pong[0], &c, 1) != 1) {
			wl_err("failed to pass the byte: %s", strerror(errno));
			break;
		}
		storm_count(++n);
	}
	return NULL;
}

/* Echo until ping closes its end. */
static void *pong(void *arg)
{
	struct pipes *p = arg;
	char c;

	while (read(p->ping[0], &c, 1) == 1)
		if (write(p->pong[1], &c, 1) != 1)
			break;
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct wl_opt opts[] = {
		{ 'w', "warmup", WL_OPT_LONG, 0, 3600000, &o.warm_ms },
	};
	struct pipes p = { { -1, -1 }, { -1, -1 } };
	pthread_t tid;
	int ret, err;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	if (pipe2(p.ping, O_CLOEXEC) || pipe2(p.pong, O_CLOEXEC)) {
		wl_err("failed to create pipes: %s", strerror(errno));
		ret = WL_EXIT_FAIL;
		goto cleanup;
	}
	err = wl_thread_start(&tid, pong, &p);
	if (err) {
		wl_err("failed to create pong thread: %s", strerror(err));
		ret = WL_EXIT_FAIL;
		goto cleanup;
	}
	ret = storm_run(ping, &p, o.warm_ms, o.secs);
	close(p.ping[1]); /* pong reads end-of-file and returns */
	p.ping[1] = -1;
	pthread_join(tid, NULL);
cleanup:
	for (int i = 0; i < 2; i++) {
		if (p.ping[i] >= 0)
			close(p.ping[i]);
		if (p.pong[i] >= 0)
			close(p.pong[i]);
	}
	return ret;
}
