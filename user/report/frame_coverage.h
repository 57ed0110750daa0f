/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How much of the stacks could be named: the share of user frames that stayed unknown, per
 * binary and why (no symbols, JIT without a perf map, outside any mapping), and the stacks cut
 * short (their outermost frame is no thread entry point: code without frame pointers).
 * Pure over a profile and a resolver with user_frame.
 */
#ifndef WS_FRAME_COVERAGE_H
#define WS_FRAME_COVERAGE_H

#include <stdio.h>
#include "report/folded.h"

#define FRAME_COVERAGE_BINARIES 32

struct frame_coverage_binary {
	char name[64];                     /* basename of the mapped file, "[anon]", "[none]" */
	__u64 frames;                      /* user frames in it, over all stacks */
	__u64 by_status[SYM_STATUS_KINDS]; /* of which: resolved, no-symbols, ... */
	__u64 truncated;                   /* stacks whose outermost frame is in it, cut short */
};

struct frame_coverage {
	__u64 frames, unknown;     /* user frames over all stacks; of which not SYM_OK */
	__u64 stacks, truncated;   /* stacks with user frames; of which cut short */
	struct frame_coverage_binary bin[FRAME_COVERAGE_BINARIES]; /* most frames first */
	size_t n_bin;              /* the rest is summed into the last entry, "[other]" */
};

/* Count over p's off- and on-CPU stacks. r->user_frame must be set. */
void frame_coverage_compute(const struct ws_profile *p, const struct frame_resolver *r,
			    struct frame_coverage *out);

/* unknown / frames as a percentage; 0 when there are no frames. */
double frame_coverage_unknown_pct(const struct frame_coverage *c);

/* One line per fact, "prefix" first ("" for none): the totals, then each binary with unknown
 * frames or truncated stacks and why. For the text report and pprof comments. */
void frame_coverage_write(FILE *f, const struct frame_coverage *c, const char *prefix);

#endif /* WS_FRAME_COVERAGE_H */
