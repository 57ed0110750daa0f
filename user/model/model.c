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
#define ASYNC_MAX_IO 0.05      /* already-async: blocking net/disk/client share at most this */
#define ASYNC_POLL_SHARE 0.90  /* already-async: poll family's share of new-work waits */
#define DISPATCH_MAX_BUSY 0.10 /* dispatcher: busy share of its time at most this */
#define QUEUED_MIN 0.5         /* connections waiting inside the process: high load */

/* Sums over the worker threads, in ns. */
struct worker_sums {
	int n;
	double total, idle, cpu, runq, io, lock, sleep, client;
	int marked_loops;   /* workers profile_resolve_poll() marked as event loops */
	int dispatchers;    /* threads that only hand new work to the pool: not workers */
	int supervisors;    /* processes that only supervise worker processes: not workers */
	bool all_loop_like; /* every worker: high on-CPU, no blocking socket/disk waits, and its
			     * waits for new work in poll/epoll */
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

/* Waiting for new work (poll/epoll sets of listeners are idle already, in the kernel). */
static __u64 idle_ns(const struct ws_times *t)
{
	return t->blocked_by_cause[WS_CAUSE_IDLE];
}

/*
 * A worker serves requests: it waits for new work, for clients, for the network or the disk, or
 * it runs. A thread (almost) always asleep or blocked on something else (a main thread in
 * sigwait, a timer thread) is not one, even when it woke up once for a client or a socket.
 */
static bool is_worker(const struct ws_times *t)
{
	double acc = (double)ws_times_accounted(t);
	double obs = t->observed_ns ? (double)t->observed_ns : acc;
	double quiet =
		(double)(t->blocked_by_cause[WS_CAUSE_SLEEP] + t->blocked_by_cause[WS_CAUSE_OTHER]);
	__u64 work_waits = idle_ns(t) + t->blocked_by_cause[WS_CAUSE_CLIENT] +
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

	return idle_ns(t) > 0 && serving_waits(t) == 0 &&
	       total - (double)idle_ns(t) < DISPATCH_MAX_BUSY * total;
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
		if (idle_ns(t) > 0 && t->handoffs == 0)
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

/* Waiting in poll/select/epoll (the kernel's set-wait time). */
static double poll_wait_ns(const struct ws_thread *th)
{
	return (double)th->poll_ns;
}

static void sum_workers(const struct ws_model_input *in, struct worker_sums *s, double *max_obs)
{
	const struct ws_profile *p = in->p;
	bool *disp = calloc(p->n_threads ? p->n_threads : 1, sizeof(*disp));
	bool *sup = calloc(p->n_threads ? p->n_threads : 1, sizeof(*sup));
	__u32 *tgids = NULL;
	size_t i, j, n_tgids = profile_tgids(p, &tgids);

	memset(s, 0, sizeof(*s));
	s->all_loop_like = true;
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
		double busy = total - (double)idle_ns(t);
		double io = (double)(c[WS_CAUSE_NET] + c[WS_CAUSE_DISK] + c[WS_CAUSE_CLIENT]);

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
		if (io > ASYNC_MAX_IO * busy || (double)t->on_cpu_ns < CPU_BOUND_CPU * busy ||
		    poll_wait_ns(&p->threads[i]) <= 0 ||
		    poll_wait_ns(&p->threads[i]) < ASYNC_POLL_SHARE * (double)idle_ns(t))
			s->all_loop_like = false;
		s->marked_loops += p->threads[i].event_loop;
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

	/* Marked by the profile (poll/epoll over many sockets), or loop-shaped and few. */
	st->already_async =
		st->s.n > 0 &&
		(st->s.marked_loops == st->s.n ||
		 (st->s.n <= in->m.cpus && st->s.all_loop_like && idle_share < UNDERLOADED_IDLE));
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
	c->evidence[0] = '\0';
}

static void conditions(const struct ws_model_input *in, const struct model_state *st,
		       struct ws_prediction *pr)
{
	const struct ws_load *ld = &in->load;
	struct ws_condition *c = pr->conditions;
	double io = pr->busy_io + pr->busy_client;
	double room = cpu_ratio(st, WS_MODEL_OH);
	char quota[40] = "";

	if (in->m.cpu_quota > 0)
		snprintf(quota, sizeof(quota), ", cgroup quota %.2f CPUs", in->m.cpu_quota);

	set_condition(&c[0], "high load",
		      st->queued >= 0 ? st->queued >= QUEUED_MIN || ld->accept_queue_avg > 0
				      : pr->idle_share < HIGH_LOAD_IDLE || ld->accept_queue_avg > 0);
	if (st->queued >= 0)
		snprintf(c[0].evidence, sizeof(c[0].evidence),
			 "%d dispatcher thread(s) hand connections to the pool: %.1f connections "
			 "held on average, %.1f in service, %.1f waiting",
			 st->s.dispatchers, ld->connections_avg, st->n_busy, st->queued);
	else if (st->s.dispatchers)
		snprintf(c[0].evidence, sizeof(c[0].evidence),
			 "workers wait for new work %.1f%% of the time; a dispatcher thread queues "
			 "work inside the process: queue not visible",
			 pr->idle_share * 100);
	else if (ld->accept_queue_avg >= 0)
		snprintf(c[0].evidence, sizeof(c[0].evidence),
			 "workers wait for new work %.1f%% of the time; accept queue avg %.1f, max "
			 "%.0f",
			 pr->idle_share * 100, ld->accept_queue_avg, max2(ld->accept_queue_max, 0));
	else
		snprintf(c[0].evidence, sizeof(c[0].evidence),
			 "workers wait for new work %.1f%% of the time; accept queue not sampled",
			 pr->idle_share * 100);

	if (ld->listen_overflows > 0) {
		size_t len = strlen(c[0].evidence);

		snprintf(c[0].evidence + len, sizeof(c[0].evidence) - len,
			 "; %.0f listen overflows (machine-wide)", ld->listen_overflows);
	}

	set_condition(&c[1], "I/O-bound", io >= IO_BOUND_IO);
	snprintf(c[1].evidence, sizeof(c[1].evidence),
		 "per busy worker-second: net+disk %.0f%%, client %.0f%%, cpu %.0f%%, lock %.0f%%",
		 pr->busy_io * 100, pr->busy_client * 100, pr->busy_cpu * 100, pr->busy_lock * 100);

	set_condition(&c[2], "CPU headroom", room >= HEADROOM_RATIO);
	snprintf(c[2].evidence, sizeof(c[2].evidence),
		 "workers use %.2f of %.2f CPUs free for them (%d online%s, %s busy "
		 "elsewhere): room for x%.2f",
		 st->u_cpu, st->avail, in->m.cpus, quota,
		 in->m.busy_cpus >= 0 ? "measured" : "none assumed", room);
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

/* ", or N sync workers (+K, ~M MiB more RSS)": the sync way to the same throughput. */
static void sync_alternative(char *buf, size_t size, const struct ws_prediction *pr)
{
	if (pr->recommended_workers <= pr->workers) {
		buf[0] = '\0';
		return;
	}
	if (pr->recommended_extra_rss)
		snprintf(buf, size, "; or %d sync workers (+%d, ~%.0f MiB RSS) for the same",
			 pr->recommended_workers, pr->recommended_workers - pr->workers,
			 (double)pr->recommended_extra_rss / (1 << 20));
	else
		snprintf(buf, size, "; or %d sync workers (+%d, RSS unknown) for the same",
			 pr->recommended_workers, pr->recommended_workers - pr->workers);
}

static void advise(const struct model_state *st, struct ws_prediction *pr)
{
	char alt[96];
	size_t n = sizeof(pr->advice);

	sync_alternative(alt, sizeof(alt), pr);
	switch (pr->cls) {
	case CLASS_UNDERLOADED:
		snprintf(pr->advice, n,
			 "workers wait for new work %.0f%% of the time: the offered load, not the "
			 "server, limits throughput; neither async nor more workers will raise it",
			 pr->idle_share * 100);
		break;
	case CLASS_CPU_STARVED:
		snprintf(pr->advice, n,
			 "workers wait %.0f%% of busy time for a CPU: add cores or cut CPU use "
			 "elsewhere; more concurrency (async or more workers) makes it worse",
			 pr->busy_runq * 100);
		break;
	case CLASS_CPU_BOUND:
		if (pr->recommended_workers > pr->workers)
			snprintf(pr->advice, n,
				 "requests are %.0f%% CPU: async removes no wait and adds "
				 "overhead; its x%.2f comes from idle cores%s",
				 pr->busy_cpu * 100, pr->throughput_ratio, alt);
		else
			snprintf(pr->advice, n,
				 "requests are %.0f%% CPU: throughput is bound by the CPUs; async "
				 "removes no wait and adds overhead",
				 pr->busy_cpu * 100);
		break;
	case CLASS_LOCK_BOUND:
		snprintf(pr->advice, n,
			 "workers wait on locks %.0f%% of busy time: async does not remove lock "
			 "contention (and a futex wait stalls a whole loop); shorten or split the "
			 "lock",
			 pr->busy_lock * 100);
		break;
	case CLASS_ALREADY_ASYNC:
		snprintf(pr->advice, n,
			 "%d workers wait for new work in poll/epoll, never block on sockets or "
			 "disk, and run %.0f%% of busy time: already an event loop",
			 pr->workers, pr->busy_cpu * 100);
		break;
	case CLASS_IO_BOUND:
	case CLASS_MIXED:
		if (!strcmp(pr->async_helps, "no"))
			snprintf(pr->advice, n,
				 "an event loop would reach x%.2f of today's throughput: %s",
				 pr->throughput_ratio,
				 !pr->conditions[0].met	  ? "the offered load is already served"
				 : !pr->conditions[2].met ? "too little spare CPU"
							  : "the offered load above today's is not "
							    "known (no accept queue)");
		else
			snprintf(pr->advice, n,
				 "an event loop on %.1f CPUs would reach x%.2f (x%.2f..x%.2f)%s",
				 st->avail, pr->throughput_ratio, pr->ratio_low, pr->ratio_high,
				 alt);
		break;
	}
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
	char queue[48] = "", req[48] = "";
	size_t n = sizeof(pr->latency_note);
	double q = in->load.accept_queue_avg;
	bool cpu_saturated = cpu_ratio(st, WS_MODEL_OH) < st->load_cap;
	bool tail_risk;
	const char *d50, *d99;

	if (q > 0 && st->rate > 0)
		snprintf(queue, sizeof(queue), " (~%.1f ms in the accept queue)",
			 q / st->rate * 1e3);
	if (st->t_busy_ms >= 0)
		snprintf(req, sizeof(req), " (~%.1f ms busy per connection)", st->t_busy_ms);

	if (pr->cls == CLASS_ALREADY_ASYNC) {
		snprintf(pr->latency_note, n,
			 "no change predicted: the server already multiplexes connections");
		set_dirs(pr, "unchanged", "unchanged");
		return;
	}
	if (!pr->conditions[0].met || pr->cls == CLASS_UNDERLOADED) {
		snprintf(pr->latency_note, n,
			 "p50 and p99 about unchanged: requests do not queue for a worker; each "
			 "takes its service time%s either way",
			 req);
		set_dirs(pr, "unchanged", "unchanged");
		return;
	}
	d50 = dir_of(1 / pr->throughput_ratio);
	tail_risk = pr->cls == CLASS_LOCK_BOUND || pr->cls == CLASS_CPU_STARVED ||
		    pr->cls == CLASS_CPU_BOUND || (cpu_saturated && pr->busy_cpu >= TAIL_CPU_SHARE);
	d99 = tail_risk ? "up" : d50;
	set_dirs(pr, d50, d99);
	if (tail_risk)
		snprintf(pr->latency_note, n,
			 "p50 %s, p99 up: clients / throughput sets the mean (x%.2f)%s, but %s, so "
			 "one slow request delays the others on its loop: the tail is at risk",
			 d50, 1 / pr->throughput_ratio, queue,
			 pr->cls == CLASS_LOCK_BOUND ? "a lock still serializes requests"
						     : "CPU-heavy requests share saturated CPUs");
	else
		snprintf(pr->latency_note, n,
			 "p50 %s, p99 %s: clients / throughput sets the mean (x%.2f)%s; sync at "
			 "saturation has p50~p99 from queueing, async leaves the I/O time%s",
			 d50, d99, 1 / pr->throughput_ratio, queue, req);
}

static void no_workers(struct ws_prediction *pr)
{
	int i;

	pr->cls = CLASS_MIXED;
	pr->class_name = model_class_name(pr->cls);
	pr->async_helps = "no";
	pr->throughput_ratio = pr->ratio_low = pr->ratio_high = 1;
	for (i = 0; i < WS_MODEL_CONDITIONS; i++) {
		static const char *const names[] = {"high load", "I/O-bound", "CPU headroom"};

		set_condition(&pr->conditions[i], names[i], false);
		snprintf(pr->conditions[i].evidence, sizeof(pr->conditions[i].evidence),
			 "no worker threads");
	}
	snprintf(pr->advice, sizeof(pr->advice),
		 "no worker threads found: no thread waited for work, clients, network or disk, "
		 "or ran more than 1%% of the window");
	snprintf(pr->latency_note, sizeof(pr->latency_note), "no prediction");
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
	advise(&st, out);
	latency(in, &st, out);
	return 0;
}

static const char *headline(const char *helps)
{
	if (!strcmp(helps, "yes"))
		return "async would raise throughput";
	if (!strcmp(helps, "marginal"))
		return "async might raise throughput a little";
	return "async would not raise throughput";
}

void model_report_text(FILE *f, const struct ws_prediction *pr)
{
	int i;

	fprintf(f, "async model: %s: %s, x%.2f (x%.2f..x%.2f) [%s, %d workers]\n", pr->async_helps,
		headline(pr->async_helps), pr->throughput_ratio, pr->ratio_low, pr->ratio_high,
		pr->class_name, pr->workers);
	fprintf(f,
		"  per busy worker-second: cpu %.1f%%, runq %.1f%%, io %.1f%%, lock %.1f%%, "
		"sleep %.1f%%, client %.1f%%; idle %.1f%% of worker time\n",
		pr->busy_cpu * 100, pr->busy_runq * 100, pr->busy_io * 100, pr->busy_lock * 100,
		pr->busy_sleep * 100, pr->busy_client * 100, pr->idle_share * 100);
	for (i = 0; i < WS_MODEL_CONDITIONS; i++)
		fprintf(f, "  [%s] %s: %s\n", pr->conditions[i].met ? "met" : "not met",
			pr->conditions[i].name, pr->conditions[i].evidence);
	fprintf(f, "  advice: %s\n", pr->advice);
	fprintf(f, "  latency: %s\n", pr->latency_note);
	if (pr->conn_cpu_share > 0.005)
		fprintf(f, "  conservative: %.0f%% of the workers' CPU went to connection set-up and "
			"teardown, which an async server keeping connections alive would save; the "
			"ratio does not count it (up to x%.2f more)\n", pr->conn_cpu_share * 100,
			1.0 / (1.0 - min2(pr->conn_cpu_share, 0.9)));
}

void model_report_json(struct json_writer *w, const struct ws_prediction *pr)
{
	int i;

	json_key(w, "classification");
	json_obj_begin(w);
	json_kv_str(w, "class", pr->class_name);
	json_key(w, "shares");
	json_obj_begin(w);
	json_kv_double(w, "cpu", pr->busy_cpu, 4);
	json_kv_double(w, "runq", pr->busy_runq, 4);
	json_kv_double(w, "io", pr->busy_io, 4);
	json_kv_double(w, "lock", pr->busy_lock, 4);
	json_kv_double(w, "sleep", pr->busy_sleep, 4);
	json_kv_double(w, "client", pr->busy_client, 4);
	json_kv_double(w, "idle", pr->idle_share, 4);
	json_obj_end(w);
	json_obj_end(w);

	json_key(w, "prediction");
	json_obj_begin(w);
	json_kv_str(w, "async_helps", pr->async_helps);
	json_kv_double(w, "throughput_ratio", pr->throughput_ratio, 3);
	json_kv_double(w, "ratio_low", pr->ratio_low, 3);
	json_kv_double(w, "ratio_high", pr->ratio_high, 3);
	json_key(w, "conditions");
	json_arr_begin(w);
	for (i = 0; i < WS_MODEL_CONDITIONS; i++) {
		json_obj_begin(w);
		json_kv_str(w, "name", pr->conditions[i].name);
		json_kv_bool(w, "met", pr->conditions[i].met);
		json_kv_str(w, "evidence", pr->conditions[i].evidence);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_kv_i64(w, "workers", pr->workers);
	json_kv_i64(w, "dispatchers", pr->dispatchers);
	json_kv_i64(w, "supervisors", pr->supervisors);
	if (pr->connections_held >= 0)
		json_kv_double(w, "connections_held", pr->connections_held, 1);
	else
		json_kv_null(w, "connections_held");
	if (pr->listen_overflows >= 0)
		json_kv_double(w, "listen_overflows", pr->listen_overflows, 0);
	else
		json_kv_null(w, "listen_overflows");
	json_kv_i64(w, "recommended_workers", pr->recommended_workers);
	json_kv_u64(w, "recommended_extra_rss_bytes", pr->recommended_extra_rss);
	json_kv_str(w, "advice", pr->advice);
	json_kv_str(w, "latency_note", pr->latency_note);
	json_kv_str(w, "latency_p50", pr->latency_p50);
	json_kv_str(w, "latency_p99", pr->latency_p99);
	json_kv_double(w, "connection_cpu_share", pr->conn_cpu_share, 4);
	json_obj_end(w);
}
