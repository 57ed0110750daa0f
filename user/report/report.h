/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Report writers. Each takes a FILE * so tests can capture the output. */
#ifndef WS_REPORT_H
#define WS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "model/profile.h"

struct ws_overhead;
struct ws_prediction;

struct report_opts {
	bool per_thread; /* -T: per-thread table in the text report */
	const struct ws_prediction *prediction; /* the verdict, shown first; NULL: none */
	const struct ws_overhead *overhead;     /* the profiler's own cost, shown last; NULL: none */
};

void report_text(FILE *f, const struct ws_profile *p, const struct report_opts *o);
void report_json(FILE *f, const struct ws_profile *p, const struct report_opts *o);

#endif /* WS_REPORT_H */
