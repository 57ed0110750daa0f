/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * lockers: N threads contending one pthread mutex. The holder sleeps HOLD_US inside the lock, so
 * at any moment one thread is in a timer sleep and the others wait in futex_wait.
 * Expected verdict: lock contention (off-CPU in futex, not CPU and not I/O).
 */
#include "workload.h"

#define MAX_HOLD_US 1000000L

struct opts {
	long threads;
	long hold_us;
	long busy;
	double secs;
};

struct shared {
	pthread_mutex_t lock;
	long long hold_ns;
	long busy;
};

static const char usage[] =
	"Usage: lockers [-n THREADS] [-H HOLD_US] [-t SECONDS]\n"
	"THREADS threads take turns on one mutex, each holding it HOLD_US microseconds.\n"
	"\n"
	"  -n, --threads=N      contending threads (default 4, max 4096)\n"
	"  -H, --hold=US        time the holder keeps the lock, asleep (default 2000)\n"
	"  -B, --busy=0|1       1: hold the lock spinning on CPU instead of asleep\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout once every thread runs.\n"
	"\n"
	"EXAMPLES:\n"
	"  lockers -n 8 -H 500 -t 5   # eight threads, 0.5 ms critical sections, five seconds\n";

static void *locker(void *arg)
{
	struct shared *s = arg;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		if (wl_ended()) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		if (s->busy) {
			long long until = wl_now_ns() + s->hold_ns;

			while (wl_now_ns() < until) /* hold on CPU: waiters only ever wait on the lock */
				;
		} else {
			wl_sleep_ns(s->hold_ns);
		}
		pthread_mutex_unlock(&s->lock);
		/* Give a woken waiter the chance to take the lock before we barge back in. */
		sched_yield();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { .threads = 4, .hold_us = 2000 };
	const struct wl_opt opts[] = {
		{ 'n', "threads", WL_OPT_LONG, 1, WL_MAX_THREADS, &o.threads },
		{ 'H', "hold", WL_OPT_LONG, 1, MAX_HOLD_US, &o.hold_us },
		{ 'B', "busy", WL_OPT_LONG, 0, 1, &o.busy },
	};
	struct shared s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	int ret;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	s.hold_ns = o.hold_us * NSEC_PER_USEC;
	s.busy = o.busy;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	ret = wl_run_threads(o.threads, locker, &s, NULL, false, o.secs);
	pthread_mutex_destroy(&s.lock);
	return ret;
}
