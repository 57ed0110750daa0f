/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's series: counters that only grow, per target selector, across target churn. Each
 * interval brings cumulative per-process snapshots (the kernel's totals since each process became
 * a target); the accumulator adds each process's step since its previous snapshot. A restarted
 * service's new processes add to the same counters, exited ones stop adding, and nothing ever
 * goes down. Pure: plain structs in, plain structs out; user/report/prom.c writes them.
 */
#ifndef WS_SERIES_H
#define WS_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "model/interval.h"
#include "model/profile.h"

/* One target process as of one moment: its totals since it became a target. */
struct ws_proc_snapshot {
	pid_t tgid;
	char comm[WS_COMM_LEN];
	struct ws_snapshot s; /* s.threads: its live threads */
	bool dead;            /* the whole process exited: these totals are its last */
};

/* A process the accumulator has seen, with its own counters (--per-process). */
struct ws_series_proc {
	pid_t tgid;
	char comm[WS_COMM_LEN];
	struct ws_times last; /* its totals at the previous snapshot */
	struct ws_times acc;  /* what it added to the counters */
	__u64 threads;        /* live threads at the last snapshot */
	bool live;            /* in the last snapshot and not dead */
};

struct ws_series {
	struct ws_times acc;  /* the counters: sum of every process's steps */
	__u64 threads;        /* live target threads at the last update */
	__u64 processes;      /* live target processes at the last update */
	struct ws_hists hists;       /* kernel histograms, cumulative (never lowered) */
	struct ws_counters counters; /* kernel drop and event counters, cumulative */
	__u64 updates;
	struct ws_series_proc *procs;
	size_t n_procs, cap_procs;
};

void series_init(struct ws_series *s);
void series_free(struct ws_series *s);

/*
 * Add one interval's snapshots (n may be 0: no live target). A process seen for the first time
 * adds its whole totals (it became a target after the previous update); a known one adds its step
 * since the last snapshot, each field clamped at 0. Processes absent from the snapshots keep
 * their last totals (not live). Returns 0 or -ENOMEM (nothing added then).
 */
int series_update(struct ws_series *s, const struct ws_proc_snapshot *snaps, size_t n);

/* Forget a process whose kernel totals were dropped (dead, retired): its counters stay added. */
void series_forget(struct ws_series *s, pid_t tgid);

/* The kernel's cumulative histograms and counters; a field never goes down. */
void series_set_kernel(struct ws_series *s, const struct ws_hists *h, const struct ws_counters *c);

/* One window's profile as series (the one-shot --prom): its totals, processes and histograms. */
int series_from_profile(struct ws_series *s, const struct ws_profile *p);

#endif /* WS_SERIES_H */
