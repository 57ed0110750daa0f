/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * oversub: more spinning threads than CPUs (default 2 per online CPU), optionally all pinned to
 * one CPU. Each thread spends much of its time runnable but not running.
 * Expected verdict: CPU-bound with run-queue wait (CPU saturation).
 */
#include "workload.h"

struct opts {
	long threads;	/* 0: two per online CPU */
	long cpu;	/* -1: no pinning */
	double secs;
};

static const char usage[] =
	"Usage: oversub [-n THREADS] [-c CPU] [-t SECONDS]\n"
	"Run more CPU-bound threads than there are CPUs, so they queue for CPU time.\n"
	"\n"
	"  -n, --threads=N      spinning threads (default 2 x online CPUs, max 4096)\n"
	"  -c, --cpu=CPU        pin every spinning thread to CPU (default: no pinning)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout once every thread runs.\n"
	"\n"
	"EXAMPLES:\n"
	"  oversub -t 5            # 2 threads per CPU for five seconds\n"
	"  oversub -n 3 -c 0 -t 5  # three threads sharing CPU 0\n";

static void *spin(void *arg)
{
	(void)arg;
	wl_spin();
	return NULL;
}

/* The set holding just cpu, if the scheduler lets us run there. */
static int one_cpu_set(long cpu, cpu_set_t *set)
{
	if (sched_getaffinity(0, sizeof(*set), set)) {
		wl_err("failed to get CPU affinity: %s", strerror(errno));
		return -1;
	}
	if (!CPU_ISSET(cpu, set)) {
		wl_err("failed to pin threads to CPU %ld: CPU not online or not allowed", cpu);
		return -1;
	}
	CPU_ZERO(set);
	CPU_SET(cpu, set);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .threads = 0, .cpu = -1 };
	const struct wl_opt opts[] = {
		{ 'n', "threads", WL_OPT_LONG, 1, WL_MAX_THREADS, &o.threads },
		{ 'c', "cpu", WL_OPT_LONG, 0, CPU_SETSIZE - 1, &o.cpu },
	};
	cpu_set_t set;
	long cpus;
	int ret;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	if (!o.threads) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		if (cpus < 1) {
			wl_err("failed to count online CPUs: %s", strerror(errno));
			return WL_EXIT_FAIL;
		}
		o.threads = cpus * 2 > WL_MAX_THREADS ? WL_MAX_THREADS : cpus * 2;
	}
	if (o.cpu >= 0 && one_cpu_set(o.cpu, &set))
		return WL_EXIT_FAIL;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	return wl_run_threads(o.threads, spin, NULL, o.cpu >= 0 ? &set : NULL, false, o.secs);
}
