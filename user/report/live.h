/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What waitscope shows while the window runs: -i interval lines, or a progress line on a tty.
 * Printing and its timing only; the window loop (window.c) brings the collector's numbers.
 */
#ifndef WS_LIVE_H
#define WS_LIVE_H

#include <stdbool.h>
#include <stdio.h>
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
/* With l->progress: the progress line at time now, after events target events. */
void live_progress(struct live *l, __u64 now, __u64 events);
/* Is an interval line due at now? (Then the next one is scheduled.) */
bool live_due(struct live *l, __u64 now);
/* The interval line from the previous totals to cur, the totals now. */
void live_interval(struct live *l, const struct ws_snapshot *cur);
/* Cap a tick's sleep so the next interval line is on time. */
long live_wait_ms(const struct live *l, __u64 now, long wait_ms);
/* The window ended at now: the progress line is erased; true when a last line is due. */
bool live_finish(struct live *l, __u64 now);

#endif /* WS_LIVE_H */
