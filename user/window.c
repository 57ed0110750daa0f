// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The window loop: the collector, the load sampler and the live lines, on one 100 ms tick. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include "window.h"

#define TICK_MS 100

static volatile sig_atomic_t stop_signal, hup_signal, hup_stops = 1;

static void on_signal(int sig)
{
	if (sig == SIGHUP && !hup_stops)
		hup_signal = 1;
	else
		stop_signal = sig;
}

int window_install_signals(bool hup_ends)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t i;

	hup_stops = hup_ends;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	return 0;
}

int window_stop_signal(void)
{
	return stop_signal;
}

bool window_take_hup(void)
{
	bool hup = hup_signal;

	hup_signal = 0;
	return hup;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL); /* a signal cuts it short, which is what we want */
}

bool window_update_exits(struct collector *c, struct ws_profile *p)
{
	size_t i, dead = 0;

	for (i = 0; i < p->n_targets; i++) {
		struct ws_target_info *t = &p->targets[i];

		if (!t->exited && collector_target_exited(c, t->tgid, &t->exit_ns))
			t->exited = true;
		dead += t->exited;
	}
	return dead == p->n_targets;
}

/* An interval line from the totals so far (snapshots are taken only when a line is due). */
static int live_line(struct live *live, struct collector *c)
{
	struct ws_snapshot cur;
	int err = collector_snapshot(c, live->window_start_ns, &cur);

	if (!err)
		live_interval(live, &cur);
	return err;
}

int window_run(struct collector *c, struct ws_profile *p, double duration_s, struct launch *child,
	       struct load_sampler *ls, struct live *live)
{
	__u64 deadline = duration_s > 0 ? p->window_start_ns + (__u64)(duration_s * 1e9) : 0;
	int err, status;

	for (;;) {
		__u64 now = monotonic_ns();
		long wait_ms = TICK_MS;

		if (stop_signal) {
			p->interrupted = true;
			break;
		}
		if (deadline && now >= deadline)
			break;
		err = collector_drain_exits(c, p);
		if (err)
			return err;
		load_sampler_tick(ls);
		if (live->progress)
			live_progress(live, now, collector_events(c));
		if (live_due(live, now) && live_line(live, c))
			return -EIO;
		if (window_update_exits(c, p)) {
			p->all_targets_exited = true;
			break;
		}
		if (child && launch_reap(child, &status)) {
			p->targets[0].exited = true;
			p->all_targets_exited = true;
			break;
		}
		if (deadline && (deadline - now) / 1000000 < (__u64)wait_ms)
			wait_ms = (long)((deadline - now) / 1000000) + 1;
		sleep_ms(live_wait_ms(live, now, wait_ms));
	}
	return live_finish(live, monotonic_ns()) && live_line(live, c) ? -EIO : 0;
}
