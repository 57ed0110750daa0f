/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* "-- COMMAND": fork the command stopped at a gate, attach, then let it exec. */
#ifndef WS_LAUNCH_H
#define WS_LAUNCH_H

#include <sys/types.h>
#include "targets/cred.h"

struct launch {
	pid_t pid;
	int gate_fd; /* write end: closing it lets the child exec */
	int err_fd;  /* read end: the child's errno if exec failed, EOF if exec succeeded */
	const struct ws_cred *cred; /* -u: the child drops to this user before exec; NULL: no */
};

/* Fork the child; it waits at the gate, then takes l->cred if set. Returns 0 or -errno. */
int launch_prepare(struct launch *l, char **argv);
/* Open the gate and wait for exec. Returns 0, or the child's -errno if exec failed. */
int launch_release(struct launch *l);
/* Has the child exited? (non-blocking; reaps it) */
int launch_reap(struct launch *l, int *status);
/* Send SIGTERM and reap (used when the window ends before the command). */
void launch_stop(struct launch *l);
void launch_close(struct launch *l);

#endif /* WS_LAUNCH_H */
