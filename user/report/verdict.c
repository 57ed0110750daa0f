// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The verdict's sentences, worded from a prediction's numbers (docs/model.md explains them). */
#include <string.h>
#include "report/verdict.h"

static void load_evidence(char *buf, size_t size, const struct ws_prediction *pr)
{
	size_t len;

	switch (pr->load_basis) {
	case WS_LOAD_DISPATCHED:
		snprintf(buf, size,
			 "%d dispatcher thread(s) hand connections to the pool: %.1f connections "
			 "held on average, %.1f in service, %.1f waiting",
			 pr->dispatchers, pr->connections_held, pr->in_service, pr->queued);
		break;
	case WS_LOAD_HIDDEN_QUEUE:
		snprintf(buf, size,
			 "workers wait for new work %.1f%% of the time; a dispatcher thread queues "
			 "work inside the process: queue not visible",
			 pr->idle_share * 100);
		break;
	case WS_LOAD_ACCEPT_QUEUE:
		snprintf(buf, size,
			 "workers wait for new work %.1f%% of the time; accept queue avg %.1f, max "
			 "%.0f",
			 pr->idle_share * 100, pr->accept_queue_avg, pr->accept_queue_max);
		break;
	case WS_LOAD_NOT_SAMPLED:
	case WS_LOAD_NONE:
		snprintf(buf, size,
			 "workers wait for new work %.1f%% of the time; accept queue not sampled",
			 pr->idle_share * 100);
		break;
	}
	len = strlen(buf);
	if (pr->listen_overflows > 0)
		snprintf(buf + len, size - len, "; %.0f listen overflows (machine-wide)",
			 pr->listen_overflows);
}

static void evidence(struct verdict_prose *out, const struct ws_prediction *pr)
{
	char quota[40] = "";
	int i;

	if (pr->load_basis == WS_LOAD_NONE) {
		for (i = 0; i < WS_MODEL_CONDITIONS; i++)
			snprintf(out->evidence[i], sizeof(out->evidence[i]), "no worker threads");
		return;
	}
	load_evidence(out->evidence[0], sizeof(out->evidence[0]), pr);
	snprintf(out->evidence[1], sizeof(out->evidence[1]),
		 "per busy worker-second: net+disk %.0f%%, client %.0f%%, cpu %.0f%%, lock %.0f%%",
		 pr->busy_io * 100, pr->busy_client * 100, pr->busy_cpu * 100, pr->busy_lock * 100);
	if (pr->cpu_quota > 0)
		snprintf(quota, sizeof(quota), ", cgroup quota %.2f CPUs", pr->cpu_quota);
	snprintf(out->evidence[2], sizeof(out->evidence[2]),
		 "workers use %.2f of %.2f CPUs free for them (%d online%s, %s busy "
		 "elsewhere): room for x%.2f",
		 pr->cpus_used, pr->cpus_free, pr->cpus, quota,
		 pr->busy_measured ? "measured" : "none assumed", pr->cpu_room);
}

/* "; or N sync workers (+K, ~M MiB RSS) for the same": the sync way to the same throughput. */
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

/* Why an event loop would not raise throughput, for the three "async no" advices. */
static const char *no_gain_reason(enum ws_advice a)
{
	if (a == WS_ADVICE_LOAD_SERVED)
		return "the offered load is already served";
	if (a == WS_ADVICE_NO_SPARE_CPU)
		return "too little spare CPU";
	return "the offered load above today's is not known (no accept queue)";
}

/* "; ~R connections/s now, ~R' predicted": throughput in the user's units, when counted. */
static void throughput(char *buf, size_t size, const struct ws_prediction *pr)
{
	buf[0] = '\0';
	if (pr->conns_per_s > 0)
		snprintf(buf, size, "; serving ~%.0f connections/s, an event loop ~%.0f/s",
			 pr->conns_per_s, pr->conns_per_s * pr->throughput_ratio);
}

static void advice(char *buf, size_t n, const struct ws_prediction *pr)
{
	char alt[96], rate[80];

	sync_alternative(alt, sizeof(alt), pr);
	switch (pr->advice) {
	case WS_ADVICE_NONE:
		break;
	case WS_ADVICE_NOT_SERVER:
		snprintf(buf, n,
			 "not a server: no listening socket, no accepted connection and no wait for "
			 "new work or a client; the async model does not apply");
		break;
	case WS_ADVICE_NO_WORKERS:
		snprintf(buf, n,
			 "no worker threads found: no thread waited for work, clients, network or "
			 "disk, or ran more than 1%% of the window");
		break;
	case WS_ADVICE_UNDERLOADED:
		snprintf(buf, n,
			 "workers wait for new work %.0f%% of the time: the offered load, not the "
			 "server, limits throughput; neither async nor more workers will raise it",
			 pr->idle_share * 100);
		break;
	case WS_ADVICE_CPU_STARVED:
		snprintf(buf, n,
			 "workers wait %.0f%% of busy time for a CPU: add cores or cut CPU use "
			 "elsewhere; more concurrency (async or more workers) makes it worse",
			 pr->busy_runq * 100);
		break;
	case WS_ADVICE_IDLE_CORES:
		snprintf(buf, n,
			 "requests are %.0f%% CPU: async removes no wait and adds overhead; its "
			 "x%.2f comes from idle cores%s",
			 pr->busy_cpu * 100, pr->throughput_ratio, alt);
		break;
	case WS_ADVICE_CPU_BOUND:
		snprintf(buf, n,
			 "requests are %.0f%% CPU: throughput is bound by the CPUs; async removes "
			 "no wait and adds overhead",
			 pr->busy_cpu * 100);
		break;
	case WS_ADVICE_LOCK_BOUND:
		snprintf(buf, n,
			 "workers wait on locks %.0f%% of busy time: async does not remove lock "
			 "contention (and a futex wait stalls a whole loop); shorten or split the "
			 "lock",
			 pr->busy_lock * 100);
		break;
	case WS_ADVICE_ALREADY_ASYNC:
		snprintf(buf, n,
			 "%d of %d workers multiplex client connections in their waits (mean %.1f, "
			 "max %u per worker) and none takes them one at a time: already an event "
			 "loop",
			 pr->event_loops, pr->workers, pr->clients_mean, pr->clients_max);
		break;
	case WS_ADVICE_LOAD_SERVED:
	case WS_ADVICE_NO_SPARE_CPU:
	case WS_ADVICE_LOAD_UNKNOWN:
		snprintf(buf, n, "an event loop would reach x%.2f of today's throughput: %s",
			 pr->throughput_ratio, no_gain_reason(pr->advice));
		break;
	case WS_ADVICE_ASYNC:
		throughput(rate, sizeof(rate), pr);
		snprintf(buf, n, "an event loop on %.1f CPUs would reach x%.2f (x%.2f..x%.2f)%s%s",
			 pr->cpus_free, pr->throughput_ratio, pr->ratio_low, pr->ratio_high, rate,
			 alt);
		break;
	}
}

static void latency(char *buf, size_t n, const struct ws_prediction *pr)
{
	char queue[48] = "", req[48] = "";

	if (pr->accept_wait_ms >= 0)
		snprintf(queue, sizeof(queue), " (~%.1f ms in the accept queue)",
			 pr->accept_wait_ms);
	if (pr->busy_ms_per_conn >= 0)
		snprintf(req, sizeof(req), " (~%.1f ms busy per connection)", pr->busy_ms_per_conn);

	switch (pr->latency) {
	case WS_LATENCY_NONE:
		snprintf(buf, n, "no prediction");
		break;
	case WS_LATENCY_MULTIPLEXED:
		snprintf(buf, n, "no change predicted: the server already multiplexes connections");
		break;
	case WS_LATENCY_NO_QUEUE:
		snprintf(buf, n,
			 "p50 and p99 about unchanged: requests do not queue for a worker; each "
			 "takes its service time%s either way",
			 req);
		break;
	case WS_LATENCY_TAIL_RISK:
		snprintf(buf, n,
			 "p50 %s, p99 up: clients / throughput sets the mean (x%.2f)%s, but %s, so "
			 "one slow request delays the others on its loop: the tail is at risk",
			 pr->latency_p50, 1 / pr->throughput_ratio, queue,
			 pr->cls == CLASS_LOCK_BOUND ? "a lock still serializes requests"
						     : "CPU-heavy requests share saturated CPUs");
		break;
	case WS_LATENCY_QUEUEING:
		snprintf(buf, n,
			 "p50 %s, p99 %s: clients / throughput sets the mean (x%.2f)%s; sync at "
			 "saturation has p50~p99 from queueing, async leaves the I/O time%s",
			 pr->latency_p50, pr->latency_p99, 1 / pr->throughput_ratio, queue, req);
		break;
	}
}

void verdict_prose(const struct ws_prediction *pr, struct verdict_prose *out)
{
	memset(out, 0, sizeof(*out));
	if (pr->advice == WS_ADVICE_NONE)
		return; /* no prediction: nothing to word */
	evidence(out, pr);
	advice(out->advice, sizeof(out->advice), pr);
	latency(out->latency, sizeof(out->latency), pr);
}

const char *verdict_headline(const char *async_helps)
{
	if (!strcmp(async_helps, "yes"))
		return "async would raise throughput";
	if (!strcmp(async_helps, "marginal"))
		return "async might raise throughput a little";
	if (!strcmp(async_helps, "not-applicable"))
		return "not a server, the async model does not apply";
	return "async would not raise throughput";
}
