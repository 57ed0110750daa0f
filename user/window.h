/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The profiling window's loop: tick until the duration ends, a signal comes, or the targets exit. */
#ifndef WS_WINDOW_H
#define WS_WINDOW_H

#include <stdbool.h>
#include "collect/collector.h"
#include "host/load_sampler.h"
#include "report/live.h"
#include "targets/launch.h"

/*
 * SIGINT, SIGTERM and SIGHUP end the window cleanly; with hup_ends false (agent mode) SIGHUP is
 * only noted (window_take_hup). Returns 0 or -errno.
 */
int window_install_signals(bool hup_ends);
/* The signal that asked to stop, 0 while none did. */
int window_stop_signal(void);
/* Did a SIGHUP come since the last call? */
bool window_take_hup(void);
/* Sleep ms milliseconds; a signal cuts it short. */
void sleep_ms(long ms);

/*
 * Run the window that began at p->window_start_ns: drain exit records, sample the load, show the
 * live lines, note exits (child: the launched command, else NULL). duration_s 0: until the
 * targets exit. Returns 0, or -errno when collecting or writing failed.
 */
int window_run(struct collector *c, struct ws_profile *p, double duration_s, struct launch *child,
	       struct load_sampler *ls, struct live *live);

/* Note the targets that died; true when all of them have. */
bool window_update_exits(struct collector *c, struct ws_profile *p);

#endif /* WS_WINDOW_H */
