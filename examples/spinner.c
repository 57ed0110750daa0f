/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * spinner: N threads doing pure user-space arithmetic; the main thread only waits.
 * Expected verdict: CPU-bound (every worker is always running or runnable).
 */
#include "workload.h"

struct opts {
	long threads;
	double secs;
};

static const char usage[] =
	"Usage: spinner [-n THREADS] [-t SECONDS]\n"
	"Burn CPU in THREADS user-space threads while the main thread sleeps.\n"
	"\n"
	"  -n, --threads=N      spinning threads (default 1, max 4096)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout once every thread runs.\n"
	"\n"
	"EXAMPLES:\n"
	"  spinner -n 2 -t 5   # two busy threads for five seconds\n";

static void *spin(void *arg)
{
	(void)arg;
	wl_spin();
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { .threads = 1 };
	const struct wl_opt opts[] = {
		{ 'n', "threads", WL_OPT_LONG, 1, WL_MAX_THREADS, &o.threads },
	};
	int ret;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	return wl_run_threads(o.threads, spin, NULL, NULL, false, o.secs);
}
