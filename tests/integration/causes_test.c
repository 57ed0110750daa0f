// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Wait causes on the real kernel: each workload lands in its class with > 80% of blocked time. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "itest.h"
#include "json_lite.h"

#define TIMEOUT 60

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
}

TestSuite(causes, .init = require_root, .timeout = TIMEOUT);

static struct jl_value *profile_pid_with(pid_t pid, const char *secs, const char *const *extra,
					 struct run_result *r)
{
	const char *argv[16];
	char pidbuf[16], err[256];
	struct jl_value *j;

	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), pid, secs, extra);
	cr_assert_eq(waitscope_run(r, argv, TIMEOUT), 0);
	cr_assert_eq(r->status, 0, "waitscope: %s", r->err);
	j = jl_parse(r->out, strlen(r->out), err, sizeof(err));
	cr_assert_not_null(j, "bad JSON: %s", err);
	return j;
}

static struct jl_value *profile_pid(pid_t pid, const char *secs, struct run_result *r)
{
	return profile_pid_with(pid, secs, NULL, r);
}

/* Share of blocked time in cause, asserting causes sum to the blocked total within 1%. */
static double cause_share(const struct jl_value *j, const char *cause)
{
	static const char *const all[] = { "other", "net", "disk", "lock", "sleep", "idle",
					   "client", "parked" };
	uint64_t blocked, v, sum = 0;
	char path[64];
	size_t i;

	cr_assert(jl_get_u64(j, "totals.blocked_ns", &blocked));
	cr_assert(blocked > 0);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		snprintf(path, sizeof(path), "blocked_by_cause.%s", all[i]);
		cr_assert(jl_get_u64(j, path, &v), "missing %s", path);
		sum += v;
	}
	cr_assert(sum >= blocked - blocked / 100 && sum <= blocked + blocked / 100,
		  "causes sum %llu vs blocked %llu", (unsigned long long)sum,
		  (unsigned long long)blocked);
	snprintf(path, sizeof(path), "blocked_by_cause.%s", cause);
	cr_assert(jl_get_u64(j, path, &v));
	return (double)v / (double)blocked;
}

static void expect_cause(const char *example, const char *const *args, const char *cause)
{
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	double share;

	cr_assert_eq(example_start(&ex, example, args), 0, "%s did not start", example);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&ex);
	share = cause_share(j, cause);
	cr_assert(share > 0.80, "%s: %s share %.3f: %s", example, cause, share, r.out);
	jl_free(j);
	run_result_free(&r);
}

Test(causes, sleeper_sleeps, .description = "nanosleep (and the main thread's signal wait)")
{
	const char *args[] = { "-n", "2", NULL };

	expect_cause("sleeper", args, "sleep");
}

Test(causes, lockers_wait_on_lock, .description = "threads contending one mutex: futex")
{
	/* The holder spins inside the lock, so every waiter waits on the lock only. */
	const char *args[] = { "-n", "8", "-B", "1", "-H", "500", NULL };
	const struct jl_value *threads, *t;
	uint64_t lock = 0, blocked = 0, v;
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	size_t i;

	cr_assert_eq(example_start(&ex, "lockers", args), 0);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&ex);
	cause_share(j, "lock"); /* checks the causes add up */
	/* The workers, not the main thread (which only waits for a signal: sleep). */
	threads = jl_get(j, "threads");
	for (i = 0; i < jl_len(threads); i++) {
		uint64_t tid, tgid;

		t = jl_at(threads, i);
		cr_assert(jl_get_u64(t, "tid", &tid) && jl_get_u64(t, "tgid", &tgid));
		if (tid == tgid)
			continue;
		cr_assert(jl_get_u64(t, "blocked_by_cause.lock", &v));
		lock += v;
		cr_assert(jl_get_u64(t, "blocked_ns", &v));
		blocked += v;
	}
	cr_assert(blocked > 0);
	cr_assert((double)lock / (double)blocked > 0.80, "workers' lock share %.3f",
		  (double)lock / (double)blocked);
	cr_assert_not_null(jl_get(j, "futexes[0].uaddr"), "no contended lock listed");
	jl_free(j);
	run_result_free(&r);
}

Test(causes, netclient_waits_on_net_with_peer_port,
     .description = "a client blocked on a slow TCP server: net, and the server's port")
{
	const char *args[] = { "-D", "50", NULL };
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	uint64_t port;
	const char *cause;

	cr_assert_eq(example_start(&ex, "netclient", args), 0);
	cr_assert(ex.port > 0, "no port in '%s'", ex.line);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&ex);
	cr_assert(cause_share(j, "net") > 0.80);
	cr_assert(jl_get_u64(j, "peers[0].port", &port), "no peers: %s", r.out);
	cr_assert_eq(port, (uint64_t)ex.port);
	cause = jl_get_str(j, "peers[0].cause");
	cr_assert_str_eq(cause, "net");
	cr_assert_str_eq(jl_get_str(j, "syscalls[0].name"), "recvfrom");
	{
		uint64_t waits, hist_waits, p50;
		bool traced = true;

		/* Read from the saved registers at each block: each wait is ~50 ms. */
		cr_assert(jl_get_u64(j, "syscalls[0].waits", &waits) && waits >= 20);
		cr_assert(jl_get_u64(j, "syscalls[0].wait.count", &hist_waits));
		cr_assert_eq(hist_waits, waits);
		cr_assert(jl_get_u64(j, "syscalls[0].wait_p50_ns", &p50));
		cr_assert(p50 > 20000000 && p50 < 100000000, "recvfrom wait p50 %llu ns",
			  (unsigned long long)p50);
		/* Whole calls are not seen without --syscalls: null, not a made-up 0. */
		cr_assert(jl_get_bool(j, "syscalls_traced", &traced) && !traced);
		cr_assert(jl_is_null(jl_get(j, "syscalls[0].count")), "%s", r.out);
	}
	jl_free(j);
	run_result_free(&r);
}

Test(causes, syscalls_option_adds_call_latency,
     .description = "--syscalls: a client's recvfrom calls counted, with their latency")
{
	const char *args[] = { "-D", "50", NULL };
	const char *extra[] = { "--syscalls", NULL };
	uint64_t calls, hist_calls, p50, waits;
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	bool traced = false;

	cr_assert_eq(example_start(&ex, "netclient", args), 0);
	j = profile_pid_with(ex.target, "2", extra, &r);
	example_stop(&ex);
	cr_assert(jl_get_bool(j, "syscalls_traced", &traced) && traced);
	cr_assert(cause_share(j, "net") > 0.80);
	cr_assert_str_eq(jl_get_str(j, "syscalls[0].name"), "recvfrom");
	/* Each recvfrom waits ~50 ms for the reply: its latency histogram says so. */
	cr_assert(jl_get_u64(j, "syscalls[0].count", &calls) && calls >= 20);
	cr_assert(jl_get_u64(j, "syscalls[0].latency.count", &hist_calls));
	cr_assert_eq(hist_calls, calls);
	cr_assert(jl_get_u64(j, "syscalls[0].p50_ns", &p50));
	cr_assert(p50 > 20000000 && p50 < 100000000, "recvfrom p50 %llu ns",
		  (unsigned long long)p50);
	/* One wait per call here: the two counts agree within the calls open at the edges. */
	cr_assert(jl_get_u64(j, "syscalls[0].waits", &waits));
	cr_assert(waits + 2 >= calls && waits <= calls + 2, "waits %llu calls %llu",
		  (unsigned long long)waits, (unsigned long long)calls);
	jl_free(j);
	run_result_free(&r);
}

Test(causes, diskwriter_waits_on_disk, .description = "O_DIRECT writes wait on the disk")
{
	char file[256];
	const char *args[] = { "-f", file, "--direct", "-s", "4194304", NULL };

	snprintf(file, sizeof(file), "%s/diskwriter-itest.%d.dat",
		 getenv("WAITSCOPE_BUILD") ? getenv("WAITSCOPE_BUILD") : "build", getpid());
	expect_cause("diskwriter", args, "disk");
}

Test(causes, idle_server_is_idle, .description = "a sync server with no load waits for work")
{
	const char *args[] = { "-w", "4", "-c", "100", NULL };
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	double idle;

	cr_assert_eq(example_start(&ex, "syncserver", args), 0);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&ex);
	/* 4 workers in accept (idle), the main thread waits for signals (sleep). */
	idle = cause_share(j, "idle");
	cr_assert(idle > 0.70, "idle share %.3f", idle);
	cr_assert(idle + cause_share(j, "sleep") > 0.99);
	jl_free(j);
	run_result_free(&r);
}

Test(causes, idle_thread_pool_is_idle,
     .description = "an acceptor and 4 pool workers on a condition variable, no load: idle/parked")
{
	const char *args[] = { "-m", "pool", "-w", "4", "-c", "100", NULL };
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	double idle, parked;

	cr_assert_eq(example_start(&ex, "syncserver", args), 0);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&ex);
	/*
	 * acceptor in accept (idle), 4 workers in futex no thread wakes (a pool waiting for work:
	 * parked, issue 13 section 3), main thread: sleep. Never lock.
	 */
	idle = cause_share(j, "idle");
	parked = cause_share(j, "parked");
	cr_assert(idle + parked >= 0.80, "idle %.3f + parked %.3f", idle, parked);
	cr_assert(parked > 0, "the pool's workers are parked");
	cr_assert(cause_share(j, "lock") == 0, "lock share %.3f", cause_share(j, "lock"));
	cr_assert(idle + parked + cause_share(j, "sleep") > 0.99);
	jl_free(j);
	run_result_free(&r);
}

Test(causes, pool_handoffs_are_idle_not_lock,
     .description = "pool workers woken by the acceptor's handoff: their waits are idle")
{
	const char *args[] = { "-m", "pool", "-w", "4", "-c", "200", NULL };
	char url[64];
	const char *wrk_argv[] = { "-t1", "-c2", "-d6s", "-H", "Connection: close", url, NULL };
	struct example ex, load;
	struct run_result r;
	struct jl_value *j;
	uint64_t handoffs = 0;

	cr_assert_eq(example_start(&ex, "syncserver", args), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ex.port);
	cr_assert_eq(load_start(&load, "/usr/bin/wrk", wrk_argv), 0);
	sleep(1);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&load);
	example_stop(&ex);
	cr_assert(jl_get_u64(j, "totals.handoffs", &handoffs));
	cr_assert(handoffs > 50, "handoffs %llu", (unsigned long long)handoffs);
	cr_assert(cause_share(j, "lock") < 0.05, "lock share %.3f", cause_share(j, "lock"));
	jl_free(j);
	run_result_free(&r);
}

Test(causes, unix_listener_clients_and_queue,
     .description = "a server on a unix socket (php-fpm style): slow clients are client, queue seen")
{
	char path[64];
	const char *args[] = { "-w", "2", "-c", "200", "--unix", path, NULL };
	const char *load_args[] = { path, "-c", "8", "-g", "10", "-d", "20", NULL };
	struct example ex, load;
	struct run_result r;
	struct jl_value *j;
	const char *ev, *q;
	double client, net;

	snprintf(path, sizeof(path), "/tmp/waitscope-test-%d.sock", getpid());
	cr_assert_eq(example_start(&ex, "syncserver", args), 0);
	cr_assert_eq(example_start(&load, "unixload.py", load_args), 0);
	sleep(1);
	j = profile_pid(ex.target, "2", &r);
	example_stop(&load);
	example_stop(&ex);
	unlink(path);
	client = cause_share(j, "client");
	net = cause_share(j, "net");
	cr_assert(client > 0.9 * (client + net) && client > 0.3, "client %.3f net %.3f", client,
		  net);
	ev = jl_get_str(j, "prediction.conditions[0].evidence");
	cr_assert_not_null(ev);
	q = strstr(ev, "accept queue avg ");
	cr_assert_not_null(q, "%s", ev);
	cr_assert(atof(q + strlen("accept queue avg ")) >= 1.0, "%s", ev);
	jl_free(j);
	run_result_free(&r);
}

Test(causes, folded_stacks_of_blocked_time,
     .description = "--folded writes offcpu;comm;frames NS lines that add up to the blocked time")
{
	const char *args[] = { "-D", "30", NULL };
	char path[128], pidbuf[16], line[8192], err[256];
	const char *extra[] = { "--folded", path, NULL };
	const char *argv[16];
	unsigned long long sum = 0, ns;
	uint64_t blocked;
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	bool saw_tcp = false;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/waitscope-itest-%d.folded", getpid());
	unlink(path);
	cr_assert_eq(example_start(&ex, "netclient", args), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "2", extra);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = jl_parse(r.out, strlen(r.out), err, sizeof(err));
	cr_assert_not_null(j);
	cr_assert(jl_get_u64(j, "totals.blocked_ns", &blocked));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no folded file");
	while (fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		cr_assert_not_null(sp, "bad line %s", line);
		cr_assert_eq(sscanf(sp + 1, "%llu", &ns), 1);
		if (!strncmp(line, "oncpu;netclient;", 16))
			continue; /* sampled on-CPU time: not blocked time */
		cr_assert_eq(strncmp(line, "offcpu;netclient;", 17), 0, "bad root: %s", line);
		sum += ns;
		saw_tcp |= strstr(line, "tcp_recvmsg") != NULL;
	}
	fclose(f);
	unlink(path);
	cr_assert(saw_tcp, "no tcp_recvmsg kernel frame");
	/* Blocks already under way when the window opened have no stack: allow 10%. */
	cr_assert(sum > blocked * 0.9 && sum <= blocked, "folded %llu vs blocked %llu", sum,
		  (unsigned long long)blocked);
	jl_free(j);
	run_result_free(&r);
}

/* Parse "workers=PID" from an example's ready line. */
static pid_t first_worker(const struct example *ex)
{
	const char *w = strstr(ex->line, "workers=");

	return w ? (pid_t)atoi(w + strlen("workers=")) : 0;
}

Test(causes, epoll_server_is_an_event_loop,
     .description = "an epoll event-loop server under load is recognised as an event loop")
{
	const char *up_args[] = { "-D", "5", NULL };
	char up_port[16], url[64];
	const char *srv_args[] = { "-k", "1", "-c", "200", "-u", up_port, NULL };
	struct example up, srv, load;
	const char *wrk_argv[] = { "-t1", "-c16", "-d4s", url, NULL };
	struct run_result r;
	struct jl_value *j;
	uint64_t loops;
	bool flag;
	pid_t worker;

	cr_assert_eq(example_start(&up, "upstream", up_args), 0);
	snprintf(up_port, sizeof(up_port), "%d", up.port);
	cr_assert_eq(example_start(&srv, "asyncserver", srv_args), 0);
	worker = first_worker(&srv);
	cr_assert(worker > 0, "no workers in '%s'", srv.line);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
	cr_assert_eq(load_start(&load, "/usr/bin/wrk", wrk_argv), 0, "wrk did not start");
	sleep(1);
	j = profile_pid(worker, "1.5", &r);
	example_stop(&load);
	example_stop(&srv);
	example_stop(&up);
	cr_assert(jl_get_u64(j, "event_loop_threads", &loops));
	cr_assert_eq(loops, 1, "%s", r.out);
	cr_assert(jl_get_bool(j, "threads[0].event_loop", &flag) && flag);
	jl_free(j);
	run_result_free(&r);
}
