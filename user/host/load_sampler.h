/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The load on the targets, sampled around and during the window: their listening sockets and
 * accept queues, the client connections they hold, runnable tasks, and the machine's CPU and
 * ListenOverflows counters at both ends. The result is plain data for model/model_input.h.
 */
#ifndef WS_LOAD_SAMPLER_H
#define WS_LOAD_SAMPLER_H

#include <stddef.h>
#include <sys/types.h>
#include "host/procfs.h"
#include "model/model_input.h"
#include "model/profile.h"

/* Client connections process tgid holds (the kernel side walks its fds): 0 or -errno. */
typedef int (*held_conns_fn)(void *ctx, pid_t tgid, unsigned long *count);

struct load_sampler {
	unsigned long *inodes;  /* the targets' listening sockets */
	size_t n_inodes;
	const pid_t *tgids;     /* the targets whose client connections are counted */
	size_t n_tgids;
	held_conns_fn held_conns;
	void *ctx;
	struct ws_host_obs obs; /* what the samples add up to */
};

/* At the window start: find the targets' listeners, read the start counters. */
void load_sampler_start(struct load_sampler *ls, const pid_t *tgids, size_t n,
			held_conns_fn held_conns, void *ctx);
/* One sample, on each tick of the window loop. */
void load_sampler_tick(struct load_sampler *ls);
/* At the window end: the end counters, CPUs, quota, RSS and the parents of p's processes. */
void load_sampler_finish(struct load_sampler *ls, const struct ws_profile *p);
void load_sampler_free(struct load_sampler *ls);

/*
 * Mark each of targets[] that holds a listening socket (has_listener) and count the sockets it
 * holds; *socks gets every listener of the machine (caller frees). Returns 0 or -errno (message
 * printed).
 */
int listeners_scan(struct ws_target_info *targets, size_t n, struct listen_sock **socks,
		   size_t *n_socks);

#endif /* WS_LOAD_SAMPLER_H */
