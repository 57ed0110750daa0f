/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Human-readable numbers for the text reports, in one place. */
#ifndef WS_FMT_H
#define WS_FMT_H

#include <stddef.h>

/*
 * Format a duration in ns with a unit that keeps it short: "812ns", "3.4us", "12.0ms", "1.52s".
 * Negative, NaN or infinite input gives "n/a". Returns buf.
 */
char *fmt_ns(char *buf, size_t n, double ns);

/* A fraction as a percent with one decimal ("12.3%"); NaN or infinite gives "n/a". Returns buf. */
char *fmt_pct(char *buf, size_t n, double fraction);

#endif /* WS_FMT_H */
