/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel's own per-thread accounting (schedstat) at both ends of the window. */
#ifndef WS_CROSSCHECK_H
#define WS_CROSSCHECK_H

#include <stddef.h>
#include <sys/types.h>
#include "host/procfs.h"
#include "model/profile.h"

struct schedstat_sample {
	pid_t tgid;
	pid_t tid;
	struct schedstat s;
};

struct schedstat_snapshot {
	struct schedstat_sample *v;
	size_t n;
};

/* Read schedstat of every thread of the given processes. */
int schedstat_snapshot_take(struct schedstat_snapshot *snap, const pid_t *tgids, size_t n);
void schedstat_snapshot_free(struct schedstat_snapshot *snap);

/*
 * Pure: fill p->crosscheck from two snapshots and the profile's live threads (threads present in
 * both snapshots and still alive at the end).
 */
void crosscheck_compute(struct ws_profile *p, const struct schedstat_snapshot *start,
			const struct schedstat_snapshot *end);

#endif /* WS_CROSSCHECK_H */
