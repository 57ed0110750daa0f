/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WS_RUN_H
#define WS_RUN_H

#include "cli/cli.h"

/* Validate targets, profile one window, print the report. Returns the exit status. */
int ws_run(const struct ws_opts *o);

#endif /* WS_RUN_H */
