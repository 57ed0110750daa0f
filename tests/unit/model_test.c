/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_lite.h"
#include "model/model.h"
#include "report/report.h"
#include "report/verdict.h"
#include "util/json.h"

#define MT_START 1000000000ULL
#define MT_WINDOW_NS 10000000000ULL /* 10 s */
#define MT_TGID 4242

/* How one thread spent the window, as shares of it (the rest is not accounted). */
struct mt_shares {
	double cpu, runq, idle, poll, net, disk, lock, sleep, client, other, parked;
	double clients; /* mean client connections in its set (poll) waits; max: rounded up */
};

static void mt_profile(struct ws_profile *p)
{
	profile_init(p);
	cr_assert_eq(profile_add_target(p, MT_TGID, "server"), 0);
	p->targets[0].has_listener = true;
	p->window_start_ns = MT_START;
	p->window_end_ns = MT_START + MT_WINDOW_NS;
}

static __u64 mt_ns(double share)
{
	return (__u64)llround(share * (double)MT_WINDOW_NS);
}

/* Add a thread alive the whole window that spent it as s says. */
static void mt_thread(struct ws_profile *p, __u32 tid, const struct mt_shares *s)
{
	struct ws_thread *th;
	__u64 *c;

	th = realloc(p->threads, (p->n_threads + 1) * sizeof(*th));
	cr_assert_not_null(th);
	p->threads = th;
	p->cap_threads = p->n_threads + 1;
	th = &p->threads[p->n_threads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->tgid = MT_TGID;
	snprintf(th->comm, sizeof(th->comm), "w%u", tid);
	c = th->t.blocked_by_cause;
	th->t.on_cpu_ns = mt_ns(s->cpu);
	th->t.runq_ns = mt_ns(s->runq);
	/* poll: waits on a set of listeners, which the kernel calls idle */
	c[WS_CAUSE_IDLE] = mt_ns(s->idle) + mt_ns(s->poll);
	th->poll_ns = mt_ns(s->poll);
	th->t.set_wait_ns = th->poll_ns;
	th->t.set_client_ns = (__u64)llround(s->clients * (double)th->poll_ns);
	th->set_clients_max = (__u32)ceil(s->clients);
	c[WS_CAUSE_NET] = mt_ns(s->net);
	c[WS_CAUSE_DISK] = mt_ns(s->disk);
	c[WS_CAUSE_LOCK] = mt_ns(s->lock);
	c[WS_CAUSE_SLEEP] = mt_ns(s->sleep);
	c[WS_CAUSE_CLIENT] = mt_ns(s->client);
	c[WS_CAUSE_OTHER] = mt_ns(s->other);
	c[WS_CAUSE_PARKED] = mt_ns(s->parked);
	for (int i = 0; i < WS_CAUSE_KINDS; i++)
		th->t.blocked_ns += c[i];
	th->t.observed_ns = MT_WINDOW_NS;
}

/* n identical workers. */
static void mt_workers(struct ws_profile *p, int n, const struct mt_shares *s)
{
	for (int i = 0; i < n; i++)
		mt_thread(p, 100 + (__u32)i, s);
}

static void mt_syscall(struct ws_profile *p, __u32 nr, __u64 count)
{
	struct ws_syscall *sc = realloc(p->syscalls, (p->n_syscalls + 1) * sizeof(*sc));

	cr_assert_not_null(sc);
	p->syscalls = sc;
	sc = &p->syscalls[p->n_syscalls++];
	memset(sc, 0, sizeof(*sc));
	sc->nr = nr;
	sc->s.count = count;
}

static struct ws_model_input mt_input(const struct ws_profile *p, int cpus, double queue_avg)
{
	struct ws_model_input in = {
		.p = p,
		.m = {.cpus = cpus, .busy_cpus = -1, .cpu_quota = -1, .runnable_avg = -1},
		.load = {.accept_queue_avg = queue_avg,
			 .accept_queue_max = queue_avg < 0 ? -1 : queue_avg * 1.5,
			 .accepts_per_s = -1, .connections_avg = -1, .listen_overflows = -1},
		.worker_rss_bytes = 0,
	};

	return in;
}

/* The sentences of pr, as the reports word them (valid until the next call). */
static const struct verdict_prose *mt_words(const struct ws_prediction *pr)
{
	static struct verdict_prose vp;

	verdict_prose(pr, &vp);
	return &vp;
}

/* Predict and check what holds for every prediction. */
static struct ws_prediction mt_predict(const struct ws_model_input *in)
{
	struct ws_prediction pr;

	cr_assert_eq(model_predict(in, &pr), 0);
	cr_assert_not_null(pr.class_name);
	cr_assert_not_null(pr.async_helps);
	cr_expect_leq(pr.ratio_low, pr.throughput_ratio + 1e-9, "low %f <= point %f", pr.ratio_low,
		      pr.throughput_ratio);
	cr_expect_leq(pr.throughput_ratio, pr.ratio_high + 1e-9, "point %f <= high %f",
		      pr.throughput_ratio, pr.ratio_high);
	cr_expect_geq(pr.recommended_workers, pr.workers);
	for (int i = 0; i < WS_MODEL_CONDITIONS; i++) {
		cr_expect_not_null(pr.conditions[i].name);
		cr_expect_neq(mt_words(&pr)->evidence[i][0], '\0');
	}
	cr_expect_neq(mt_words(&pr)->advice[0], '\0');
	cr_expect_neq(mt_words(&pr)->latency[0], '\0');
	cr_expect_not_null(pr.latency_p50);
	cr_expect_not_null(pr.latency_p99);
	return pr;
}

static const struct mt_shares io_worker = {.cpu = 0.05, .net = 0.95};

/* A main thread that only waits for signals: never a worker. */
static const struct mt_shares main_thread = {.other = 1.0};

Test(model, io_bound_saturated_says_yes,
     .description = "4 workers at 5% CPU, 95% net, no idle, 2 CPUs, queue 50: yes, x~8")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_thread(&p, 1, &main_thread);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	in.worker_rss_bytes = 8 << 20;
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_IO_BOUND);
	cr_expect_str_eq(pr.class_name, "io-bound");
	cr_expect_str_eq(pr.async_helps, "yes");
	cr_expect_eq(pr.workers, 4, "the signal-waiting main thread is not a worker");
	cr_expect(pr.throughput_ratio >= 6 && pr.throughput_ratio <= 11, "ratio %f",
		  pr.throughput_ratio);
	/* 2 / (4 * 0.05 * overhead) for overheads 1.3 and 1.1 */
	cr_expect_float_eq(pr.ratio_low, 2 / (0.2 * WS_MODEL_OH_HIGH), 1e-6);
	cr_expect_float_eq(pr.ratio_high, 2 / (0.2 * WS_MODEL_OH_LOW), 1e-6);
	cr_expect_float_eq(pr.busy_cpu, 0.05, 1e-9);
	cr_expect_float_eq(pr.busy_io, 0.95, 1e-9);
	cr_expect_float_eq(pr.idle_share, 0, 1e-9);
	cr_expect_eq(pr.recommended_workers, (int)ceil(4 * pr.throughput_ratio));
	cr_expect_eq(pr.recommended_extra_rss, (__u64)(pr.recommended_workers - 4) * (8 << 20));
	for (int i = 0; i < WS_MODEL_CONDITIONS; i++)
		cr_expect(pr.conditions[i].met, "%s", pr.conditions[i].name);
	cr_expect_not_null(strstr(mt_words(&pr)->latency, "p50 down, p99 down"), "%s",
			   mt_words(&pr)->latency);
	cr_expect_str_eq(pr.latency_p50, "down");
	cr_expect_str_eq(pr.latency_p99, "down");
	profile_free(&p);
}

Test(model, queue_caps_the_point_estimate,
     .description = "a shallow accept queue caps the point at (N + queue) / N, not the high end")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, 4); /* (4 + 4) / 4 = 2 */
	pr = mt_predict(&in);
	cr_expect_float_eq(pr.throughput_ratio, 2.0, 1e-6);
	cr_expect_float_eq(pr.ratio_low, 2.0, 1e-6);
	cr_expect_float_eq(pr.ratio_high, 2 / (0.2 * WS_MODEL_OH_LOW), 1e-6);
	cr_expect_str_eq(pr.async_helps, "yes");
	profile_free(&p);
}

Test(model, unknown_queue_is_at_most_marginal,
     .description = "saturated I/O-bound workers without queue samples: offered load unknown")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, -1);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_IO_BOUND);
	cr_expect_str_eq(pr.async_helps, "marginal");
	cr_expect_float_eq(pr.ratio_low, 1.0, 1e-9);
	cr_expect_gt(pr.throughput_ratio, 6);
	profile_free(&p);
}

Test(model, empty_queue_means_no_more_load,
     .description = "accept queue sampled empty: async cannot serve more than is offered")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	pr = mt_predict(&in);
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect_float_eq(pr.throughput_ratio, 1.0, 1e-9);
	profile_free(&p);
}

Test(model, other_processes_take_cpus,
     .description = "CPUs busy in other processes are not available to the event loop")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	in.m.busy_cpus = 1.2; /* the workers use 0.2: 1.0 CPU elsewhere */
	pr = mt_predict(&in);
	cr_expect_float_eq(pr.throughput_ratio, 1.0 / (0.2 * WS_MODEL_OH), 1e-6);
	profile_free(&p);
}

Test(model, underloaded_says_no, .description = "workers 90% idle: underloaded, no, ratio 1")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.02, .net = 0.08, .idle = 0.90};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_UNDERLOADED);
	cr_expect_str_eq(pr.class_name, "underloaded");
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect_float_eq(pr.throughput_ratio, 1.0, 1e-9);
	cr_expect_float_eq(pr.idle_share, 0.9, 1e-9);
	cr_expect_not(pr.conditions[0].met);
	profile_free(&p);
}

Test(model, parked_is_spare_not_lock,
     .description = "workers parked between handoffs: spare capacity (underloaded), no lock")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.02, .net = 0.08, .idle = 0.30, .parked = 0.60};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	pr = mt_predict(&in);
	cr_expect_eq(pr.workers, 4);
	cr_expect_eq(pr.cls, CLASS_UNDERLOADED);
	cr_expect_float_eq(pr.idle_share, 0.9, 1e-9);
	cr_expect_float_eq(pr.busy_lock, 0, 1e-12, "parked never counts as lock");
	profile_free(&p);
}

Test(model, parked_threads_are_not_workers,
     .description = "threads parked the whole window (Redis bio_*) are not workers")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares loop = {.cpu = 0.60, .client = 0.40};
	struct mt_shares bio = {.parked = 1.0};

	mt_profile(&p);
	mt_thread(&p, 100, &loop);
	mt_thread(&p, 101, &bio);
	mt_thread(&p, 102, &bio);
	mt_thread(&p, 103, &bio);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	pr = mt_predict(&in);
	cr_expect_eq(pr.workers, 1, "only the loop serves");
	cr_expect_float_eq(pr.idle_share, 0, 1e-9, "the parked threads add no spare capacity");
	profile_free(&p);
}

Test(model, cpu_bound_says_no, .description = "workers 95% on CPU: cpu-bound, no, ratio ~1")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.95, .net = 0.03, .idle = 0.02};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	profile_finish(&p);
	in = mt_input(&p, 4, 10);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_CPU_BOUND);
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect(pr.throughput_ratio >= 0.8 && pr.throughput_ratio <= 1.2, "ratio %f",
		  pr.throughput_ratio);
	cr_expect_not_null(strstr(mt_words(&pr)->latency, "p99 up"), "%s", mt_words(&pr)->latency);
	/* same throughput, same clients: the mean (Little's law) and so p50 stay */
	cr_expect_str_eq(pr.latency_p50, "unchanged");
	cr_expect_str_eq(pr.latency_p99, "up", "the tail is at risk on a CPU-bound loop");
	profile_free(&p);
}

Test(model, cpu_starved_says_no, .description = "run-queue 40% of busy time: cpu-starved, no")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.40, .runq = 0.40, .net = 0.20};

	mt_profile(&p);
	mt_workers(&p, 8, &s);
	profile_finish(&p);
	in = mt_input(&p, 2, 20);
	in.m.busy_cpus = 2;
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_CPU_STARVED);
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect_float_eq(pr.busy_runq, 0.4, 1e-9);
	cr_expect_not_null(strstr(mt_words(&pr)->advice, "cores"), "%s", mt_words(&pr)->advice);
	profile_free(&p);
}

Test(model, lock_bound_says_no, .description = "lock 70% of busy time: lock-bound, no")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.30, .lock = 0.70};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	profile_finish(&p);
	in = mt_input(&p, 8, 50);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_LOCK_BOUND);
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect_float_eq(pr.busy_lock, 0.7, 1e-9);
	cr_expect_leq(pr.ratio_high, 1.0, "more loops do not widen a lock: %f", pr.ratio_high);
	cr_expect_eq(pr.recommended_workers, 4);
	profile_free(&p);
}

Test(model, cpu_heavy_mix_is_not_yes,
     .description = "40% CPU, 60% net, 4 workers on 2 CPUs: x~1.0-1.25, not yes")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.40, .net = 0.60};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	pr = mt_predict(&in);
	cr_expect_str_neq(pr.async_helps, "yes");
	cr_expect(pr.throughput_ratio >= 0.9 && pr.throughput_ratio <= 1.3, "ratio %f",
		  pr.throughput_ratio);
	cr_expect_not(pr.conditions[2].met, "no CPU headroom");
	profile_free(&p);
}

Test(model, moderate_headroom_is_marginal,
     .description = "a point ratio between 1.15 and 1.5 is marginal")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.30, .net = 0.70};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	profile_finish(&p);
	in = mt_input(&p, 2, 50); /* 2 / (1.2 * 1.2) = 1.39 */
	pr = mt_predict(&in);
	cr_expect_float_eq(pr.throughput_ratio, 2 / (1.2 * WS_MODEL_OH), 1e-6);
	cr_expect_str_eq(pr.async_helps, "marginal");
	profile_free(&p);
}

Test(model, event_loop_is_already_async,
     .description = "few threads waiting only in epoll, mostly on CPU: already-async, no")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	/* its waits multiplex 20 client connections on average */
	struct mt_shares s = {.cpu = 0.80, .poll = 0.20, .clients = 20};

	mt_profile(&p);
	mt_workers(&p, 2, &s);
	profile_finish(&p);
	in = mt_input(&p, 4, -1);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_ALREADY_ASYNC);
	cr_expect_str_eq(pr.class_name, "already-async");
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect_float_eq(pr.throughput_ratio, 1.0, 1e-9);
	profile_free(&p);
}

Test(model, sync_accept_waits_are_not_async,
     .description = "the same shares waiting in accept (not poll) are a cpu-bound sync pool")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.80, .idle = 0.20};

	mt_profile(&p);
	mt_workers(&p, 2, &s);
	profile_finish(&p);
	in = mt_input(&p, 4, -1);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_CPU_BOUND);
	profile_free(&p);
}

Test(model, accept_count_gives_request_time,
     .description = "accept4 counts give the rate, and the latency note a time per connection")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	mt_syscall(&p, 288, 2000); /* accept4: 200/s, 4 busy workers -> 20 ms each */
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	pr = mt_predict(&in);
	cr_expect_not_null(strstr(mt_words(&pr)->latency, "20.0 ms busy per connection"), "%s",
			   mt_words(&pr)->latency);
	cr_expect_not_null(strstr(mt_words(&pr)->latency, "250.0 ms in the accept queue"), "%s",
			   mt_words(&pr)->latency);
	cr_expect_float_eq(pr.conns_per_s, 200, 1e-6);
	cr_expect_str_eq(pr.async_helps, "yes");
	cr_expect_not_null(strstr(mt_words(&pr)->advice, "serving ~200 connections/s"), "%s",
			   mt_words(&pr)->advice);
	profile_free(&p);
}

Test(model, no_workers_and_bad_input,
     .description = "-ENODATA without workers, -EINVAL on bad input")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_thread(&p, 1, &main_thread);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	cr_expect_eq(model_predict(&in, &pr), -ENODATA);
	cr_expect_str_eq(pr.async_helps, "no");
	cr_expect_eq(pr.workers, 0);
	cr_expect_neq(mt_words(&pr)->advice[0], '\0');
	cr_expect_eq(model_predict(NULL, &pr), -EINVAL);
	cr_expect_null(pr.class_name, "out is zeroed on bad input");
	cr_expect_eq(model_predict(&in, NULL), -EINVAL);
	in.m.cpus = 0;
	cr_expect_eq(model_predict(&in, &pr), -EINVAL);
	in.m.cpus = 2;
	in.p = NULL;
	cr_expect_eq(model_predict(&in, &pr), -EINVAL);
	profile_free(&p);
}

static char *mt_capture_text(const struct ws_prediction *pr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	report_verdict_text(f, pr);
	fclose(f);
	return buf;
}

static char *mt_capture_json(const struct ws_prediction *pr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;

	cr_assert_not_null(f);
	json_init(&w, f, 0);
	json_obj_begin(&w);
	report_verdict_json(&w, pr);
	json_obj_end(&w);
	cr_expect_not(w.error);
	fclose(f);
	return buf;
}

static struct ws_prediction mt_io_prediction(void)
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	pr = mt_predict(&in);
	profile_free(&p);
	return pr;
}

Test(model, text_has_headline_then_conditions,
     .description = "text: the headline first, then every condition with its evidence")
{
	struct ws_prediction pr = mt_io_prediction();
	char *out = mt_capture_text(&pr), *prev = out;

	cr_expect_eq(strncmp(out, "async model: yes: async would raise throughput", 46), 0, "%s",
		     out);
	for (int i = 0; i < WS_MODEL_CONDITIONS; i++) {
		char *at = strstr(out, pr.conditions[i].name);

		cr_expect_not_null(at, "%s missing:\n%s", pr.conditions[i].name, out);
		cr_expect_not_null(strstr(out, mt_words(&pr)->evidence[i]));
		cr_expect_gt(at, prev, "conditions in order");
		prev = at ? at : prev;
	}
	cr_expect_not_null(strstr(out, "advice: "));
	cr_expect_not_null(strstr(out, "latency: "));
	free(out);
}

Test(model, json_parses_with_every_key, .description = "JSON: strict, with the documented keys")
{
	struct ws_prediction pr = mt_io_prediction();
	char *out = mt_capture_json(&pr), err[128];
	struct jl_value *v = jl_parse(out, strlen(out), err, sizeof(err));
	static const char *const shares[] = {"cpu",   "runq",	"io",  "lock",
					     "sleep", "client", "idle"};
	double d = 0;
	uint64_t u = 0;
	bool met = false;

	cr_assert_not_null(v, "%s\n%s", err, out);
	cr_expect_str_eq(jl_get_str(v, "classification.class"), "io-bound");
	for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "classification.shares.%s", shares[i]);
		cr_expect(jl_get_double(v, path, &d), "%s", path);
	}
	cr_expect(jl_get_double(v, "classification.shares.io", &d));
	cr_expect_float_eq(d, 0.95, 1e-4);
	cr_expect_str_eq(jl_get_str(v, "prediction.async_helps"), "yes");
	cr_expect(jl_get_double(v, "prediction.throughput_ratio", &d));
	cr_expect_float_eq(d, pr.throughput_ratio, 1e-3);
	cr_expect(jl_get_double(v, "prediction.ratio_low", &d));
	cr_expect(jl_get_double(v, "prediction.ratio_high", &d));
	cr_expect_eq(jl_len(jl_get(v, "prediction.conditions")), WS_MODEL_CONDITIONS);
	cr_expect_str_eq(jl_get_str(v, "prediction.conditions[0].name"), "high load");
	cr_expect(jl_get_bool(v, "prediction.conditions[1].met", &met) && met);
	cr_expect_not_null(jl_get_str(v, "prediction.conditions[2].evidence"));
	cr_expect(jl_get_u64(v, "prediction.workers", &u) && u == 4);
	cr_expect(jl_get_u64(v, "prediction.dispatchers", &u) && u == 0);
	cr_expect_not_null(jl_get(v, "prediction.connections_held"));
	cr_expect_eq(jl_get(v, "prediction.connections_held")->type, JL_NULL);
	cr_expect(jl_get_u64(v, "prediction.recommended_workers", &u) &&
		  u == (uint64_t)pr.recommended_workers);
	cr_expect_str_eq(jl_get_str(v, "prediction.latency_p50"), "down");
	cr_expect_str_eq(jl_get_str(v, "prediction.latency_p99"), "down");
	jl_free(v);
	free(out);
}

Test(model, connection_cpu_is_measured,
     .description = "CPU in accept/close (not blocked) is reported as the async saving not counted")
{
	struct ws_profile p;
	struct ws_prediction pr;
	struct ws_model_input in;
	double cpu = 0;
	size_t i;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	for (i = 0; i < p.n_threads; i++)
		cpu += (double)p.threads[i].t.on_cpu_ns;
	mt_syscall(&p, 288, 1000); /* accept4 */
	mt_syscall(&p, 3, 1000);   /* close */
	/* accept4: 30% of the workers' CPU in calls, plus blocked time that must not count */
	p.syscalls[0].s.total_ns = (__u64)(cpu * 0.30) + 5000000000ull;
	p.syscalls[0].s.blocked_ns = 5000000000ull;
	p.syscalls[1].s.total_ns = (__u64)(cpu * 0.10);
	p.syscalls_traced = true; /* call latencies exist only with --syscalls */
	in = mt_input(&p, 2, 50);
	pr = mt_predict(&in);
	cr_assert_float_eq(pr.conn_cpu_share, 0.40, 0.01, "share %f", pr.conn_cpu_share);
	/* Without --syscalls the same counters are not there: unknown, not 0 */
	p.syscalls_traced = false;
	pr = mt_predict(&in);
	cr_assert(isnan(pr.conn_cpu_share), "share %f", pr.conn_cpu_share);
	profile_free(&p);
}

/* A thread-pool server: one acceptor thread queues connections for 4 pool workers. */
static void mt_pool(struct ws_profile *p, int serving)
{
	static const struct mt_shares acceptor = {.cpu = 0.001, .idle = 0.999};

	mt_profile(p);
	mt_thread(p, 1, &main_thread);
	mt_thread(p, 2, &acceptor);
	mt_workers(p, serving, &io_worker);
	profile_finish(p);
}

Test(model, saturated_pool_behind_an_acceptor_says_yes,
     .description = "acceptor idle 100%, 4 pool workers 95% net, 64 connections held: yes")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_pool(&p, 4);
	in = mt_input(&p, 2, 0); /* the acceptor drains the accept queue */
	in.load.connections_avg = 64;
	pr = mt_predict(&in);
	cr_expect_eq(pr.dispatchers, 1);
	cr_expect_eq(pr.workers, 4, "the acceptor is not a worker");
	cr_expect_float_eq(pr.idle_share, 0, 1e-9);
	cr_expect(pr.conditions[0].met, "high load: %s", mt_words(&pr)->evidence[0]);
	cr_expect_str_eq(pr.async_helps, "yes");
	/* CPU bound: 2 / (4 * 0.05 * 1.2), under the offered load 64 / 4 */
	cr_expect_float_eq(pr.throughput_ratio, 2 / (0.2 * WS_MODEL_OH), 0.05);
	cr_expect_float_eq(pr.connections_held, 64, 1e-9);
	profile_free(&p);
}

Test(model, pool_with_nothing_queued_says_no,
     .description = "2 of the pool's connections in service, none waiting: not high load, x1")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_pool(&p, 2);
	in = mt_input(&p, 2, 0);
	in.load.connections_avg = 2;
	pr = mt_predict(&in);
	cr_expect_eq(pr.dispatchers, 1);
	cr_expect_not(pr.conditions[0].met, "high load: %s", mt_words(&pr)->evidence[0]);
	cr_expect_float_eq(pr.throughput_ratio, 1, 1e-9);
	cr_expect_str_eq(pr.async_helps, "no");
	profile_free(&p);
}

Test(model, pool_queue_unseen_is_at_most_marginal,
     .description = "dispatcher found but connections not sampled: offered load unknown")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_pool(&p, 4);
	in = mt_input(&p, 2, 0);
	pr = mt_predict(&in);
	cr_expect_eq(pr.dispatchers, 1);
	cr_expect_neq(pr.async_helps[0], 'y', "verdict %s", pr.async_helps);
	cr_expect(pr.connections_held < 0);
	profile_free(&p);
}

Test(model, accepting_workers_are_no_dispatch,
     .description = "threads that accept for themselves (idle without handoffs): no dispatcher")
{
	static const struct mt_shares accepting = {.cpu = 0.05, .net = 0.85, .idle = 0.10};
	static const struct mt_shares spare = {.cpu = 0.001, .idle = 0.999};
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 3, &accepting);
	mt_thread(&p, 9, &spare);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	in.load.connections_avg = 64;
	pr = mt_predict(&in);
	cr_expect_eq(pr.dispatchers, 0);
	cr_expect_eq(pr.workers, 4, "the spare accepting thread is a worker");
	cr_expect(pr.connections_held < 0);
	profile_free(&p);
}

Test(model, handed_off_pool_workers_keep_the_dispatcher,
     .description = "pool workers whose idle came by handoffs still make the acceptor a dispatcher")
{
	static const struct mt_shares handed = {.cpu = 0.05, .net = 0.85, .idle = 0.10};
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	size_t i;

	mt_profile(&p);
	mt_thread(&p, 2, &(struct mt_shares){.cpu = 0.001, .idle = 0.999});
	mt_workers(&p, 4, &handed);
	for (i = 1; i < p.n_threads; i++)
		p.threads[i].t.handoffs = 50;
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	in.load.connections_avg = 4;
	pr = mt_predict(&in);
	cr_expect_eq(pr.dispatchers, 1);
	cr_expect_eq(pr.workers, 4);
	cr_expect_float_eq(pr.idle_share, 0.10, 1e-6);
	profile_free(&p);
}

Test(model, cgroup_quota_caps_the_headroom,
     .description = "4 io workers at 5% CPU on 8 CPUs but a 0.5-CPU quota: room 0.5 / (0.2*oh)")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 8, 50);
	in.m.cpu_quota = 0.5;
	pr = mt_predict(&in);
	cr_expect_float_eq(pr.throughput_ratio, 0.5 / (0.2 * WS_MODEL_OH), 1e-6);
	cr_expect_not_null(strstr(mt_words(&pr)->evidence[2], "quota 0.50"), "%s",
			   mt_words(&pr)->evidence[2]);
	profile_free(&p);
}

Test(model, listen_overflows_are_evidence,
     .description = "accept-queue overflows in the window are named in the high-load evidence")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker);
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	in.load.listen_overflows = 12;
	pr = mt_predict(&in);
	cr_expect_not_null(strstr(mt_words(&pr)->evidence[0], "12 listen overflows"), "%s",
			   mt_words(&pr)->evidence[0]);
	cr_expect_float_eq(pr.listen_overflows, 12, 1e-9);
	profile_free(&p);
}

Test(model, busy_cpus_are_shared_not_reserved,
     .description = "others keep both CPUs busy with 2 runnable threads: a 2-loop server gets half")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &io_worker); /* U_cpu 0.2, runnable 0.2 */
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	in.m.busy_cpus = 2.0;
	pr = mt_predict(&in);
	cr_expect_float_eq(pr.throughput_ratio, 0.2 / (0.2 * WS_MODEL_OH), 1e-6,
			   "without the run queue: only the idle CPU time counts");
	in.m.runnable_avg = 2.2;
	pr = mt_predict(&in);
	/* 2 loops vs 2 other runnable threads on 2 CPUs: 2 * 2 / (2 + 2) = 1 CPU */
	cr_expect_float_eq(pr.throughput_ratio, 1.0 / (0.2 * WS_MODEL_OH), 1e-6, "ratio %f",
			   pr.throughput_ratio);
	profile_free(&p);
}

Test(model, master_process_is_no_worker,
     .description = "a prefork master (idle, parent of 4 serving workers) is not a worker")
{
	static const struct mt_shares master = {.idle = 1.0};
	static const struct mt_shares accepting = {.cpu = 0.05, .net = 0.75, .idle = 0.20};
	struct ws_proc_parent parents[5];
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	size_t i;

	mt_profile(&p);
	mt_thread(&p, 200, &master);
	mt_workers(&p, 4, &accepting);
	for (i = 0; i < p.n_threads; i++) {
		p.threads[i].tgid = p.threads[i].tid; /* one process per thread, as with prefork */
		parents[i].tgid = p.threads[i].tid;
		parents[i].ppid = i ? 200 : 1;
	}
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	pr = mt_predict(&in);
	cr_expect_eq(pr.workers, 5, "without parents the master looks like an idle worker");
	cr_expect_float_eq(pr.idle_share, (1.0 + 4 * 0.20) / 5, 1e-6);
	in.parents = parents;
	in.n_parents = 5;
	pr = mt_predict(&in);
	cr_expect_eq(pr.supervisors, 1);
	cr_expect_eq(pr.workers, 4);
	cr_expect_float_eq(pr.idle_share, 0.20, 1e-6);
	profile_free(&p);
}

Test(model, latency_follows_littles_law,
     .description = "p50 moves as 1/ratio; a CPU-saturated loop of CPU-light requests keeps p99")
{
	static const struct mt_shares mixed_worker = {.cpu = 0.17, .net = 0.83};
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	mt_workers(&p, 4, &mixed_worker); /* U_cpu 0.68 on 2 CPUs: ratio ~2.9, CPU-bound */
	profile_finish(&p);
	in = mt_input(&p, 2, 60);
	pr = mt_predict(&in);
	cr_expect(pr.throughput_ratio > 2.5 && pr.throughput_ratio < 3.2, "ratio %f",
		  pr.throughput_ratio);
	cr_expect_str_eq(pr.latency_p50, "down");
	cr_expect_str_eq(pr.latency_p99, "down", "CPU-light requests: the tail follows the mean");
	profile_free(&p);
}

Test(model, advice_is_data, .description = "the model returns what to advise; the report words it")
{
	struct ws_prediction pr = mt_io_prediction(), none;
	struct ws_profile p;
	struct ws_model_input in;

	cr_expect_eq(pr.advice, WS_ADVICE_ASYNC);
	cr_expect_eq(pr.latency, WS_LATENCY_QUEUEING);
	cr_expect_eq(pr.load_basis, WS_LOAD_ACCEPT_QUEUE);
	cr_expect_eq(pr.cpus, 2);
	cr_expect_gt(pr.cpus_free, 0);
	cr_expect_eq(strncmp(mt_words(&pr)->advice, "an event loop on ", 17), 0, "%s",
		     mt_words(&pr)->advice);

	mt_profile(&p);
	mt_thread(&p, 1, &main_thread);
	profile_finish(&p);
	in = mt_input(&p, 2, 0);
	cr_expect_eq(model_predict(&in, &none), -ENODATA);
	cr_expect_eq(none.advice, WS_ADVICE_NO_WORKERS);
	cr_expect_eq(none.latency, WS_LATENCY_NONE);
	for (int i = 0; i < WS_MODEL_CONDITIONS; i++)
		cr_expect_str_eq(mt_words(&none)->evidence[i], "no worker threads");
	cr_expect_str_eq(mt_words(&none)->latency, "no prediction");

	memset(&none, 0, sizeof(none));
	cr_expect_str_eq(mt_words(&none)->advice, "", "no prediction: no words");
	profile_free(&p);
}

/* A client blocked in recv on its upstream: no listener, no client, no wait for new work. */
static const struct mt_shares client_proc = {.cpu = 0.02, .net = 0.98};

Test(model, not_a_server_is_not_applicable,
     .description = "no listener, no client waits: not-applicable, no ratio, no worker advice")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	char *text, *json, err[128];
	struct jl_value *j;
	const struct jl_value *v;

	mt_profile(&p);
	p.targets[0].has_listener = false;
	mt_thread(&p, 100, &client_proc);
	profile_finish(&p);
	in = mt_input(&p, 2, -1);
	in.worker_rss_bytes = 10 << 20;
	cr_assert_eq(model_predict(&in, &pr), 0);
	cr_expect(pr.not_server);
	cr_expect_str_eq(pr.async_helps, "not-applicable");
	cr_expect(isnan(pr.throughput_ratio) && isnan(pr.ratio_low) && isnan(pr.ratio_high));
	cr_expect_eq(pr.recommended_workers, pr.workers, "no worker-count advice");
	cr_expect_eq(pr.recommended_extra_rss, 0);
	cr_expect_eq(pr.advice, WS_ADVICE_NOT_SERVER);
	cr_expect_not_null(strstr(mt_words(&pr)->advice, "not a server"));
	text = mt_capture_text(&pr);
	cr_expect_eq(strncmp(text, "async model: not-applicable: not a server",
			     strlen("async model: not-applicable: not a server")), 0, "%s", text);
	cr_expect_null(strstr(text, "x100"), "%s", text);
	cr_expect_null(strstr(text, "sync workers"), "%s", text);
	json = mt_capture_json(&pr);
	j = jl_parse(json, strlen(json), err, sizeof(err));
	cr_assert_not_null(j, "%s: %s", err, json);
	cr_expect_str_eq(jl_get_str(j, "prediction.async_helps"), "not-applicable");
	v = jl_get(j, "prediction.throughput_ratio");
	cr_assert_not_null(v);
	cr_expect_eq(v->type, JL_NULL, "ratio is null: %s", json);
	jl_free(j);
	free(json);
	free(text);
	profile_free(&p);
}

Test(model, accepted_connection_without_listener_is_a_server,
     .description = "client waits (a held accepted connection) make a server with no listener")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	const struct mt_shares held = {.cpu = 0.05, .client = 0.45, .net = 0.5};

	mt_profile(&p);
	p.targets[0].has_listener = false;
	mt_workers(&p, 4, &held);
	profile_finish(&p);
	in = mt_input(&p, 2, -1);
	pr = mt_predict(&in);
	cr_expect_not(pr.not_server);
	cr_expect_str_neq(pr.async_helps, "not-applicable");
	profile_free(&p);
}

Test(model, sleeper_without_workers_is_not_applicable,
     .description = "no workers and no listener: not-applicable rather than no")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;

	mt_profile(&p);
	p.targets[0].has_listener = false;
	mt_thread(&p, 1, &main_thread);
	profile_finish(&p);
	in = mt_input(&p, 2, -1);
	cr_expect_eq(model_predict(&in, &pr), -ENODATA);
	cr_expect_str_eq(pr.async_helps, "not-applicable");
	cr_expect_neq(mt_words(&pr)->evidence[0][0], '\0');
	profile_free(&p);
}

Test(model, poll_over_listener_and_upstream_is_sync,
     .description = "sync workers whose sets hold the listener and one upstream socket, at most "
		    "one client: not already-async, io-bound yes")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	/* new work in epoll on the listener, the upstream in poll: sets with no or one client */
	struct mt_shares s = {.cpu = 0.03, .poll = 0.02, .net = 0.95, .clients = 0.4};

	mt_profile(&p);
	mt_workers(&p, 4, &s);
	for (size_t i = 0; i < p.n_threads; i++)
		p.threads[i].event_loop = true; /* waits mostly in poll over several sockets */
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	pr = mt_predict(&in);
	cr_expect_neq(pr.cls, CLASS_ALREADY_ASYNC, "%s", pr.class_name);
	cr_expect_eq(pr.event_loops, 0);
	cr_expect_eq(pr.clients_max, 1);
	cr_expect_float_eq(pr.clients_mean, 0.4, 1e-3);
	cr_expect_str_eq(pr.async_helps, "yes");
	profile_free(&p);
}

Test(model, loop_beside_a_sync_taker_is_not_async,
     .description = "one thread multiplexing clients beside workers taking them one by one: "
		    "not already-async")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares loop = {.cpu = 0.30, .poll = 0.70, .clients = 8};

	mt_profile(&p);
	mt_thread(&p, 100, &loop);
	mt_thread(&p, 101, &io_worker);
	p.threads[1].t.blocked_by_cause[WS_CAUSE_CLIENT] = mt_ns(0.1);
	profile_finish(&p);
	in = mt_input(&p, 2, 50);
	pr = mt_predict(&in);
	cr_expect_neq(pr.cls, CLASS_ALREADY_ASYNC);
	cr_expect_eq(pr.event_loops, 1);
	cr_expect_eq(pr.clients_max, 8);
	profile_free(&p);
}

Test(model, concurrency_is_reported,
     .description = "text and JSON carry the measured clients per worker and the loop count")
{
	struct ws_profile p;
	struct ws_model_input in;
	struct ws_prediction pr;
	struct mt_shares s = {.cpu = 0.50, .poll = 0.50, .clients = 12.5};
	char *text, *json, err[128];
	struct jl_value *j;
	double mean;
	uint64_t max, loops;

	mt_profile(&p);
	mt_workers(&p, 2, &s);
	profile_finish(&p);
	in = mt_input(&p, 2, -1);
	pr = mt_predict(&in);
	cr_expect_eq(pr.cls, CLASS_ALREADY_ASYNC);
	text = mt_capture_text(&pr);
	cr_expect_not_null(strstr(text, "mean 12.5, max 13"), "%s", text);
	json = mt_capture_json(&pr);
	j = jl_parse(json, strlen(json), err, sizeof(err));
	cr_assert_not_null(j, "%s", err);
	cr_expect(jl_get_double(j, "prediction.clients_mean", &mean) && fabs(mean - 12.5) < 1e-6);
	cr_expect(jl_get_u64(j, "prediction.clients_max", &max) && max == 13);
	cr_expect(jl_get_u64(j, "prediction.event_loops", &loops) && loops == 2);
	jl_free(j);
	free(json);
	free(text);
	profile_free(&p);
}
