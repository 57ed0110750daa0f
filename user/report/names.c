// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
#include "report/names.h"
#include "waitscope.h"

static const struct {
	const char *key;
	const char *what;
} drops[WS_DROP_KINDS] = {
	[WS_DROP_STORAGE] = { "storage", "events without per-thread state (transition lost)" },
	[WS_DROP_EXIT_RECORD] = { "exit_record", "exit records (threads missing from the table)" },
	[WS_DROP_EXIT_TOTALS] = { "exit_totals", "exited-thread totals (totals incomplete)" },
	[WS_DROP_TARGET_FULL] = { "target_full", "children not followed (targets map full)" },
	[WS_DROP_PEERS] = { "peers", "socket waits not listed by peer (peers map full)" },
	[WS_DROP_SYSCALLS] = { "syscalls", "syscalls not listed (syscalls map full)" },
	[WS_DROP_STACKS] = { "stacks", "blocks without a stack" },
	[WS_DROP_OFFCPU] = { "offcpu", "off-CPU stacks not recorded (map full)" },
	[WS_DROP_FUTEXES] = { "futexes", "lock waits not listed by address (map full)" },
	[WS_DROP_ONCPU] = { "oncpu", "on-CPU samples not recorded (map full)" },
	[WS_DROP_UNTRACKED_EXIT] = { "untracked_exit",
				     "threads exited without state (time missing)" },
	[WS_DROP_WAITSET] = { "waitset_unreadable",
			      "poll/select/epoll sets not readable (waits counted other)" },
};

const char *drop_key(int kind)
{
	return kind >= 0 && kind < WS_DROP_KINDS ? drops[kind].key : NULL;
}

const char *drop_what(int kind)
{
	return kind >= 0 && kind < WS_DROP_KINDS ? drops[kind].what : NULL;
}

static const char *const anomalies[WS_ANOMALY_KINDS] = {
	[WS_ANOMALY_SEED_RACE] = "seed_race",
	[WS_ANOMALY_WAKEUP_UNSEEN] = "wakeup_unseen",
	[WS_ANOMALY_SWITCH_IN_UNSEEN] = "switch_in_unseen",
	[WS_ANOMALY_SWITCH_OUT_UNSEEN] = "switch_out_unseen",
};

const char *anomaly_key(int kind)
{
	return kind >= 0 && kind < WS_ANOMALY_KINDS ? anomalies[kind] : NULL;
}
