/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the unit tests: constructed kernel records and profiles, and output capture. */
#ifndef WS_TEST_FIXTURE_H
#define WS_TEST_FIXTURE_H

#include "model/profile.h"
#include "report/report.h"

#define FX_START 1000000000ULL       /* window start: 1s of CLOCK_MONOTONIC */
#define FX_END (FX_START + 5000000000ULL) /* 5s window */
#define FX_MS 1000000ULL

/* A record of a thread alive since before the window, with its state opened at ts. */
struct ws_thread_record fx_record(__u32 tid, enum ws_state state, __u64 ts, __u64 snap_ns);

/*
 * A small profile: target 4242 "server" with 3 listed threads (one exited, one born), one
 * unlisted thread, both histograms filled, no drops, no crosscheck. profile_finish() applied.
 */
void fx_profile(struct ws_profile *p);

struct frame_coverage;

/* Stack frames of 3 binaries, 4 of 12 unknown: "app" 6 frames (3 no-symbols, 1 stack cut short),
 * "[anon]" 4 (1 JIT without a map), "libc.so.6" 2 (all named); 3 stacks. */
void fx_frame_coverage(struct frame_coverage *c);

typedef void (*fx_report_fn)(FILE *f, const struct ws_profile *p, const struct report_opts *o);

/* Run a report into memory; the caller frees the returned text. */
char *fx_capture(fx_report_fn fn, const struct ws_profile *p, const struct report_opts *o);

#endif /* WS_TEST_FIXTURE_H */
