// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Target options (-p, -n, -c, -- COMMAND, -u): values and the rules that tie them together. */
#include <stdio.h>
#include "cli/cli.h"

int cli_parse_target(int opt, const char *arg, struct ws_opts *o, FILE *err)
{
	const char *what = opt == 'n' ? "name" : opt == 'c' ? "cgroup" : "user";

	if (!*arg) {
		fprintf(err, "waitscope: invalid %s: empty\n", what);
		return -1;
	}
	if (opt == 'n')
		o->name = arg;
	else if (opt == 'c')
		o->cgroup = arg;
	else
		o->user = arg;
	return 0;
}

/* Exactly one target source; -u only with a command. */
int cli_check_targets(const struct ws_opts *o, FILE *err)
{
	int sources =
		(o->n_pids > 0) + (o->name != NULL) + (o->cgroup != NULL) + (o->command != NULL);

	if (sources > 1) {
		fprintf(err, "waitscope: give one target: -p PID, -n NAME, -c CGROUP or "
			     "-- COMMAND\n");
		return -1;
	}
	if (!sources) {
		fprintf(err, "waitscope: no target: give -p PID, -n NAME, -c CGROUP or -- COMMAND "
			     "(see --help)\n");
		return -1;
	}
	if (o->user && !o->command) {
		fprintf(err, "waitscope: -u USER needs a command to launch (-- COMMAND)\n");
		return -1;
	}
	/* The window is -d, or the default 10 s except with a command (until it exits). */
	if (o->interval_s > 0 && o->duration_s > 0 && (o->duration_set || !o->command) &&
	    o->interval_s > o->duration_s) {
		fprintf(err, "waitscope: interval %.3g s is longer than the window (-d %.3g)\n",
			o->interval_s, o->duration_s);
		return -1;
	}
	return 0;
}
