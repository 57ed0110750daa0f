/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * forker: print ready, sleep DELAY_MS, then fork CHILDREN processes that each run at ~50% CPU
 * (spin 5 ms, sleep 5 ms) until the parent exits. The parent itself only sleeps.
 * Tests following children: profiling the parent alone sees an idle process.
 */
#include "workload.h"

#define MAX_CHILDREN	1024L
#define MAX_DELAY_MS	3600000L
#define DUTY_NS		(5 * NSEC_PER_MSEC)

struct opts {
	long children;
	long delay_ms;
	double secs;
};

static const char usage[] =
	"Usage: forker [-n CHILDREN] [-D DELAY_MS] [-t SECONDS]\n"
	"Sleep DELAY_MS after the ready line, then fork CHILDREN processes at ~50% CPU each\n"
	"(spin 5 ms, sleep 5 ms); they live until the parent exits.\n"
	"\n"
	"  -n, --children=N     child processes (default 2, max 1024)\n"
	"  -D, --delay=MS       delay between the ready line and the forks (default 500)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" (the parent) on stdout before it forks.\n"
	"\n"
	"EXAMPLES:\n"
	"  forker -n 4 -D 200 -t 3\n";

/* Child: half on CPU, half asleep, until killed. Never returns. */
static void duty_cycle(pid_t parent)
{
	if (wl_child_init(parent))
		_exit(WL_EXIT_FAIL);
	for (;;) {
		wl_burn_ns(DUTY_NS);
		wl_sleep_ns(DUTY_NS);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .children = 2, .delay_ms = 500 };
	const struct wl_opt opts[] = {
		{ 'n', "children", WL_OPT_LONG, 1, MAX_CHILDREN, &o.children },
		{ 'D', "delay", WL_OPT_LONG, 0, MAX_DELAY_MS, &o.delay_ms },
	};
	pid_t parent = getpid(), *pids = NULL;
	long forked = 0, i;
	int ret;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;

	ret = WL_EXIT_FAIL;
	if (wl_setup_signals())
		goto cleanup;
	pids = calloc(o.children, sizeof(*pids));
	if (!pids) {
		wl_err("failed to allocate child table: %s", strerror(errno));
		goto cleanup;
	}
	if (wl_ready(o.secs, NULL))
		goto cleanup;
	/* A stop during the delay ends the run before any fork. */
	if (!wl_wait_ns(o.delay_ms * NSEC_PER_MSEC)) {
		for (; forked < o.children; forked++) {
			pids[forked] = fork();
			if (pids[forked] < 0) {
				wl_err("failed to fork child %ld: %s", forked, strerror(errno));
				goto cleanup;
			}
			if (pids[forked] == 0)
				duty_cycle(parent);
		}
		wl_wait();
	}
	ret = WL_EXIT_OK;
cleanup:
	for (i = 0; i < forked; i++)
		wl_reap(pids[i]);
	free(pids);
	return ret;
}
