/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Agent (fleet) mode: --listen, or -i with --prom. One attach for as long as waitscope runs;
 * every interval the targets are resolved again (-n, -c), each target process's totals are added
 * to counters that only grow (model/series.h), and a complete exposition is rendered and
 * published to /metrics and/or rewritten into the --prom file.
 */
#ifndef WS_AGENT_H
#define WS_AGENT_H

#include "cli/cli.h"

/* Run until SIGINT/SIGTERM (or -d). Returns the exit status. */
int ws_agent_run(const struct ws_opts *o);

#endif /* WS_AGENT_H */
