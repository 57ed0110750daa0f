// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The floor for bench/overhead.sh: empty handlers on the tracepoints waitscope runs on every
 * scheduling event. What a task pays for them is the tracepoint's dispatch into BPF (and, with
 * run-time stats on, the stats' clock reads): the part of waitscope's cost no handler can cut.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup)
{
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
