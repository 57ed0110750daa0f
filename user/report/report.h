/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Report writers. Each takes a FILE * so tests can capture the output. Domain code returns
 * structs (profile, prediction, overhead, interval); only user/report/ formats them.
 */
#ifndef WS_REPORT_H
#define WS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "model/profile.h"

struct frame_coverage;
struct json_writer;
struct ws_interval;
struct ws_overhead;
struct ws_prediction;

struct report_opts {
	bool per_thread; /* -T: per-thread table in the text report */
	const struct ws_prediction *prediction; /* the verdict, shown first; NULL: none */
	const struct ws_overhead *overhead;     /* the profiler's own cost, shown last; NULL: none */
	/* with --folded/--pprof: the share of user frames that stayed unknown; NULL: none */
	const struct frame_coverage *frames;
};

/*
 * One output format, picked once (-j or not): everything waitscope writes to stdout. The export
 * files (--prom, --folded, --pprof: export.h) are written beside either format, not instead.
 */
struct ws_output_ops {
	/* The report at the end of the window. */
	void (*report)(FILE *f, const struct ws_profile *p, const struct report_opts *o);
	/* One -i interval line. */
	void (*interval)(FILE *f, const struct ws_interval *iv);
};

extern const struct ws_output_ops ws_output_text; /* the human report (report_text.c) */
extern const struct ws_output_ops ws_output_json; /* -j: JSON and JSON Lines (report_json.c) */

void report_text(FILE *f, const struct ws_profile *p, const struct report_opts *o);
void report_json(FILE *f, const struct ws_profile *p, const struct report_opts *o);

/* Sections of the reports, also written on their own by the unit tests. */

/* The verdict: headline, the conditions with their evidence, advice and latency note. */
void report_verdict_text(FILE *f, const struct ws_prediction *pr);
/* "classification" {class, shares{...}} and "prediction" {...} into the open object. */
void report_verdict_json(struct json_writer *w, const struct ws_prediction *pr);

/* One line: "overhead: N events, sched_switch 95 ns/event, ..., waitscope CPU 0.4% ..." */
void report_overhead_text(FILE *f, const struct ws_overhead *o);
/* The "overhead" key and its object (docs/json.md); null when o is NULL. */
void report_overhead_json(struct json_writer *w, const struct ws_overhead *o);

/* "unknown user frames: N% ...", then a line per binary with unknown frames and why. */
void report_frames_text(FILE *f, const struct frame_coverage *c);
/* The "stack_frames" key: totals and per binary (docs/json.md); null when c is NULL. */
void report_frames_json(struct json_writer *w, const struct frame_coverage *c);

/* An -i interval line of text. */
void report_interval_text(FILE *f, const struct ws_interval *iv);
/* An -i interval as one JSON object on one line (JSON Lines), keys in docs/json.md. */
void report_interval_json(FILE *f, const struct ws_interval *iv);

#endif /* WS_REPORT_H */
