/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text exposition (format 0.0.4: GET /metrics and node_exporter's textfile collector).
 * The same families for the agent (--listen, -i with --prom: counters accumulated since it
 * started, model/series.h) and the one-shot --prom (counters over the one window, plus the
 * window's gauges). Pure: structs in, text out. docs/prometheus.md lists the metrics.
 */
#ifndef WS_PROM_H
#define WS_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include "model/profile.h"

struct ws_prediction;
struct ws_series;

/* What every series carries, and what the agent adds beside the counters. */
struct prom_meta {
	const char *comm;           /* the target's comm label (NULL: the first target's) */
	const char *const *labels;  /* --label KEY=VALUE, checked by the CLI */
	size_t n_labels;
	bool per_process;           /* --per-process: series with a tgid label */
	const char *version;        /* waitscope_build_info{version} */
	const struct ws_prediction *pred; /* the async verdict; NULL: none */
	bool one_shot;              /* set by prom_write: the window's gauges, no agent figures */
	/* the agent's own figures */
	double verdict_window_s;
	__u64 self_cpu_ns;          /* 0: not written */
	__u64 rss_bytes;            /* 0: not written */
	__u64 updates;
	__u64 end_unix_ns;          /* one-shot: waitscope_window_end_timestamp_seconds (0: none) */
};

/* The series' families: build info, counters, histograms, drops, verdict, per-process, agent. */
void prom_write_series(FILE *f, const struct ws_series *s, const struct prom_meta *m);

/*
 * One window's profile: the same families with counters over the window (per-process series
 * always), then its gauges (length, end, shares, coverage, targets). Returns 0 or -ENOMEM.
 */
int prom_write(FILE *f, const struct ws_profile *p, const struct prom_meta *m);

/* Write s as a label value: quoted, with \\, \" and \n escaped, invalid UTF-8 replaced by '?'. */
void prom_label_value(FILE *f, const char *s, size_t max);

#endif /* WS_PROM_H */
