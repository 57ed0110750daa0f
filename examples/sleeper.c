/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sleeper: N threads that do nothing but sleep INTERVAL_MS at a time.
 * Expected verdict: idle (off-CPU in a timer sleep, not waiting on any resource).
 */
#include "workload.h"

#define MAX_INTERVAL_MS 3600000L

struct opts {
	long threads;
	long interval_ms;
	double secs;
};

static const char usage[] =
	"Usage: sleeper [-n THREADS] [-i INTERVAL_MS] [-t SECONDS]\n"
	"THREADS threads loop in clock_nanosleep(INTERVAL_MS) and do nothing else.\n"
	"\n"
	"  -n, --threads=N      sleeping threads (default 1, max 4096)\n"
	"  -i, --interval=MS    length of each sleep in milliseconds (default 100)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout once every thread runs.\n"
	"\n"
	"EXAMPLES:\n"
	"  sleeper -n 4 -i 10 -t 5   # four threads waking every 10 ms for five seconds\n";

static void *sleeper(void *arg)
{
	long long ns = *(const long *)arg * NSEC_PER_MSEC;

	/* clock_nanosleep is a cancellation point: we are cancelled rather than awaited. */
	while (!wl_ended())
		wl_sleep_ns(ns);
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { .threads = 1, .interval_ms = 100 };
	const struct wl_opt opts[] = {
		{ 'n', "threads", WL_OPT_LONG, 1, WL_MAX_THREADS, &o.threads },
		{ 'i', "interval", WL_OPT_LONG, 1, MAX_INTERVAL_MS, &o.interval_ms },
	};
	int ret;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	return wl_run_threads(o.threads, sleeper, &o.interval_ms, NULL, true, o.secs);
}
