// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "util/log.h"
#include "waitscope.skel.h"

/* One on-CPU sample stands for this much CPU time (cpu-clock counts nanoseconds). */
#define WS_ONCPU_PERIOD_NS (1000000000ull / WS_ONCPU_HZ)

__u64 monotonic_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: both sides share one time base. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static bool is_iter(const struct bpf_program *prog)
{
	return bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER;
}

/* tp_btf programs are named tp_*, their raw_tp twins raw_*. */
static void choose_programs(struct waitscope_bpf *skel, bool raw)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);

		if (strncmp(name, "tp_", 3) == 0)
			bpf_program__set_autoload(prog, !raw);
		else if (strncmp(name, "raw_", 4) == 0)
			bpf_program__set_autoload(prog, raw);
	}
}

static struct waitscope_bpf *open_and_load(bool raw, const struct collector_opts *o, int *err)
{
	struct waitscope_bpf *skel = waitscope_bpf__open();

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	skel->rodata->follow_children = o->follow_children;
	skel->rodata->use_tid_hash = raw;
	skel->rodata->collect_stacks = o->stacks;
	skel->rodata->target_cgroup_id = o->cgroup_id;
	skel->rodata->target_cgroup_level = o->cgroup_level;
	if (!o->stacks) { /* unused: keep them tiny */
		bpf_map__set_max_entries(skel->maps.stacks, 1);
		bpf_map__set_max_entries(skel->maps.offcpu, 1);
		bpf_map__set_max_entries(skel->maps.oncpu, 1);
	}
	choose_programs(skel, raw);
	/* Global syscall hooks put every task on the syscall slow path: only when asked for. */
	bpf_program__set_autoload(skel->progs.sc_enter, o->syscalls);
	bpf_program__set_autoload(skel->progs.sc_exit, o->syscalls);
	/* Attached per process, with a tgid filter, when counting (collector_client_fds). */
	bpf_program__set_autoattach(skel->progs.count_client_fds, false);
	/* The sampler runs on every CPU tick of every task: only when stacks are asked for. */
	bpf_program__set_autoload(skel->progs.on_cpu_sample, o->stacks);
	/* --max-threads: smaller per-thread maps (tests drive the overflow paths with it). */
	if (o->max_threads) {
		skel->rodata->max_threads = o->max_threads;
		bpf_map__set_max_entries(skel->maps.acct_by_tid, o->max_threads);
		bpf_map__set_max_entries(skel->maps.exit_records, o->max_threads);
	}
	/* Only one of the per-thread stores is used: shrink the other. */
	if (!raw)
		bpf_map__set_max_entries(skel->maps.acct_by_tid, 1);
	else
		bpf_map__set_max_entries(skel->maps.acct_spill, 1);
	*err = waitscope_bpf__load(skel);
	if (*err) {
		waitscope_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int collector_load(struct collector *c, const struct collector_opts *o)
{
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->stacks = o->stacks;
	c->no_bpf_stats = o->no_bpf_stats;
	c->syscalls = o->syscalls;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0) {
		ws_err("failed to count possible CPUs: %s", strerror(-c->ncpus));
		return c->ncpus ? c->ncpus : -EINVAL;
	}
	if (!o->force_raw_tp) {
		c->skel = open_and_load(false, o, &err);
		if (!c->skel)
			ws_debug("tp_btf programs did not load (%s): falling back to raw_tp",
				 strerror(-err));
	}
	if (!c->skel) {
		c->skel = open_and_load(true, o, &err);
		c->raw_tp = true;
	}
	if (!c->skel) {
		if (err == -EPERM || err == -EACCES)
			ws_err("failed to load BPF programs: %s (run as root, or grant CAP_BPF "
			       "and CAP_PERFMON)", strerror(-err));
		else
			ws_err("failed to load BPF programs: %s (run with -v for the verifier log)",
			       strerror(-err));
		return err;
	}
	return 0;
}

int collector_add_target(struct collector *c, pid_t tgid)
{
	struct ws_target t = {};
	__u32 key = (__u32)tgid;

	if (bpf_map__update_elem(c->skel->maps.targets, &key, sizeof(key), &t, sizeof(t),
				 BPF_ANY)) {
		int err = -errno;

		ws_err("failed to add target %d: %s", tgid, strerror(errno));
		return err;
	}
	c->skel->bss->target_seen[key & (WS_TARGET_SEEN - 1)] = 1;
	return 0;
}

/* Run an iterator program to completion, handing each whole record to fn. */
static int run_iter(struct bpf_link *link, int (*fn)(const struct ws_thread_record *, void *),
		    void *ctx)
{
	char buf[sizeof(struct ws_thread_record) * 64];
	size_t have = 0;
	int fd, err = 0;
	ssize_t n;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		ws_err("failed to create task iterator: %s", strerror(errno));
		return err;
	}
	for (;;) {
		size_t off = 0;

		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			ws_err("failed to read task iterator: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		while (fn && have - off >= sizeof(struct ws_thread_record)) {
			struct ws_thread_record rec;

			memcpy(&rec, buf + off, sizeof(rec));
			err = fn(&rec, ctx);
			if (err)
				goto out;
			off += sizeof(rec);
		}
		if (!fn)
			off = have;
		memmove(buf, buf + off, have - off);
		have -= off;
	}
out:
	close(fd);
	return err;
}

/* Close the on-CPU samplers; safe to call twice. A perf link owns (and closes) its perf fd. */
static void perf_detach(struct collector *c)
{
	int i;

	for (i = 0; i < c->n_perf; i++) {
		bpf_link__destroy(c->perf_links[i]);
		c->perf_links[i] = NULL;
	}
	c->n_perf = 0;
}

/* A cpu-clock software event on each online CPU, each running on_cpu_sample. */
static int perf_attach(struct collector *c)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = WS_ONCPU_PERIOD_NS,
	};
	struct bpf_link *link;
	int cpu, fd, err;

	c->perf_links = calloc((size_t)c->ncpus, sizeof(*c->perf_links));
	if (!c->perf_links) {
		ws_err("failed to open perf events: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			if (errno == ENODEV)
				continue; /* possible but offline */
			err = -errno;
			ws_err("failed to open cpu-clock perf event on CPU %d: %s", cpu,
			       strerror(errno));
			return err;
		}
		link = bpf_program__attach_perf_event(c->skel->progs.on_cpu_sample, fd);
		if (!link) {
			err = -errno;
			close(fd);
			ws_err("failed to attach on-CPU sampler on CPU %d: %s", cpu,
			       strerror(-err));
			return err;
		}
		/* From here the link closes the perf fd when destroyed. */
		c->perf_links[c->n_perf] = link;
		c->n_perf++;
	}
	return 0;
}

static __u64 timeval_ns(struct timeval tv)
{
	return (__u64)tv.tv_sec * 1000000000ull + (__u64)tv.tv_usec * 1000ull;
}

/* Run counts and run times of the attachable programs, and our own CPU time so far. */
static void overhead_snapshot(struct collector *c, struct ws_overhead_snapshot *s)
{
	struct bpf_program *prog;
	struct rusage ru;

	memset(s, 0, sizeof(*s));
	s->wall_ns = monotonic_ns();
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		s->cpu_ns = timeval_ns(ru.ru_utime) + timeval_ns(ru.ru_stime);
	bpf_object__for_each_program(prog, c->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct ws_prog_stat *st;
		int fd = bpf_program__fd(prog);

		if (fd < 0 || is_iter(prog) || s->n_progs == WS_OVERHEAD_MAX_PROGS ||
		    bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		st = &s->progs[s->n_progs++];
		snprintf(st->name, sizeof(st->name), "%s", bpf_program__name(prog));
		st->run_cnt = info.run_cnt;
		st->run_time_ns = info.run_time_ns;
	}
}

static void stats_off(struct collector *c)
{
	if (c->stats_on)
		close(c->stats_fd); /* the kernel turns the stats off with the last such fd */
	c->stats_on = false;
}

int collector_attach(struct collector *c, __u64 *window_start_ns)
{
	int err;

	/* Run-time stats cost two clock reads per handler run: on only while the window lasts. */
	c->stats_fd = c->no_bpf_stats ? -1 : bpf_enable_stats(BPF_STATS_RUN_TIME);
	c->stats_on = c->stats_fd >= 0;
	if (!c->stats_on && !c->no_bpf_stats)
		ws_debug("failed to enable BPF run-time stats: %s", strerror(errno));
	overhead_snapshot(c, &c->ov_start);
	*window_start_ns = monotonic_ns();
	c->skel->bss->window_start_ns = *window_start_ns;
	err = waitscope_bpf__attach(c->skel);
	if (err) {
		ws_err("failed to attach BPF programs: %s", strerror(-err));
		return err;
	}
	c->attached = true;
	if (c->stacks) {
		err = perf_attach(c);
		if (err)
			return err; /* collector_destroy closes what was opened */
	}
	/* Give threads that will not see an event (sleeping through the window) a state now. */
	return run_iter(c->skel->links.seed_threads, NULL, NULL);
}

static int add_record(const struct ws_thread_record *r, void *ctx)
{
	int err = profile_add_record(ctx, r);

	if (err)
		ws_err("failed to record thread %u: %s", r->tid, strerror(-err));
	return err;
}

int collector_drain_exits(struct collector *c, struct ws_profile *p)
{
	int fd = bpf_map__fd(c->skel->maps.exit_records);
	struct ws_thread_record rec;
	__u32 key, next;
	int err;

	/* We delete as we go, so always take the first key. */
	while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &rec) == 0) {
			err = profile_add_record(p, &rec);
			if (err)
				return err;
		}
		bpf_map_delete_elem(fd, &key);
	}
	return 0;
}

bool collector_target_exited(struct collector *c, pid_t tgid, __u64 *exit_ns)
{
	struct ws_target t;
	__u32 key = (__u32)tgid;

	if (bpf_map__lookup_elem(c->skel->maps.targets, &key, sizeof(key), &t, sizeof(t), 0))
		return false;
	if (t.group_dead && exit_ns)
		*exit_ns = t.exit_ns;
	return t.group_dead;
}

__u64 collector_detach(struct collector *c)
{
	struct bpf_object_skeleton *s = c->skel->skeleton;
	int i;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_link **link = s->progs[i].link;

		if (!*link || is_iter(*s->progs[i].prog))
			continue;
		bpf_link__destroy(*link);
		*link = NULL;
	}
	perf_detach(c);
	c->attached = false;
	overhead_snapshot(c, &c->ov_end);
	stats_off(c);
	return monotonic_ns();
}

void collector_overhead(struct collector *c, struct ws_overhead *o)
{
	struct rusage ru;
	__u64 rss = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0)
		rss = (__u64)ru.ru_maxrss * 1024; /* KiB */
	/* stats_fd stays as it was after the close: >= 0 means the stats were on. */
	overhead_compute(o, &c->ov_start, &c->ov_end, c->ov_end.wall_ns && c->stats_fd >= 0, rss);
}

/* Per-CPU array element key, summed over CPUs as u64 words. */
static int sum_percpu_at(struct bpf_map *map, __u32 key, __u64 *out, size_t words, int ncpus)
{
	size_t i, value_size = words * sizeof(__u64);
	__u64 *vals;
	int cpu, err = 0;

	vals = calloc((size_t)ncpus, value_size);
	if (!vals)
		return -ENOMEM;
	if (bpf_map__lookup_elem(map, &key, sizeof(key), vals, value_size * ncpus, 0)) {
		err = -errno;
		ws_err("failed to read map %s: %s", bpf_map__name(map), strerror(errno));
		goto cleanup;
	}
	memset(out, 0, value_size);
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < words; i++)
			out[i] += vals[(size_t)cpu * words + i];
cleanup:
	free(vals);
	return err;
}

static int sum_percpu(struct bpf_map *map, __u64 *out, size_t words, int ncpus)
{
	return sum_percpu_at(map, 0, out, words, ncpus);
}

/* Exited threads whose records were dropped: kernel totals minus the listed exit records. */
static int collect_unlisted(struct collector *c, struct ws_profile *p)
{
	int fd = bpf_map__fd(c->skel->maps.exited_totals);
	struct ws_exited_totals t;
	struct ws_times sum = {};
	__u64 threads = 0;
	__u32 key, *prevp = NULL, next;

	while (bpf_map_get_next_key(fd, prevp, &next) == 0) {
		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, &t))
			continue;
		ws_times_add_exited(&sum, &t);
		threads += t.threads;
	}
	profile_set_unlisted(p, &sum, threads);
	return 0;
}

/*
 * Copy every entry of a hash map into a new array whose elements are laid out {key; value}
 * (value at val_off), at most max of them, sorted with cmp.
 */
static int map_to_array(struct bpf_map *map, size_t elem_size, size_t val_off, size_t max,
			int (*cmp)(const void *, const void *), void **out, size_t *n)
{
	size_t key_size = bpf_map__key_size(map);
	int fd = bpf_map__fd(map);
	char *arr, key[64], next[64];
	void *prevp = NULL;

	*n = 0;
	arr = calloc(max ? max : 1, elem_size);
	if (!arr || key_size > sizeof(key)) {
		free(arr);
		return -ENOMEM;
	}
	while (*n < max && bpf_map_get_next_key(fd, prevp, next) == 0) {
		char *elem = arr + *n * elem_size;

		memcpy(key, next, key_size);
		prevp = key;
		if (bpf_map_lookup_elem(fd, key, elem + val_off) == 0) {
			memcpy(elem, key, key_size);
			(*n)++;
		}
	}
	qsort(arr, *n, elem_size, cmp);
	*out = arr;
	return 0;
}

/* The per-CPU syscalls array, summed; numbers never used (all zero) are left out. */
static int collect_syscalls(struct collector *c, struct ws_profile *p)
{
	__u32 nr, max = bpf_map__max_entries(c->skel->maps.syscalls);
	struct ws_syscall *arr = calloc(max ? max : 1, sizeof(*arr));
	int err = 0;

	if (!arr)
		return -ENOMEM;
	p->n_syscalls = 0;
	for (nr = 0; nr < max; nr++) {
		struct ws_syscall *sc = &arr[p->n_syscalls];

		err = sum_percpu_at(c->skel->maps.syscalls, nr, (__u64 *)&sc->s,
				    sizeof(sc->s) / sizeof(__u64), c->ncpus);
		if (err)
			break;
		if (!sc->s.count && !sc->s.blocked_ns && !sc->s.waits)
			continue;
		sc->nr = nr;
		p->n_syscalls++;
	}
	qsort(arr, p->n_syscalls, sizeof(*arr), ws_syscall_cmp);
	p->syscalls = arr;
	return err;
}

static int collect_peers(struct collector *c, struct ws_profile *p)
{
	return map_to_array(c->skel->maps.peers, sizeof(struct ws_peer),
			    offsetof(struct ws_peer, s), WS_MAX_PEERS, ws_peer_cmp,
			    (void **)&p->peers, &p->n_peers);
}

static int cmp_futex(const void *a, const void *b)
{
	const struct ws_futex *x = a, *y = b;

	return x->s.blocked_ns < y->s.blocked_ns ? 1 : x->s.blocked_ns > y->s.blocked_ns ? -1 : 0;
}

static int collect_futexes(struct collector *c, struct ws_profile *p)
{
	return map_to_array(c->skel->maps.futexes, sizeof(struct ws_futex),
			    offsetof(struct ws_futex, s), WS_MAX_FUTEXES, cmp_futex,
			    (void **)&p->futexes, &p->n_futexes);
}

/* Copy a stack from the stack map: frames until the first zero. */
static __u32 read_stack(int fd, __s32 id, __u64 *ips)
{
	__u32 n = 0, key = (__u32)id;

	if (id < 0 || bpf_map_lookup_elem(fd, &key, ips))
		return 0;
	while (n < WS_MAX_STACK_DEPTH && ips[n])
		n++;
	return n;
}

/* On-CPU keys are off-CPU keys without the cause: one reader serves both maps. */
_Static_assert(offsetof(struct ws_oncpu_key, tid) == offsetof(struct ws_offcpu_key, tid) &&
		       offsetof(struct ws_oncpu_key, ustack) ==
			       offsetof(struct ws_offcpu_key, ustack) &&
		       offsetof(struct ws_oncpu_key, kstack) ==
			       offsetof(struct ws_offcpu_key, kstack) &&
		       sizeof(struct ws_oncpu_key) <= sizeof(struct ws_offcpu_key),
	       "ws_oncpu_key is a prefix of ws_offcpu_key");

/*
 * Every entry of a stack map (offcpu: blocked ns, oncpu: samples) into a new array of stacks
 * with their frames; a count stands for scale ns. *counts gets the sum of the raw counts.
 */
static int collect_stack_map(struct collector *c, struct bpf_map *map, __u64 scale,
			     struct ws_offcpu_stack **arr, size_t *n, __u64 *counts)
{
	int fd = bpf_map__fd(map), sfd = bpf_map__fd(c->skel->maps.stacks);
	/* A shorter on-CPU key leaves next.cause as initialised: 0. */
	struct ws_offcpu_key key, *prevp = NULL, next = {};
	size_t cap = 0;

	while (bpf_map_get_next_key(fd, prevp, &next) == 0) {
		struct ws_offcpu_stack *st;
		__u64 count;

		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		if (*n == cap) {
			struct ws_offcpu_stack *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(*arr, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			*arr = grown;
		}
		st = &(*arr)[(*n)++];
		memset(st, 0, sizeof(*st));
		st->tgid = key.tgid;
		st->tid = key.tid;
		st->cause = key.cause;
		st->ns = count * scale;
		st->n_user = read_stack(sfd, key.ustack, st->user);
		st->n_kernel = read_stack(sfd, key.kstack, st->kernel);
		*counts += count;
	}
	return 0;
}

static int collect_stacks(struct collector *c, struct ws_profile *p)
{
	__u64 blocked_ns = 0;
	int err;

	if (!c->stacks)
		return 0;
	err = collect_stack_map(c, c->skel->maps.offcpu, 1, &p->offcpu, &p->n_offcpu,
				&blocked_ns);
	if (err)
		return err;
	p->oncpu_period_ns = WS_ONCPU_PERIOD_NS;
	return collect_stack_map(c, c->skel->maps.oncpu, WS_ONCPU_PERIOD_NS, &p->oncpu,
				 &p->n_oncpu, &p->oncpu_samples);
}

int collector_client_fds(struct collector *c, pid_t tgid, unsigned long *count)
{
	union bpf_iter_link_info linfo;
	struct bpf_iter_attach_opts opts;
	struct bpf_link *link;
	char buf[64];
	int fd, err = 0;

	/* libbpf rejects opts with non-zero padding: zero it all (what LIBBPF_OPTS does) */
	memset(&linfo, 0, sizeof(linfo));
	memset(&opts, 0, sizeof(opts));
	linfo.task.pid = (__u32)tgid;
	opts.sz = sizeof(opts);
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);

	c->skel->bss->client_fds = 0;
	link = bpf_program__attach_iter(c->skel->progs.count_client_fds, &opts);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	/* The program writes nothing: reading runs it over the process's files. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	*count = (unsigned long)c->skel->bss->client_fds;
cleanup:
	bpf_link__destroy(link);
	return err;
}

int collector_add_listen_port(struct collector *c, __u16 port)
{
	__u8 one = 1;

	return bpf_map__update_elem(c->skel->maps.listen_ports, &port, sizeof(port), &one,
				    sizeof(one), BPF_ANY) ? -errno : 0;
}

int collector_collect(struct collector *c, struct ws_profile *p)
{
	int err;

	err = run_iter(c->skel->links.dump_threads, add_record, p);
	if (err)
		return err;
	err = collector_drain_exits(c, p);
	if (err)
		return err;
	err = collect_unlisted(c, p);
	if (err)
		return err;
	err = sum_percpu(c->skel->maps.hists, (__u64 *)&p->hists, sizeof(p->hists) / 8, c->ncpus);
	if (err)
		return err;
	err = sum_percpu(c->skel->maps.counters, (__u64 *)&p->counters,
			 sizeof(p->counters) / 8, c->ncpus);
	if (err)
		return err;
	err = collect_syscalls(c, p);
	if (err)
		return err;
	err = collect_peers(c, p);
	if (err)
		return err;
	err = collect_futexes(c, p);
	if (err)
		return err;
	err = collect_stacks(c, p);
	if (err)
		return err;
	err = profile_add_open_blocks(p);
	if (err)
		return err;
	p->attach_mode = c->raw_tp ? "raw_tp" : "tp_btf";
	p->syscalls_traced = c->syscalls;
	return 0;
}

void collector_destroy(struct collector *c)
{
	stats_off(c);
	/* The samplers first, then the skeleton (and every link): nothing stays in the kernel. */
	perf_detach(c);
	free(c->perf_links);
	c->perf_links = NULL;
	waitscope_bpf__destroy(c->skel);
	c->skel = NULL;
}

int collector_remove_target(struct collector *c, pid_t tgid)
{
	__u32 key = (__u32)tgid;

	if (bpf_map__delete_elem(c->skel->maps.targets, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

struct snap_ctx {
	struct ws_snapshot *s;
	__u64 window_start_ns;
};

static int snap_record(const struct ws_thread_record *r, void *ctx)
{
	struct snap_ctx *sc = ctx;

	snapshot_add_record(sc->s, r, sc->window_start_ns);
	return 0;
}

int collector_snapshot(struct collector *c, __u64 window_start_ns, struct ws_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.exited_totals);
	struct ws_exited_totals t;
	__u32 key, *prevp = NULL, next;
	struct snap_ctx sc;

	memset(s, 0, sizeof(*s));
	sc.s = s; /* after the memset: cppcheck's CTU check took the initializer for a read */
	sc.window_start_ns = window_start_ns;
	/* Exited first: a thread exiting meanwhile is then missed once, never counted twice. */
	while (bpf_map_get_next_key(fd, prevp, &next) == 0) {
		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, &t) == 0)
			snapshot_add_exited(s, &t);
	}
	s->ns = monotonic_ns();
	return run_iter(c->skel->links.dump_threads, snap_record, &sc);
}

__u64 collector_events(struct collector *c)
{
	struct ws_counters cnt;

	if (sum_percpu(c->skel->maps.counters, (__u64 *)&cnt, sizeof(cnt) / 8, c->ncpus))
		return 0;
	return cnt.events;
}

/* Agent mode (user/agent.c): per-process totals, target retirement, the kernel's own totals. */

static struct ws_proc_snapshot *proc_slot(struct ws_proc_snapshot **arr, size_t *n, size_t *cap,
					  pid_t tgid)
{
	struct ws_proc_snapshot *grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*arr)[i].tgid == tgid)
			return &(*arr)[i];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		grown = realloc(*arr, *cap * sizeof(*grown));
		if (!grown)
			return NULL;
		*arr = grown;
	}
	memset(&(*arr)[*n], 0, sizeof(**arr));
	(*arr)[*n].tgid = tgid;
	return &(*arr)[(*n)++];
}

struct procs_ctx {
	struct ws_proc_snapshot **arr;
	size_t *n, *cap;
	__u64 window_start_ns;
};

static int procs_record(const struct ws_thread_record *r, void *ctx)
{
	struct procs_ctx *pc = ctx;
	struct ws_proc_snapshot *ps = proc_slot(pc->arr, pc->n, pc->cap, (pid_t)r->tgid);

	if (!ps)
		return -ENOMEM;
	snapshot_add_record(&ps->s, r, pc->window_start_ns);
	if (r->tid == r->tgid || !ps->comm[0])
		memcpy(ps->comm, r->comm, sizeof(ps->comm)); /* the main thread names the process */
	return 0;
}

int collector_proc_snapshots(struct collector *c, __u64 window_start_ns,
			     struct ws_proc_snapshot **out, size_t *n)
{
	int tfd = bpf_map__fd(c->skel->maps.targets), efd = bpf_map__fd(c->skel->maps.exited_totals);
	struct procs_ctx pc = { .arr = out, .n = n, .window_start_ns = window_start_ns };
	struct ws_proc_snapshot *ps;
	struct ws_exited_totals et;
	struct ws_target t;
	__u32 key, *prevp = NULL, next;
	size_t cap = 0, i;
	__u64 now;
	int err;

	*out = NULL;
	*n = 0;
	pc.cap = &cap;
	/* Dead first: a process found dead here has its last exited totals in the next pass. */
	while (bpf_map_get_next_key(tfd, prevp, &next) == 0) {
		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(tfd, &key, &t))
			continue;
		ps = proc_slot(out, n, &cap, (pid_t)key);
		if (!ps)
			goto nomem;
		ps->dead = t.group_dead;
	}
	prevp = NULL;
	while (bpf_map_get_next_key(efd, prevp, &next) == 0) {
		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(efd, &key, &et))
			continue;
		ps = proc_slot(out, n, &cap, (pid_t)key);
		if (!ps)
			goto nomem;
		snapshot_add_exited(&ps->s, &et);
	}
	now = monotonic_ns();
	for (i = 0; i < *n; i++)
		(*out)[i].s.ns = now;
	err = run_iter(c->skel->links.dump_threads, procs_record, &pc);
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
nomem:
	free(*out);
	*out = NULL;
	*n = 0;
	return -ENOMEM;
}

int collector_retire_target(struct collector *c, pid_t tgid)
{
	__u32 key = (__u32)tgid;
	int err = collector_remove_target(c, tgid);

	if (bpf_map__delete_elem(c->skel->maps.exited_totals, &key, sizeof(key), 0) &&
	    errno != ENOENT && !err)
		err = -errno;
	return err;
}

int collector_seed(struct collector *c)
{
	return run_iter(c->skel->links.seed_threads, NULL, NULL);
}

int collector_kernel_totals(struct collector *c, struct ws_hists *h, struct ws_counters *cnt)
{
	int err = sum_percpu(c->skel->maps.hists, (__u64 *)h, sizeof(*h) / 8, c->ncpus);

	return err ? err : sum_percpu(c->skel->maps.counters, (__u64 *)cnt, sizeof(*cnt) / 8,
				      c->ncpus);
}
