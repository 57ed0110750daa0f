// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <unistd.h>
#include "report/live.h"

void live_init(struct live *l, double interval_s, const struct ws_output_ops *ops,
	       double duration_s, __u64 window_start_ns, FILE *out, FILE *err)
{
	memset(l, 0, sizeof(*l));
	l->interval_s = interval_s;
	l->ops = ops;
	l->out = out;
	l->err = err;
	l->progress = interval_s <= 0 && isatty(fileno(err));
	l->window_start_ns = window_start_ns;
	l->total_ns = duration_s > 0 ? (__u64)(duration_s * 1e9) : 0;
	l->next_ns = window_start_ns + (__u64)(interval_s * 1e9);
	l->prev.ns = window_start_ns;
}

void live_interval(struct live *l, const struct ws_snapshot *cur)
{
	struct ws_interval iv;

	interval_compute(&l->prev, cur, l->window_start_ns, &iv);
	l->ops->interval(l->out, &iv);
	fflush(l->out);
	l->prev = *cur;
}

void live_progress(struct live *l, __u64 now, __u64 events)
{
	double elapsed = (double)(now - l->window_start_ns) / 1e9;
	int n;

	if (l->total_ns)
		n = fprintf(l->err, "\rwaitscope: %.1f / %.1f s, %llu events", elapsed,
			    (double)l->total_ns / 1e9, (unsigned long long)events);
	else
		n = fprintf(l->err, "\rwaitscope: %.1f s, %llu events", elapsed,
			    (unsigned long long)events);
	/* Blank what a longer previous line left behind. */
	if (n > 0 && n < l->progress_len)
		fprintf(l->err, "%*s", l->progress_len - n, "");
	if (n > l->progress_len)
		l->progress_len = n;
	fflush(l->err);
}

bool live_due(struct live *l, __u64 now)
{
	if (l->interval_s <= 0 || now < l->next_ns)
		return false;
	while (l->next_ns <= now)
		l->next_ns += (__u64)(l->interval_s * 1e9);
	return true;
}

long live_wait_ms(const struct live *l, __u64 now, long wait_ms)
{
	if (l->interval_s > 0 && l->next_ns > now && (l->next_ns - now) / 1000000 < (__u64)wait_ms)
		return (long)((l->next_ns - now) / 1000000) + 1;
	return wait_ms;
}

bool live_finish(struct live *l, __u64 now)
{
	if (l->progress && l->progress_len) {
		fprintf(l->err, "\r%*s\r", l->progress_len, "");
		fflush(l->err);
	}
	/* The last stretch gets its line unless it is a sliver (< 10% of an interval). */
	return l->interval_s > 0 && now > l->prev.ns &&
	       (double)(now - l->prev.ns) >= 0.1 * l->interval_s * 1e9;
}
