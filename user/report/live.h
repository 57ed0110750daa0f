/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What waitscope shows while the window runs: -i interval lines, or a progress line on a tty. */
#ifndef WS_LIVE_H
#define WS_LIVE_H

#include <stdbool.h>
#include <stdio.h>
#include "collect/collector.h"
#include "model/interval.h"
#include "report/report.h"

struct live {
	double interval_s;    /* -i; 0 = no interval lines */
	const struct ws_output_ops *ops; /* writes the interval lines */
	bool progress;        /* \r progress line on err (a terminal, no -i) */
	FILE *out, *err;
	__u64 window_start_ns;
	__u64 total_ns;       /* window length, 0 = until the command exits */
	__u64 next_ns;        /* next interval line */
	struct ws_snapshot prev;
	int progress_len;     /* characters of the progress line on screen */
};

/* Set up for a window that began at window_start_ns. */
void live_init(struct live *l, double interval_s, const struct ws_output_ops *ops,
	       double duration_s, __u64 window_start_ns, FILE *out, FILE *err);
/* Call on every tick of the window loop. Returns 0, or -errno when a snapshot failed. */
int live_tick(struct live *l, struct collector *c, __u64 now);
/* Cap a tick's sleep so the next interval line is on time. */
long live_wait_ms(const struct live *l, __u64 now, long wait_ms);
/* The window ended: the last (partial) interval line, and the progress line erased. */
int live_finish(struct live *l, struct collector *c);

#endif /* WS_LIVE_H */
