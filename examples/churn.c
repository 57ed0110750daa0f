/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * churn: create and join short-lived threads at RATE per second; each spins ~10 us and exits.
 * Exercises a profiler's handling of thread birth and death (tids that come and go).
 */
#include "workload.h"

#define MAX_RATE	100000L
#define THREAD_WORK_NS	(10 * NSEC_PER_USEC)
#define MAX_LAG_NS	NSEC_PER_SEC	/* fall further behind than this: skip, don't burst */

struct opts {
	long rate;
	double secs;
};

static const char usage[] =
	"Usage: churn [-r THREADS_PER_S] [-t SECONDS]\n"
	"Create and join short-lived threads (each spins ~10 us) at a steady rate.\n"
	"\n"
	"  -r, --rate=N         threads created per second (default 2000, max 100000)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout once the first thread has run.\n"
	"\n"
	"EXAMPLES:\n"
	"  churn -r 500 -t 5\n";

static void *blip(void *arg)
{
	(void)arg;
	wl_burn_ns(THREAD_WORK_NS);
	return NULL;
}

static int one_thread(const pthread_attr_t *attr)
{
	pthread_t tid;
	int err;

	err = pthread_create(&tid, attr, blip, NULL);
	if (err) {
		wl_err("failed to create thread: %s", strerror(err));
		return -1;
	}
	pthread_join(tid, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .rate = 2000 };
	const struct wl_opt opts[] = {
		{ 'r', "rate", WL_OPT_LONG, 1, MAX_RATE, &o.rate },
	};
	long long period, next, now;
	bool attr_ok = false;
	pthread_attr_t attr;
	struct timespec ts;
	int ret, err;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	period = NSEC_PER_SEC / o.rate;

	ret = WL_EXIT_FAIL;
	if (wl_setup_signals())
		goto cleanup;
	err = wl_thread_attr_init(&attr);
	if (err) {
		wl_err("failed to init thread attributes: %s", strerror(err));
		goto cleanup;
	}
	attr_ok = true;
	next = wl_now_ns();
	if (one_thread(&attr))
		goto cleanup;
	if (wl_ready(o.secs, NULL))
		goto cleanup;
	while (!wl_stop) {
		next += period;
		now = wl_now_ns();
		if (next < now - MAX_LAG_NS)
			next = now;
		ts = wl_ts(next);
		/* EINTR from a stop signal ends the sleep early; the loop condition sees it. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (wl_stop)
			break;
		if (one_thread(&attr))
			goto cleanup;
	}
	ret = WL_EXIT_OK;
cleanup:
	if (attr_ok)
		pthread_attr_destroy(&attr);
	return ret;
}
