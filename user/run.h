/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WS_RUN_H
#define WS_RUN_H

#include <stdbool.h>
#include "cli/cli.h"
#include "collect/collector.h"

/* Validate targets, profile one window, print the report. Returns the exit status. */
int ws_run(const struct ws_opts *o);

/* --ready-file: "ready pid=N", written atomically once attached. 0 or -errno. */
int run_write_ready_file(const char *path, pid_t first_target);

/* The load sampler's held_conns_fn: the collector's fd iterator (c: the collector). */
int run_held_conns(void *c, pid_t tgid, unsigned long *count);
/*
 * Mark the targets holding a listening socket; with ports, tell the kernel side their ports
 * (sockets on them are clients, not upstreams). 0 or -errno.
 */
int run_note_listeners(struct collector *c, struct ws_target_info *targets, size_t n_targets,
		       bool ports);

#endif /* WS_RUN_H */
