// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The async model (docs/model.md, "The async model"): classify the workers of a measured profile
 * and predict the throughput of an async event loop relative to the current pool of sync workers.
 * Pure: reads plain structs only.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

/* Thresholds of the rules; docs/model.md explains each one. */
#define WORKER_MIN_CPU 0.01    /* on-CPU share of observed time that makes a thread a worker */
#define WORKER_MAX_QUIET 0.95  /* sleep+other share above which a thread is not a worker */
#define HIGH_LOAD_IDLE 0.10    /* idle share below which the workers are saturated */
#define UNDERLOADED_IDLE 0.50  /* idle share above which the load limits throughput */
#define STARVED_RUNQ 0.25      /* run-queue share of busy time: CPU-starved */
#define CPU_BOUND_CPU 0.70     /* on-CPU share of busy time: CPU-bound */
#define LOCK_BOUND_LOCK 0.50   /* lock share of busy time: lock-bound outright */
#define LOCK_DOMINANT_MIN 0.30 /* lock share that is lock-bound when it is the largest share */
#define IO_BOUND_IO 0.50       /* net+disk+client share of busy time: I/O-bound */
#define HEADROOM_RATIO 1.5     /* CPU capacity an event loop needs to matter */
#define YES_RATIO_LOW 1.5      /* verdict yes: the low end of the range at least this */
#define MARGINAL_RATIO 1.15    /* verdict marginal: the point ratio at least this */
#define RATIO_MAX 100.0	       /* cap when the workers used (almost) no CPU */
#define LOOP_CLIENTS 2	       /* clients in one wait that make an event loop (docs/model.md) */
#define DISPATCH_MAX_BUSY 0.10 /* dispatcher: busy share of its time at most this */
#define QUEUED_MIN 0.5         /* connections waiting inside the process: high load */

/* Sums over the worker threads, in ns. */
struct worker_sums {
	int n;
	double total, idle, cpu, runq, io, lock, sleep, client;
	int loops;	    /* workers whose waits multiplexed several client connections */
	int sync_takers;    /* workers that take requests (wait for new work or a client, or in
			     * a set) one client at a time */
	int dispatchers;    /* threads that only hand new work to the pool: not workers */
	int supervisors;    /* processes that only supervise worker processes: not workers */
	double clients_mean_sum; /* sum over workers of their mean clients per set wait */
	__u32 clients_max;	 /* most clients one worker's wait multiplexed */
};

static double frac(double num, double den)
{
	return den > 0 ? num / den : 0;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

static double max2(double a, double b)
{
	return a > b ? a : b;
}

const char *model_class_name(enum ws_class cls)
{
	switch (cls) {
	case CLASS_CPU_BOUND:
		return "cpu-bound";
	case CLASS_IO_BOUND:
		return "io-bound";
	case CLASS_LOCK_BOUND:
		return "lock-bound";
	case CLASS_CPU_STARVED:
		return "cpu-starved";
	case CLASS_UNDERLOADED:
		return "underloaded";
	case CLASS_ALREADY_ASYNC:
		return "already-async";
	case CLASS_MIXED:
		break;
	}
	return "mixed";
}

/* Waiting for new work: accept, a set of listeners, a dispatcher's handoff (kernel side). */
static __u64 new_work_ns(const struct ws_times *t)
{
	return t->blocked_by_cause[WS_CAUSE_IDLE];
}

/*
 * Spare capacity: waiting for new work, or parked (a futex or a wake-up fd no thread of a target
 * signalled: a pool thread with nothing to do). Never lock: no thread waited for it.
 */
static __u64 idle_ns(const struct ws_times *t)
{
	return new_work_ns(t) + t->blocked_by_cause[WS_CAUSE_PARKED];
}

/*
 * A worker serves requests: it waits for new work, for clients, for the network or the disk, or
 * it runs. A thread (almost) always asleep or blocked on something else (a main thread in
 * sigwait, a timer thread) is not one, even when it woke up once for a client or a socket; nor
 * is a thread parked the whole window (Redis's bio_*, a runtime's idle threads): being parked
 * says nothing of serving, so it is no work wait, though a worker's parked time is spare.
 */
static bool is_worker(const struct ws_times *t)
{
	double acc = (double)ws_times_accounted(t);
	double obs = t->observed_ns ? (double)t->observed_ns : acc;
	double quiet =
		(double)(t->blocked_by_cause[WS_CAUSE_SLEEP] + t->blocked_by_cause[WS_CAUSE_OTHER]);
	__u64 work_waits = new_work_ns(t) + t->blocked_by_cause[WS_CAUSE_CLIENT] +
			   t->blocked_by_cause[WS_CAUSE_NET] + t->blocked_by_cause[WS_CAUSE_DISK];

	if (acc <= 0)
		return false;
	if (quiet >= WORKER_MAX_QUIET * acc)
		return false;
	return work_waits > 0 || (double)t->on_cpu_ns > WORKER_MIN_CPU * obs;
}

static __u64 serving_waits(const struct ws_times *t)
{
	return t->blocked_by_cause[WS_CAUSE_CLIENT] + t->blocked_by_cause[WS_CAUSE_NET] +
	       t->blocked_by_cause[WS_CAUSE_DISK];
}

/* Waits for new work and does (almost) nothing else: an acceptor or a dispatcher, or idle. */
static bool dispatcher_shaped(const struct ws_times *t)
{
	double total = (double)ws_times_accounted(t);

	return new_work_ns(t) > 0 && serving_waits(t) == 0 &&
	       total - (double)new_work_ns(t) < DISPATCH_MAX_BUSY * total;
}

/*
 * Thread pools fed by an acceptor or dispatcher thread (Java executors, Apache worker MPM,
 * Tomcat): the pool's threads serve requests and get new work only through handoffs (never
 * waiting on the listener themselves), while one thread waits for new work and serves none.
 * That thread is not a worker: its idle time says nothing about the pool's spare capacity.
 * Marks dispatcher threads of th's process in disp[]; true when the process has that shape.
 */
static bool find_dispatchers(const struct ws_profile *p, __u32 tgid, bool *disp)
{
	size_t i, n_disp = 0, n_serving = 0;
	bool handed = true;

	for (i = 0; i < p->n_threads; i++) {
		const struct ws_times *t = &p->threads[i].t;

		if (p->threads[i].tgid != tgid || !is_worker(t))
			continue;
		if (dispatcher_shaped(t)) {
			n_disp++;
			continue;
		}
		n_serving++;
		if (new_work_ns(t) > 0 && t->handoffs == 0)
			handed = false; /* it waits on the listener itself: no dispatch */
	}
	if (!n_disp || !n_serving || !handed)
		return false;
	for (i = 0; i < p->n_threads; i++)
		if (p->threads[i].tgid == tgid && is_worker(&p->threads[i].t) &&
		    dispatcher_shaped(&p->threads[i].t))
			disp[i] = true;
	return true;
}

/* Does process tgid serve anything: a client, network or disk wait, or real CPU time? */
static bool process_serves(const struct ws_profile *p, __u32 tgid)
{
	size_t i;

	for (i = 0; i < p->n_threads; i++) {
		const struct ws_times *t = &p->threads[i].t;
		double obs = t->observed_ns ? (double)t->observed_ns
					    : (double)ws_times_accounted(t);

		if (p->threads[i].tgid == tgid &&
		    (serving_waits(t) || (double)t->on_cpu_ns > WORKER_MIN_CPU * obs))
			return true;
	}
	return false;
}

/*
 * A master process (gunicorn's arbiter, uWSGI, php-fpm, Apache prefork, nginx) forks the worker
 * processes, holds the listener too and waits, for signals or in select() on a pipe, serving
 * nothing: it is not a worker even when its waits look like waiting for new work. It is a
 * parent of another profiled process, which serves.
 */
static bool is_supervisor(const struct ws_model_input *in, __u32 tgid)
{
	bool parent = false;
	size_t i;

	for (i = 0; in->parents && i < in->n_parents && !parent; i++)
		parent = in->parents[i].ppid == tgid && in->parents[i].tgid != tgid &&
			 process_serves(in->p, in->parents[i].tgid);
	return parent && !process_serves(in->p, tgid);
}

/* Time-weighted mean of the client connections in a thread's set waits (0 without any). */
static double set_clients_mean(const struct ws_thread *th)
{
	return frac((double)th->t.set_client_ns, (double)th->t.set_wait_ns);
}

/*
 * An event loop multiplexes client connections: one of its waits held LOOP_CLIENTS or more. A
 * worker serving one connection at a time never waits on two clients at once, whatever else its
 * set holds (listeners, an upstream socket, a wake-up fd).
 */
static bool is_event_loop(const struct ws_thread *th)
{
	return th->set_clients_max >= LOOP_CLIENTS;
}

/* It takes requests: waits for new work or for a client, or in a set that may hold them. */
static bool takes_requests(const struct ws_thread *th)
{
	return th->t.blocked_by_cause[WS_CAUSE_IDLE] || th->t.blocked_by_cause[WS_CAUSE_CLIENT] ||
	       th->t.set_wait_ns;
}

static void sum_workers(const struct ws_model_input *in, struct worker_sums *s, double *max_obs)
{
	const struct ws_profile *p = in->p;
	bool *disp = calloc(p->n_threads ? p->n_threads : 1, sizeof(*disp));
	bool *sup = calloc(p->n_threads ? p->n_threads : 1, sizeof(*sup));
	__u32 *tgids = NULL;
	size_t i, j, n_tgids = profile_tgids(p, &tgids);

	memset(s, 0, sizeof(*s));
	*max_obs = 0;
	/* Per process: its dispatcher threads, or all its threads when it is a supervisor. */
	for (j = 0; disp && sup && j < n_tgids; j++) {
		find_dispatchers(p, tgids[j], disp);
		if (!is_supervisor(in, tgids[j]))
			continue;
		s->supervisors++;
		for (i = 0; i < p->n_threads; i++)
			sup[i] = sup[i] || p->threads[i].tgid == tgids[j];
	}
	free(tgids);
	for (i = 0; i < p->n_threads; i++) {
		const struct ws_times *t = &p->threads[i].t;
		const __u64 *c = t->blocked_by_cause;
		double total = (double)ws_times_accounted(t);

		if (!is_worker(t) || (sup && sup[i]))
			continue;
		if (disp && disp[i]) {
			s->dispatchers++;
			continue;
		}
		s->n++;
		s->total += total;
		s->idle += (double)idle_ns(t);
		s->cpu += (double)t->on_cpu_ns;
		s->runq += (double)t->runq_ns;
		s->io += (double)(c[WS_CAUSE_NET] + c[WS_CAUSE_DISK]);
		s->lock += (double)c[WS_CAUSE_LOCK];
		s->sleep += (double)c[WS_CAUSE_SLEEP];
		s->client += (double)c[WS_CAUSE_CLIENT];
		s->clients_mean_sum += set_clients_mean(&p->threads[i]);
		if (p->threads[i].set_clients_max > s->clients_max)
			s->clients_max = p->threads[i].set_clients_max;
		if (is_event_loop(&p->threads[i]))
			s->loops++;
		else if (takes_requests(&p->threads[i]))
			s->sync_takers++;
		*max_obs = max2(*max_obs, max2((double)t->observed_ns, total));
	}
	free(disp);
	free(sup);
}

static bool is_accept(const char *name)
{
	return name && (!strcmp(name, "accept") || !strcmp(name, "accept4"));
}

/* Accepted connections in the window: the accept and accept4 counts. */
static __u64 accepts(const struct ws_profile *p)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < p->n_syscalls; i++)
		if (is_accept(ws_syscall_name(p->syscalls[i].nr)))
			n += p->syscalls[i].s.count;
	return n;
}

static bool is_conn_syscall(const char *name)
{
	static const char *const names[] = { "accept", "accept4", "close", "shutdown",
					     "socket", "connect", "setsockopt" };
	size_t i;

	for (i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Time in connection set-up/teardown syscalls not spent blocked: their CPU cost. */
static double conn_cpu_ns(const struct ws_profile *p)
{
	double ns = 0;
	size_t i;

	for (i = 0; i < p->n_syscalls; i++) {
		const struct ws_syscall_stat *s = &p->syscalls[i].s;

		if (is_conn_syscall(ws_syscall_name(p->syscalls[i].nr)) &&
		    s->total_ns > s->blocked_ns)
			ns += (double)(s->total_ns - s->blocked_ns);
	}
	return ns;
}

/* Everything model_predict() derives before writing the prediction. */
struct model_state {
	struct worker_sums s;
	double window_s;
	double n_busy;	   /* average number of busy workers */
	double u_cpu;	   /* CPUs the workers use now */
	double u_lock;	   /* workers blocked on locks, on average */
	double avail;	   /* CPUs an event loop could use */
	double other_cpus; /* CPUs used by other processes (0 when unknown) */
	double load_cap;   /* offered load / current throughput; INFINITY when unknown */
	double rate;	   /* accepted connections per second, <0 unknown */
	double t_busy_ms;  /* busy worker time per accepted connection, <0 unknown */
	double queued;	   /* dispatched pools: connections held beyond those in service; <0 n/a */
	bool already_async;
};

/* Throughput an event loop reaches relative to now, bound by CPUs, at a given overhead. */
static double cpu_ratio(const struct model_state *st, double overhead)
{
	double den = st->u_cpu * overhead + st->u_lock;

	if (den <= 0)
		return RATIO_MAX;
	return min2(st->avail / den, RATIO_MAX);
}

static void derive(const struct ws_model_input *in, struct model_state *st)
{
	const struct ws_profile *p = in->p;
	const struct ws_load *ld = &in->load;
	double max_obs, target_cpu, nonworker_cpu, idle_share;
	__u64 n_accepts;

	memset(st, 0, sizeof(*st));
	sum_workers(in, &st->s, &max_obs);
	st->window_s = profile_window_s(p);
	if (st->window_s <= 0)
		st->window_s = max_obs / 1e9;
	if (st->window_s <= 0)
		st->window_s = 1;

	st->n_busy = (st->s.total - st->s.idle) / 1e9 / st->window_s;
	st->u_cpu = st->s.cpu / 1e9 / st->window_s;
	st->u_lock = st->s.lock / 1e9 / st->window_s;
	target_cpu = max2((double)p->totals.on_cpu_ns / 1e9 / st->window_s, st->u_cpu);
	nonworker_cpu = target_cpu - st->u_cpu;
	if (in->m.busy_cpus >= 0)
		st->other_cpus = max2(in->m.busy_cpus - target_cpu, 0);
	/* Other processes compete for the machine's CPUs; a cgroup quota caps the target's. */
	st->avail = (double)in->m.cpus - st->other_cpus;
	/*
	 * What others use now is not reserved: on saturated CPUs the scheduler shares them among
	 * runnable threads, so one loop per CPU gets at least cpus * loops / (loops + others).
	 */
	if (in->m.runnable_avg >= 0) {
		double target_runnable =
			(double)(p->totals.on_cpu_ns + p->totals.runq_ns) / 1e9 / st->window_s;
		double others = max2(in->m.runnable_avg - target_runnable, 0);
		double loops = (double)in->m.cpus;

		st->avail = max2(st->avail, (double)in->m.cpus * loops / (loops + others));
	}
	if (in->m.cpu_quota > 0)
		st->avail = min2(st->avail, in->m.cpu_quota);
	st->avail = max2(st->avail - nonworker_cpu, st->u_cpu);

	idle_share = frac(st->s.idle, st->s.total);
	st->queued = -1;
	if (st->s.dispatchers && ld->connections_avg >= 0)
		st->queued = max2(ld->connections_avg - st->n_busy, 0);
	if (st->s.dispatchers && st->queued < 0 && idle_share < HIGH_LOAD_IDLE)
		st->load_cap = INFINITY; /* requests queue inside the process, unseen */
	else if (st->queued >= 0) /* the connections count those in the accept queue too */
		st->load_cap = st->n_busy > 0 ? (st->n_busy + st->queued) / st->n_busy : 1;
	else if (ld->accept_queue_avg >= 0)
		st->load_cap =
			st->n_busy > 0 ? (st->n_busy + ld->accept_queue_avg) / st->n_busy : 1;
	else if (idle_share < HIGH_LOAD_IDLE)
		st->load_cap = INFINITY;
	else
		st->load_cap = 1;

	n_accepts = accepts(p);
	st->rate = ld->accepts_per_s;
	if (st->rate < 0 && n_accepts)
		st->rate = (double)n_accepts / st->window_s;
	st->t_busy_ms = st->rate > 0 ? st->n_busy / st->rate * 1e3 : -1;

	/* Measured concurrency: event loops take the requests, no worker takes them one by one. */
	st->already_async = st->s.loops > 0 && st->s.sync_takers == 0;
}

static enum ws_class classify(const struct model_state *st, const struct ws_prediction *pr)
{
	double io = pr->busy_io + pr->busy_client;

	if (st->already_async)
		return CLASS_ALREADY_ASYNC;
	if (pr->idle_share > UNDERLOADED_IDLE)
		return CLASS_UNDERLOADED;
	if (pr->busy_runq > STARVED_RUNQ)
		return CLASS_CPU_STARVED;
	if (pr->busy_cpu > CPU_BOUND_CPU)
		return CLASS_CPU_BOUND;
	if (pr->busy_lock >= LOCK_BOUND_LOCK ||
	    (pr->busy_lock >= LOCK_DOMINANT_MIN && pr->busy_lock > io &&
	     pr->busy_lock > pr->busy_cpu))
		return CLASS_LOCK_BOUND;
	if (io >= IO_BOUND_IO)
		return CLASS_IO_BOUND;
	return CLASS_MIXED;
}

static void set_condition(struct ws_condition *c, const char *name, bool met)
{
	c->name = name;
	c->met = met;
}

/* The three conditions, and the figures their evidence quotes. */
static void conditions(const struct ws_model_input *in, const struct model_state *st,
		       struct ws_prediction *pr)
{
	const struct ws_load *ld = &in->load;
	struct ws_condition *c = pr->conditions;
	double io = pr->busy_io + pr->busy_client;

	pr->in_service = st->n_busy;
	pr->queued = st->queued;
	pr->accept_queue_avg = ld->accept_queue_avg;
	pr->accept_queue_max = max2(ld->accept_queue_max, 0);
	pr->cpus_used = st->u_cpu;
	pr->cpus_free = st->avail;
	pr->cpus = in->m.cpus;
	pr->cpu_quota = in->m.cpu_quota;
	pr->busy_measured = in->m.busy_cpus >= 0;
	pr->cpu_room = cpu_ratio(st, WS_MODEL_OH);

	if (st->queued >= 0)
		pr->load_basis = WS_LOAD_DISPATCHED;
	else if (st->s.dispatchers)
		pr->load_basis = WS_LOAD_HIDDEN_QUEUE;
	else if (ld->accept_queue_avg >= 0)
		pr->load_basis = WS_LOAD_ACCEPT_QUEUE;
	else
		pr->load_basis = WS_LOAD_NOT_SAMPLED;

	set_condition(&c[0], "high load",
		      st->queued >= 0 ? st->queued >= QUEUED_MIN || ld->accept_queue_avg > 0
				      : pr->idle_share < HIGH_LOAD_IDLE || ld->accept_queue_avg > 0);
	set_condition(&c[1], "I/O-bound", io >= IO_BOUND_IO);
	set_condition(&c[2], "CPU headroom", pr->cpu_room >= HEADROOM_RATIO);
}

static void ratios(const struct model_state *st, struct ws_prediction *pr)
{
	bool high_load = pr->conditions[0].met;
	double cap_low = isfinite(st->load_cap) ? st->load_cap : 1;

	if (pr->cls == CLASS_UNDERLOADED || pr->cls == CLASS_ALREADY_ASYNC) {
		pr->throughput_ratio = pr->ratio_low = pr->ratio_high = 1;
		return;
	}
	pr->throughput_ratio = min2(cpu_ratio(st, WS_MODEL_OH), st->load_cap);
	pr->ratio_low = min2(cpu_ratio(st, WS_MODEL_OH_HIGH), cap_low);
	pr->ratio_high = cpu_ratio(st, WS_MODEL_OH_LOW);
	if (!high_load)
		pr->ratio_high = min2(pr->ratio_high, st->load_cap);
	if (pr->cls == CLASS_LOCK_BOUND || pr->cls == CLASS_CPU_STARVED) {
		/* The bottleneck (a lock, the CPUs) is not one more concurrency widens. */
		pr->throughput_ratio = min2(pr->throughput_ratio, 1);
		pr->ratio_low = min2(pr->ratio_low, 1);
		pr->ratio_high = min2(pr->ratio_high, 1);
	}
}

static const char *verdict(const struct ws_prediction *pr)
{
	int i;
	bool all_met = true;

	switch (pr->cls) {
	case CLASS_IO_BOUND:
	case CLASS_MIXED:
		break;
	default:
		return "no";
	}
	for (i = 0; i < WS_MODEL_CONDITIONS; i++)
		all_met &= pr->conditions[i].met;
	if (all_met && pr->ratio_low >= YES_RATIO_LOW)
		return "yes";
	if (pr->throughput_ratio >= MARGINAL_RATIO)
		return "marginal";
	return "no";
}

static void recommend(const struct ws_model_input *in, struct ws_prediction *pr)
{
	double n = pr->workers * pr->throughput_ratio;

	pr->recommended_workers = pr->workers;
	switch (pr->cls) {
	case CLASS_IO_BOUND:
	case CLASS_MIXED:
	case CLASS_CPU_BOUND:
		if (pr->throughput_ratio > 1)
			pr->recommended_workers = (int)min2(ceil(n - 1e-9), 1e6);
		break;
	default:
		break;
	}
	pr->recommended_extra_rss =
		(__u64)(pr->recommended_workers - pr->workers) * in->worker_rss_bytes;
}

static enum ws_advice advise(const struct ws_prediction *pr)
{
	switch (pr->cls) {
	case CLASS_UNDERLOADED:
		return WS_ADVICE_UNDERLOADED;
	case CLASS_CPU_STARVED:
		return WS_ADVICE_CPU_STARVED;
	case CLASS_CPU_BOUND:
		return pr->recommended_workers > pr->workers ? WS_ADVICE_IDLE_CORES
							     : WS_ADVICE_CPU_BOUND;
	case CLASS_LOCK_BOUND:
		return WS_ADVICE_LOCK_BOUND;
	case CLASS_ALREADY_ASYNC:
		return WS_ADVICE_ALREADY_ASYNC;
	case CLASS_IO_BOUND:
	case CLASS_MIXED:
		break;
	}
	if (strcmp(pr->async_helps, "no"))
		return WS_ADVICE_ASYNC;
	if (!pr->conditions[0].met)
		return WS_ADVICE_LOAD_SERVED;
	if (!pr->conditions[2].met)
		return WS_ADVICE_NO_SPARE_CPU;
	return WS_ADVICE_LOAD_UNKNOWN;
}

static void set_dirs(struct ws_prediction *pr, const char *p50, const char *p99)
{
	pr->latency_p50 = p50;
	pr->latency_p99 = p99;
}

/*
 * Latency directions. Little's law: with the same clients in the system (queued + in service),
 * mean latency = clients / throughput, so when requests queue it moves as 1 / ratio; a change
 * of under 25% either way counts as unchanged. Without queueing each request takes its service
 * time either way. The tail follows the median unless the event loop would share saturated
 * CPUs among CPU-heavy requests (or a lock serializes them): then one slow request delays all
 * the others on its loop, and p99 goes up.
 */
#define LATENCY_BAND 1.25
#define TAIL_CPU_SHARE 0.5 /* busy CPU share above which requests are CPU-heavy */

static const char *dir_of(double factor)
{
	return factor >= LATENCY_BAND ? "up" : factor <= 1 / LATENCY_BAND ? "down" : "unchanged";
}

static void latency(const struct ws_model_input *in, const struct model_state *st,
		    struct ws_prediction *pr)
{
	double q = in->load.accept_queue_avg;
	bool cpu_saturated = cpu_ratio(st, WS_MODEL_OH) < st->load_cap;
	bool tail_risk;
	const char *d50;

	pr->accept_wait_ms = q > 0 && st->rate > 0 ? q / st->rate * 1e3 : -1;
	pr->busy_ms_per_conn = st->t_busy_ms;
	pr->conns_per_s = st->rate;

	if (pr->cls == CLASS_ALREADY_ASYNC) {
		pr->latency = WS_LATENCY_MULTIPLEXED;
		set_dirs(pr, "unchanged", "unchanged");
		return;
	}
	if (!pr->conditions[0].met || pr->cls == CLASS_UNDERLOADED) {
		pr->latency = WS_LATENCY_NO_QUEUE;
		set_dirs(pr, "unchanged", "unchanged");
		return;
	}
	d50 = dir_of(1 / pr->throughput_ratio);
	tail_risk = pr->cls == CLASS_LOCK_BOUND || pr->cls == CLASS_CPU_STARVED ||
		    pr->cls == CLASS_CPU_BOUND || (cpu_saturated && pr->busy_cpu >= TAIL_CPU_SHARE);
	pr->latency = tail_risk ? WS_LATENCY_TAIL_RISK : WS_LATENCY_QUEUEING;
	set_dirs(pr, d50, tail_risk ? "up" : d50);
}

/*
 * Does the profile serve clients? A target owns a listener, or a thread waited for new work
 * (accept, a set of listeners, a dispatcher's handoff) or for a client (a socket accepted from a
 * listener, alone or in a wait set). Without any of these (a client blocked in recv, a batch
 * job) there is no request stream an event loop could multiplex. Unknown targets: assume one.
 */
static bool serves_clients(const struct ws_profile *p)
{
	const __u64 *c = p->totals.blocked_by_cause;
	size_t i;

	if (!p->n_targets)
		return true;
	for (i = 0; i < p->n_targets; i++)
		if (p->targets[i].has_listener)
			return true;
	if (c[WS_CAUSE_IDLE] || c[WS_CAUSE_CLIENT] || p->totals.set_client_ns)
		return true;
	for (i = 0; i < p->n_threads; i++)
		if (p->threads[i].set_clients_max)
			return true;
	return false;
}

/* Not a server: the classification and its evidence stay, no verdict, ratio or worker count. */
static void not_server(struct ws_prediction *pr)
{
	pr->not_server = true;
	pr->async_helps = "not-applicable";
	pr->throughput_ratio = pr->ratio_low = pr->ratio_high = NAN;
	pr->recommended_workers = pr->workers;
	pr->recommended_extra_rss = 0;
	pr->advice = WS_ADVICE_NOT_SERVER;
	pr->latency = WS_LATENCY_NONE;
	set_dirs(pr, NULL, NULL);
}

static void no_workers(struct ws_prediction *pr)
{
	static const char *const names[] = {"high load", "I/O-bound", "CPU headroom"};
	int i;

	pr->cls = CLASS_MIXED;
	pr->class_name = model_class_name(pr->cls);
	pr->async_helps = "no";
	pr->throughput_ratio = pr->ratio_low = pr->ratio_high = 1;
	for (i = 0; i < WS_MODEL_CONDITIONS; i++)
		set_condition(&pr->conditions[i], names[i], false);
	pr->load_basis = WS_LOAD_NONE;
	pr->advice = WS_ADVICE_NO_WORKERS;
	pr->latency = WS_LATENCY_NONE;
	set_dirs(pr, NULL, NULL);
}

int model_predict(const struct ws_model_input *in, struct ws_prediction *out)
{
	struct model_state st;
	double busy;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!in || !in->p || in->m.cpus < 1)
		return -EINVAL;
	derive(in, &st);
	out->workers = st.s.n;
	out->dispatchers = st.s.dispatchers;
	out->supervisors = st.s.supervisors;
	out->connections_held = st.queued >= 0 ? in->load.connections_avg : -1;
	out->listen_overflows = in->load.listen_overflows;
	out->recommended_workers = st.s.n;
	if (!st.s.n) {
		no_workers(out);
		if (!serves_clients(in->p))
			not_server(out);
		return -ENODATA;
	}

	busy = st.s.total - st.s.idle;
	out->busy_cpu = frac(st.s.cpu, busy);
	out->busy_runq = frac(st.s.runq, busy);
	out->busy_io = frac(st.s.io, busy);
	out->busy_lock = frac(st.s.lock, busy);
	out->busy_sleep = frac(st.s.sleep, busy);
	out->busy_client = frac(st.s.client, busy);
	out->idle_share = frac(st.s.idle, st.s.total);
	out->event_loops = st.s.loops;
	out->clients_mean = st.s.clients_mean_sum / st.s.n;
	out->clients_max = st.s.clients_max;
	/* Call latencies (hence the CPU inside connection syscalls) need --syscalls. */
	out->conn_cpu_share = in->p->syscalls_traced
				      ? min2(frac(conn_cpu_ns(in->p), st.s.cpu), 1.0)
				      : NAN;

	out->cls = classify(&st, out);
	out->class_name = model_class_name(out->cls);
	conditions(in, &st, out);
	ratios(&st, out);
	out->async_helps = verdict(out);
	recommend(in, out);
	out->advice = advise(out);
	latency(in, &st, out);
	if (!serves_clients(in->p))
		not_server(out);
	return 0;
}
