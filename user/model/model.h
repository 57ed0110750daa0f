/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The async model: from a measured profile, classify the server's workers and predict, with a
 * number and a range, whether moving from a fixed pool of N sync workers to an async event loop
 * would raise throughput. Pure: plain structs in, plain structs out, no BPF and no /proc.
 * docs/model.md ("The async model") has the formulas and their assumptions.
 */
#ifndef WS_MODEL_H
#define WS_MODEL_H

#include <stdbool.h>
#include "model/profile.h"

struct ws_machine {
	int cpus;	  /* online CPUs usable by the target */
	double busy_cpus; /* CPUs busy machine-wide during the window, 0..cpus (<0 = unknown) */
	double cpu_quota; /* cgroup CPU quota of the target, in CPUs (<0 = none) */
	double runnable_avg; /* tasks running or runnable machine-wide, window average (<0 = unknown) */
};

struct ws_load {
	double accept_queue_avg; /* listening socket backlog samples; <0 unknown */
	double accept_queue_max;
	double accepts_per_s; /* <0 unknown: taken from the accept/accept4 counts if any */
	double connections_avg; /* established client connections of the listeners; <0 unknown */
	double listen_overflows; /* TcpExt ListenOverflows in the window, machine-wide; <0 unknown */
};

/* Parent of a profiled process (from /proc at the end of the window). */
struct ws_proc_parent {
	__u32 tgid;
	__u32 ppid;
};

struct ws_model_input {
	const struct ws_profile *p;
	const struct ws_proc_parent *parents; /* may be NULL */
	size_t n_parents;
	struct ws_machine m;
	struct ws_load load;
	__u64 worker_rss_bytes; /* per worker, 0 unknown */
};

enum ws_class {
	CLASS_CPU_BOUND,
	CLASS_IO_BOUND,
	CLASS_LOCK_BOUND,
	CLASS_CPU_STARVED,
	CLASS_UNDERLOADED,
	CLASS_ALREADY_ASYNC,
	CLASS_MIXED,
};

#define WS_MODEL_CONDITIONS 3

struct ws_condition {
	const char *name; /* "high load", "I/O-bound", "CPU headroom" */
	bool met;
};

/* What the high-load condition rests on (its evidence, worded in user/report/verdict.c). */
enum ws_load_basis {
	WS_LOAD_NONE,	      /* no worker threads */
	WS_LOAD_DISPATCHED,   /* a dispatched pool: the connections it holds */
	WS_LOAD_HIDDEN_QUEUE, /* a dispatcher queues work inside the process, unseen */
	WS_LOAD_ACCEPT_QUEUE, /* the listeners' accept queue samples */
	WS_LOAD_NOT_SAMPLED,  /* the workers' idle share alone */
};

/* What the verdict advises; user/report/verdict.c words it from the prediction's numbers. */
enum ws_advice {
	WS_ADVICE_NONE,		  /* no prediction (bad input) */
	WS_ADVICE_NO_WORKERS,	  /* no worker threads found */
	WS_ADVICE_UNDERLOADED,	  /* the offered load limits throughput: neither async nor more */
	WS_ADVICE_CPU_STARVED,	  /* add cores or cut CPU use elsewhere */
	WS_ADVICE_CPU_BOUND,	  /* bound by the CPUs: async adds overhead */
	WS_ADVICE_IDLE_CORES,	  /* CPU-bound, idle cores give the ratio: so would more workers */
	WS_ADVICE_LOCK_BOUND,	  /* shorten or split the lock */
	WS_ADVICE_ALREADY_ASYNC,  /* already an event loop */
	WS_ADVICE_ASYNC,	  /* an event loop on cpus_free reaches the ratio range */
	WS_ADVICE_LOAD_SERVED,	  /* async no: the offered load is already served */
	WS_ADVICE_NO_SPARE_CPU,	  /* async no: too little spare CPU */
	WS_ADVICE_LOAD_UNKNOWN,	  /* async no: the load above today's is not known */
	WS_ADVICE_NOT_SERVER,	  /* no listener, no client: the model does not apply */
};

/* Why the latency moves as latency_p50 / latency_p99 say. */
enum ws_latency {
	WS_LATENCY_NONE,	/* no prediction */
	WS_LATENCY_MULTIPLEXED, /* already async: no change */
	WS_LATENCY_NO_QUEUE,	/* requests do not queue for a worker: unchanged */
	WS_LATENCY_QUEUEING,	/* requests queue: the mean moves as 1 / ratio */
	WS_LATENCY_TAIL_RISK,	/* as queueing, but a lock or CPU-heavy requests put p99 at risk */
};

struct ws_prediction {
	enum ws_class cls;
	const char *class_name;	 /* "cpu-bound", "io-bound", "lock-bound", "cpu-starved", ... */
	const char *async_helps; /* "yes" | "no" | "marginal" | "not-applicable" */
	bool not_server;	 /* no listener, no client: async_helps "not-applicable" */
	double throughput_ratio, ratio_low, ratio_high; /* async / sync; NAN when not a server */
	int workers;
	int dispatchers;	     /* acceptor/dispatcher threads feeding a pool: not workers */
	int supervisors;	     /* master processes of worker processes, serving nothing */
	double connections_held;     /* dispatched pools: client connections held; <0 n/a */
	double listen_overflows;     /* machine-wide accept-queue overflows in the window; <0 n/a */
	int recommended_workers;     /* sync workers giving the same throughput as async */
	__u64 recommended_extra_rss; /* bytes, 0 when unknown or no extra workers */
	/* per busy worker-second split */
	double busy_cpu, busy_runq, busy_io, busy_lock, busy_sleep, busy_client;
	double idle_share; /* workers' share of time waiting for new work */
	/* Measured concurrency: client connections the workers' waits multiplexed. */
	int event_loops;      /* workers with LOOP_CLIENTS or more clients in one wait */
	double clients_mean;  /* per worker, time-weighted over its set waits, averaged */
	__u32 clients_max;    /* most in one wait of any worker */
	struct ws_condition conditions[WS_MODEL_CONDITIONS];
	/* The high-load evidence: its basis and figures. */
	enum ws_load_basis load_basis;
	double in_service;	 /* workers busy on average */
	double queued;		 /* dispatched pools: connections held beyond those in service */
	double accept_queue_avg; /* <0 not sampled */
	double accept_queue_max; /* 0 when not sampled */
	/* The CPU-headroom evidence. */
	double cpus_used;    /* CPUs the workers use now */
	double cpus_free;    /* CPUs an event loop could use */
	int cpus;	     /* online CPUs */
	double cpu_quota;    /* cgroup quota in CPUs, <=0 none */
	bool busy_measured;  /* CPUs busy elsewhere measured, not assumed none */
	double cpu_room;     /* throughput the free CPUs allow, relative to now */
	enum ws_advice advice;
	enum ws_latency latency;
	double accept_wait_ms;	 /* time in the accept queue, <0 unknown */
	double busy_ms_per_conn; /* busy worker time per connection, <0 unknown */
	double conns_per_s;	 /* connections accepted per second now, <0 unknown */
	/* Predicted direction of the median and tail latency: "down" | "up" | "unchanged". */
	const char *latency_p50, *latency_p99;
	/* CPU the workers spent in connection set-up/teardown syscalls, share of their CPU: an
	 * async server keeping connections alive would not spend it; not credited to async. */
	double conn_cpu_share;
};

/* Overheads of an event loop per request's CPU time: low, point and high (docs/model.md). */
#define WS_MODEL_OH_LOW 0.9
#define WS_MODEL_OH 1.0
#define WS_MODEL_OH_HIGH 1.2

/*
 * Fill out from in. Returns 0; -EINVAL when in, in->p or out is NULL or in->m.cpus < 1 (out, if
 * given, is then zeroed: class_name NULL);
 * -ENODATA when the profile has no worker threads (out then holds class "mixed", verdict "no",
 * ratio 1 and advice WS_ADVICE_NO_WORKERS).
 */
int model_predict(const struct ws_model_input *in, struct ws_prediction *out);

const char *model_class_name(enum ws_class cls);

#endif /* WS_MODEL_H */
