/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text exposition (format 0.0.4, as node_exporter's textfile collector reads it) of
 * a profile: totals, per-process times, cause shares, histograms, drops and the verdict.
 * Pure: a ws_profile in, text out. docs/prometheus.md lists the metrics.
 */
#ifndef WS_PROM_H
#define WS_PROM_H

#include <stdio.h>
#include "model/profile.h"

struct ws_prediction;

/*
 * Write every metric to f. pred may be NULL (no verdict metrics). end_unix_ns: wall-clock end
 * of the window for waitscope_window_end_timestamp_seconds (0: not written).
 */
void prom_write(FILE *f, const struct ws_profile *p, const struct ws_prediction *pred,
		__u64 end_unix_ns);

/* Write s as a label value: quoted, with \\, \" and \n escaped, invalid UTF-8 replaced by '?'. */
void prom_label_value(FILE *f, const char *s, size_t max);

#endif /* WS_PROM_H */
