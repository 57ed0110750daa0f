/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel side's configuration, maps and generic helpers: lookup-or-init, log2 slots, the
 * drop/anomaly/event counters and the target filter every handler runs first.
 */
#ifndef WS_MAPS_BPF_H
#define WS_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "waitscope.h"

/* Set by the collector before load. */
const volatile bool follow_children = false; /* -f: processes forked by targets become targets */
const volatile bool use_tid_hash = false;    /* raw_tp fallback: state lives in acct_by_tid */
const volatile bool collect_stacks = false;  /* --folded/--pprof: stacks (costly: opt-in) */
const volatile __u64 target_cgroup_id = 0;   /* -c: processes moved into this cgroup (or below) */
const volatile __u32 target_cgroup_level = 0; /* its depth below the cgroup2 root */
/* --max-threads: cap on live threads with task storage (0 = none; the tid hash has max_entries) */
const volatile __u32 max_threads = 0;

/* Set by the collector after load, before attach. */
__u64 window_start_ns = 0;
/* Byte per tgid hash slot, set for each target (by the collector, and on -f forks). */
__u8 target_seen[WS_TARGET_SEEN] = {};
__s64 threads_tracked = 0; /* live threads holding task storage, counted only with max_threads */
__u64 client_fds = 0;      /* count_client_fds: result of the last run (zeroed by the collector) */

/*
 * Are task pointers typed? Yes in tp_btf programs and iterators, so fields are plain loads; no in
 * the raw_tp fallback, which reads them with CO-RE probe reads. Only the fallback keeps state in
 * the tid hash, so one rodata flag says both. The verifier knows its value and drops the branch
 * not taken: a typed read stays one load, and the raw_tp programs never see a plain load of an
 * untyped pointer.
 */
static __always_inline bool typed_tasks(void)
{
	return !use_tid_hash;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_TARGETS);
	__type(key, __u32); /* tgid */
	__type(value, struct ws_target);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ws_thread_acct);
} acct_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_THREADS);
	__type(key, __u32); /* tid */
	__type(value, struct ws_thread_acct);
} acct_by_tid SEC(".maps");

/*
 * The state of a thread whose task storage could not be created: the kernel refuses the create
 * when the call nests in another task-storage user on the same CPU (a timer interrupt waking a
 * thread while the seeding walk holds the per-CPU guard), or when the storage allocator's
 * per-CPU cache is empty. Its events are applied here until the storage exists, which then takes
 * the state over (acct.bpf.h: acct_get). A hash update does not take that guard.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_SPILL);
	__type(key, __u32); /* tid */
	__type(value, struct ws_thread_acct);
} acct_spill SEC(".maps");
__s64 spill_live = 0; /* entries in acct_spill: while 0, nothing looks there */

/* Exit records, drained by the collector while the window runs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_EXITED);
	__type(key, __u32); /* tid */
	__type(value, struct ws_thread_record);
} exit_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_TARGETS);
	__type(key, __u32); /* tgid */
	__type(value, struct ws_exited_totals);
} exited_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_hists);
} hists SEC(".maps");

/*
 * Indexed by syscall number: an array lookup is inlined, a hash lookup was ~20 ns a syscall.
 * Per CPU: plain adds instead of locked ones (three per wakeup, three per --syscalls exit).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WS_MAX_SYSCALLS);
	__type(key, __u32); /* syscall number */
	__type(value, struct ws_syscall_stat);
} syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_PEERS);
	__type(key, struct ws_peer_key);
	__type(value, struct ws_peer_stat);
} peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, WS_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, WS_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_OFFCPU);
	__type(key, struct ws_offcpu_key);
	__type(value, __u64);
} offcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_ONCPU);
	__type(key, struct ws_oncpu_key);
	__type(value, __u64); /* samples */
} oncpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_FUTEXES);
	__type(key, struct ws_futex_key);
	__type(value, struct ws_peer_stat);
} futexes SEC(".maps");

/* Local TCP ports in LISTEN state (filled by the collector): a socket on one is a client. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WS_MAX_LISTEN_PORTS);
	__type(key, __u16);
	__type(value, __u8);
} listen_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_counters);
} counters SEC(".maps");

static __always_inline struct ws_counters *counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline void count_drop(enum ws_drop kind)
{
	struct ws_counters *c = counters_get();

	if (c && kind < WS_DROP_KINDS)
		c->drops[kind]++;
}

static __always_inline void count_anomaly(struct ws_thread_acct *a, enum ws_anomaly kind)
{
	struct ws_counters *c = counters_get();

	a->flags |= WS_THREAD_ANOMALY;
	if (!c)
		return;
	c->anomalies++;
	/* Still in the state the seeding walk read: the walk's reading, not an event, was off. */
	if ((a->flags & WS_THREAD_SEEDED) && a->ts == a->first_ns)
		kind = WS_ANOMALY_SEED_RACE;
	if (kind < WS_ANOMALY_KINDS)
		c->anomaly_kinds[kind]++;
}

static __always_inline void count_event(void)
{
	struct ws_counters *c = counters_get();

	if (c)
		c->events++;
}

/*
 * The one filter every handler runs first. A target whose thread group died stays in the map
 * (user space reads its exit time) but is no longer counted: a new process that gets the same
 * PID is not a target.
 */
static __always_inline bool maybe_target(__u32 tgid)
{
	/* Untraced tasks: one load from .bss instead of a hash lookup. */
	return target_seen[tgid & (WS_TARGET_SEEN - 1)] && tgid;
}

static __always_inline bool is_target(__u32 tgid)
{
	struct ws_target *t;

	if (!maybe_target(tgid))
		return false;
	t = bpf_map_lookup_elem(&targets, &tgid);
	return t && !t->group_dead;
}

/* A tgid becomes a target (-f fork, -c cgroup move). */
static __always_inline void target_add(__u32 tgid)
{
	struct ws_target t = {};

	target_seen[tgid & (WS_TARGET_SEEN - 1)] = 1; /* before the hash: never miss an event */
	/* BPF_ANY: the new target may reuse the PID of a target that died (group_dead) earlier. */
	if (bpf_map_update_elem(&targets, &tgid, &t, BPF_ANY))
		count_drop(WS_DROP_TARGET_FULL);
}

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

/* The histogram slot of an interval: log2(ns), the last slot holding everything longer. */
static __always_inline __u32 log2_slot(__u64 ns)
{
	__u32 slot = log2_u64(ns);

	return slot < WS_HIST_SLOTS ? slot : WS_HIST_SLOTS - 1;
}

static __always_inline void hist_add(enum ws_hist_kind kind, __u64 delta)
{
	__u32 zero = 0, slot = log2_slot(delta);
	struct ws_hists *h = bpf_map_lookup_elem(&hists, &zero);

	if (!h)
		return;
	if (kind == WS_HIST_RUNQ) {
		h->slots[WS_HIST_RUNQ][slot]++;
		h->sum_ns[WS_HIST_RUNQ] += delta;
	} else {
		h->slots[WS_HIST_BLOCKED][slot]++;
		h->sum_ns[WS_HIST_BLOCKED] += delta;
	}
}

/* Look up key in a hash map, inserting zero first if absent. NULL when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* NULL for a number past the array (counted as a syscalls drop by the callers that care). */
static __always_inline struct ws_syscall_stat *syscall_stat(__u32 nr)
{
	return bpf_map_lookup_elem(&syscalls, &nr);
}

/* Add delta (and one wait) to a hash value of type ws_peer_stat, creating it if needed. */
static __always_inline void stat_add(void *map, const void *key, __u64 delta, enum ws_drop drop)
{
	static const struct ws_peer_stat zero_stat = {};
	struct ws_peer_stat *ps = lookup_or_init(map, key, &zero_stat);

	if (!ps) {
		count_drop(drop);
		return;
	}
	__sync_fetch_and_add(&ps->blocked_ns, delta);
	__sync_fetch_and_add(&ps->waits, 1);
}

#endif /* WS_MAPS_BPF_H */
