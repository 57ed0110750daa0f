// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration tests: the real waitscope binary loads the real BPF object and profiles real
 * workloads from examples/. Root is required; without it every test is skipped, saying why.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "itest.h"
#include "jl_assert.h"
#include "json_lite.h"

#define TIMEOUT 60

struct profiled {
	struct run_result run;
	struct jl_value *json;
};

static void parse_json(struct profiled *p)
{
	char err[256];

	cr_assert_eq(p->run.status, 0, "waitscope failed (%d): %s", p->run.status, p->run.err);
	p->json = jl_parse(p->run.out, strlen(p->run.out), err, sizeof(err));
	cr_assert_not_null(p->json, "invalid JSON (%s): %s", err, p->run.out);
	cr_assert_str_eq(jl_get_str(p->json, "schema"), "waitscope/1");
}

/* Start an example, profile it with -j for secs seconds plus extra args, stop the example. */
static void profile_example(struct profiled *p, const char *name, const char *const *ex_args,
			    const char *secs, const char *const *extra)
{
	const char *argv[32];
	char pidbuf[16];
	struct example ex;

	memset(p, 0, sizeof(*p));
	cr_assert_eq(example_start(&ex, name, ex_args), 0, "example %s did not start", name);
	waitscope_args(argv, 32, pidbuf, sizeof(pidbuf), ex.target, secs, extra);
	cr_assert_eq(waitscope_run(&p->run, argv, TIMEOUT), 0);
	example_stop(&ex);
	parse_json(p);
}

static void profiled_free(struct profiled *p)
{
	jl_free(p->json);
	run_result_free(&p->run);
}

/* Every thread and the totals account for their observed time within 2%. */
static void assert_coverage(const struct jl_value *root)
{
	const struct jl_value *threads = jl_get(root, "threads");
	double cov = get_d(root, "coverage");
	size_t i;

	cr_assert(cov >= 0.98 && cov <= 1.02, "coverage %.4f outside 2%%", cov);
	cr_assert_not_null(threads);
	for (i = 0; i < jl_len(threads); i++) {
		const struct jl_value *t = jl_at(threads, i);
		double tc = get_d(t, "coverage");
		uint64_t sum = get_u(t, "on_cpu_ns") + get_u(t, "runq_ns") + get_u(t, "blocked_ns");
		uint64_t obs = get_u(t, "observed_ns");

		cr_assert(tc >= 0.98 && tc <= 1.02, "thread %llu coverage %.4f",
			  get_u(t, "tid"), tc);
		cr_assert(sum <= obs + obs / 50 && sum + obs / 50 >= obs,
			  "thread %llu: on+runq+blocked %llu vs observed %llu", get_u(t, "tid"),
			  (unsigned long long)sum, (unsigned long long)obs);
	}
}

/* Share of a time field over the threads other than the main thread (the workers). */
static double worker_share(const struct jl_value *root, const char *field)
{
	const struct jl_value *threads = jl_get(root, "threads");
	unsigned long long part = 0, obs = 0;
	size_t i;

	for (i = 0; i < jl_len(threads); i++) {
		const struct jl_value *t = jl_at(threads, i);

		if (get_u(t, "tid") == get_u(t, "tgid"))
			continue;
		part += get_u(t, field);
		obs += get_u(t, "observed_ns");
	}
	cr_assert(obs > 0, "no worker threads");
	return (double)part / (double)obs;
}

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
}

TestSuite(profile, .init = require_root, .timeout = TIMEOUT);

Test(profile, spinner_is_on_cpu, .description = "a lone spinning thread is > 90% on CPU")
{
	const char *args[] = { "-n", "1", NULL };
	struct profiled p;
	double on;

	profile_example(&p, "spinner", args, "2", NULL);
	on = worker_share(p.json, "on_cpu_ns");
	cr_assert(on > 0.90, "spinner on-CPU share %.3f", on);
	cr_assert_eq(get_u(p.json, "threads_seen"), 2);
	cr_assert_str_eq(jl_get_str(p.json, "ended_by"), "duration");
	cr_assert_eq(get_u(p.json, "drops.total"), 0);
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, sleeper_is_blocked, .description = "threads in nanosleep are > 95% blocked")
{
	const char *args[] = { "-n", "2", "-i", "50", NULL };
	struct profiled p;
	double blocked;

	profile_example(&p, "sleeper", args, "2", NULL);
	blocked = get_d(p.json, "totals.blocked_share");
	cr_assert(blocked > 0.95, "sleeper blocked share %.3f", blocked);
	/* 2 threads x 20 wakeups/s x 2 s, give or take */
	cr_assert(get_u(p.json, "totals.wakeups") >= 60, "wakeups %llu",
		  get_u(p.json, "totals.wakeups"));
	cr_assert(get_u(p.json, "histograms.blocked.count") >= 60);
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, socket_waiter_is_blocked, .description = "read() on a slowly fed socket blocks")
{
	const char *args[] = { "-i", "20", NULL };
	struct profiled p;
	double blocked;
	uint64_t p50;

	profile_example(&p, "sockwait", args, "2", NULL);
	blocked = get_d(p.json, "totals.blocked_share");
	cr_assert(blocked > 0.90, "sockwait blocked share %.3f", blocked);
	cr_assert(get_u(p.json, "totals.vol_switches") >= 50);
	/* Each read waits for the next 20 ms feed: median blocked interval 8..40 ms. */
	cr_assert(jl_get_u64(p.json, "histograms.blocked.p50_ns", &p50));
	cr_assert(p50 > 8000000 && p50 < 40000000, "blocked p50 %llu ns", (unsigned long long)p50);
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, oversubscribed_spinners_wait_in_runqueue,
     .description = "2x more spinners than CPUs: run-queue wait between 30% and 70%")
{
	char n[16];
	const char *args[] = { "-n", n, NULL };
	struct profiled p;
	double runq;

	snprintf(n, sizeof(n), "%ld", 2 * sysconf(_SC_NPROCESSORS_ONLN));
	profile_example(&p, "oversub", args, "3", NULL);
	runq = worker_share(p.json, "runq_ns");
	cr_assert(runq > 0.30 && runq < 0.70, "run-queue share %.3f", runq);
	cr_assert(get_u(p.json, "totals.invol_switches") > 100);
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, agrees_with_schedstat,
     .description = "on-CPU and run-queue totals match /proc/.../schedstat deltas within 5%")
{
	char n[16];
	const char *args[] = { "-n", n, NULL };
	struct profiled p;
	double on, rq;

	snprintf(n, sizeof(n), "%ld", 2 * sysconf(_SC_NPROCESSORS_ONLN));
	profile_example(&p, "oversub", args, "3", NULL);
	cr_assert(!jl_is_null(jl_get(p.json, "crosscheck")), "no cross-check in the report");
	on = get_d(p.json, "crosscheck.on_cpu_ratio");
	rq = get_d(p.json, "crosscheck.runq_ratio");
	cr_assert(on > 0.95 && on < 1.05, "on-CPU bpf/schedstat %.4f", on);
	cr_assert(rq > 0.95 && rq < 1.05, "run-queue bpf/schedstat %.4f", rq);
	profiled_free(&p);
}

Test(profile, raw_tp_fallback_measures_the_same,
     .description = "--raw-tp (tid hash instead of task storage) gives the same picture")
{
	char n[16];
	const char *args[] = { "-n", n, NULL };
	const char *extra[] = { "--raw-tp", NULL };
	struct profiled p;
	double runq;

	snprintf(n, sizeof(n), "%ld", 2 * sysconf(_SC_NPROCESSORS_ONLN));
	profile_example(&p, "oversub", args, "2", extra);
	cr_assert_str_eq(jl_get_str(p.json, "attach_mode"), "raw_tp");
	runq = worker_share(p.json, "runq_ns");
	cr_assert(runq > 0.30 && runq < 0.70, "run-queue share %.3f", runq);
	cr_assert(get_d(p.json, "crosscheck.on_cpu_ratio") > 0.95);
	cr_assert(get_d(p.json, "crosscheck.on_cpu_ratio") < 1.05);
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, target_exit_mid_run_still_reports,
     .description = "a target exiting after 1 s of a 10 s window: report, exit 0, exit noted")
{
	const char *args[] = { "-n", "1", "-t", "1", NULL };
	struct profiled p;
	double dur;
	bool exited;

	profile_example(&p, "spinner", args, "10", NULL);
	cr_assert_str_eq(jl_get_str(p.json, "ended_by"), "targets-exited");
	cr_assert(jl_get_bool(p.json, "targets[0].exited", &exited) && exited);
	dur = get_d(p.json, "duration_s");
	cr_assert(dur < 3.0, "run went on for %.2f s after the target exited", dur);
	/* The spinning thread was runnable all along, on a CPU or waiting for one. */
	cr_assert(worker_share(p.json, "on_cpu_ns") + worker_share(p.json, "runq_ns") > 0.95);
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, thread_churn_is_accounted,
     .description = "threads born and exiting in the window are counted, coverage holds")
{
	const char *args[] = { "-r", "500", NULL };
	struct profiled p;

	profile_example(&p, "churn", args, "2", NULL);
	cr_assert(get_u(p.json, "threads_seen") > 500, "threads seen %llu",
		  get_u(p.json, "threads_seen"));
	assert_coverage(p.json);
	profiled_free(&p);
}

Test(profile, command_mode_runs_until_exit,
     .description = "waitscope -- COMMAND profiles the command until it exits")
{
	/* sleep(1) prints nothing, so stdout holds only the report. */
	const char *argv[] = { "-j", "--", "sleep", "1", NULL };
	struct profiled p = { 0 };
	bool exited;

	cr_assert_eq(waitscope_run(&p.run, argv, TIMEOUT), 0);
	parse_json(&p);
	cr_assert_str_eq(jl_get_str(p.json, "ended_by"), "targets-exited");
	cr_assert(jl_get_bool(p.json, "targets[0].exited", &exited) && exited);
	cr_assert(get_d(p.json, "duration_s") > 0.9 && get_d(p.json, "duration_s") < 3);
	cr_assert(get_d(p.json, "totals.blocked_share") > 0.9);
	profiled_free(&p);
}

Test(profile, sigint_ends_early_with_report,
     .description = "SIGINT, SIGTERM and SIGHUP end the window with a full report, exit 0")
{
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	const char *args[] = { "-n", "1", NULL };
	char ready[128], pidbuf[16];
	struct example ex;
	size_t i;

	cr_assert_eq(example_start(&ex, "sleeper", args), 0);
	for (i = 0; i < 3; i++) {
		const char *extra[] = { "--ready-file", ready, NULL };
		const char *argv[32];
		struct profiled p = { 0 };

		snprintf(ready, sizeof(ready), "/tmp/waitscope-itest-ready.%d.%zu", getpid(), i);
		unlink(ready);
		waitscope_args(argv, 32, pidbuf, sizeof(pidbuf), ex.target, "30", extra);
		cr_assert_eq(waitscope_run_signal(&p.run, argv, TIMEOUT, ready, sigs[i], 0.5), 0);
		parse_json(&p);
		cr_assert_str_eq(jl_get_str(p.json, "ended_by"), "signal");
		cr_assert(get_d(p.json, "duration_s") < 10, "signal %d not honoured", sigs[i]);
		unlink(ready);
		profiled_free(&p);
	}
	example_stop(&ex);
}

/* Names of loaded BPF programs that are ours (bpftool truncates names to 15 chars). */
static int count_our_progs(void)
{
	FILE *f = popen("bpftool prog show 2>/dev/null | grep -cE "
			"'name (tp|raw)_sched_|name (seed|dump)_threads'", "r");
	int n = -1;

	cr_assert_not_null(f);
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

Test(profile, nothing_left_in_kernel, .description = "after exit no program of ours is loaded")
{
	const char *args[] = { "-n", "1", NULL };
	struct profiled p;

	int i, left = -1;

	profile_example(&p, "sleeper", args, "0.5", NULL);
	profiled_free(&p);
	/* The kernel frees programs after an RCU grace period: allow it 5 s. */
	for (i = 0; i < 50 && left != 0; i++) {
		left = count_our_progs();
		if (left)
			usleep(100000);
	}
	cr_assert_eq(left, 0, "BPF programs left behind");
}

struct bad_input {
	const char *args[6];
	int status;
	const char *msg;
};

Test(profile, bad_targets_fail_with_one_line,
     .description = "unknown PID, kernel thread: one line on stderr and exit 2")
{
	static const struct bad_input cases[] = {
		{ { "-p", "4194303", NULL }, 2, "no such process" },
		{ { "-p", "2", NULL }, 2, "kernel thread" },
		{ { "-p", "1x", NULL }, 2, "invalid PID list" },
		{ { "-d", "2", NULL }, 2, "no target" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_result r;

		cr_assert_eq(waitscope_run(&r, cases[i].args, 10), 0);
		cr_assert_eq(r.status, cases[i].status, "case %zu: status %d, stderr %s", i,
			     r.status, r.err);
		cr_assert_not_null(strstr(r.err, cases[i].msg), "case %zu: %s", i, r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "case %zu: one line",
			     i);
		cr_assert_str_eq(r.out, "", "case %zu: nothing on stdout", i);
		run_result_free(&r);
	}
}

Test(profile, missing_command_fails, .description = "-- /nonexistent: runtime error, exit 1")
{
	const char *argv[] = { "--", "/nonexistent/command", NULL };
	struct run_result r;

	cr_assert_eq(waitscope_run(&r, argv, 10), 0);
	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "failed to execute"));
	run_result_free(&r);
}

/* Processes (tgids) that have threads in the report. */
static size_t count_processes(const struct jl_value *root)
{
	const struct jl_value *threads = jl_get(root, "threads");
	unsigned long long seen[64];
	size_t n = 0, i, j;

	for (i = 0; i < jl_len(threads) && n < 64; i++) {
		unsigned long long tgid = get_u(jl_at(threads, i), "tgid");
		bool dup = false;

		for (j = 0; j < n; j++)
			dup |= seen[j] == tgid;
		if (!dup)
			seen[n++] = tgid;
	}
	return n;
}

Test(profile, follow_children_existing_and_forked,
     .description = "-f covers existing children and children forked during the window")
{
	const char *now_args[] = { "-n", "2", "-D", "0", NULL };
	const char *later_args[] = { "-n", "2", "-D", "700", NULL };
	const char *follow[] = { "-f", NULL };
	struct profiled p;
	bool born;

	/* children already running when waitscope starts */
	profile_example(&p, "forker", now_args, "1.5", follow);
	cr_assert_eq(count_processes(p.json), 3, "%s", p.run.out);
	cr_assert(get_u(p.json, "totals.on_cpu_ns") > 500000000ull);
	assert_coverage(p.json);
	profiled_free(&p);

	/* children forked 0.7 s into the window */
	profile_example(&p, "forker", later_args, "2", follow);
	cr_assert_eq(count_processes(p.json), 3, "%s", p.run.out);
	{
		const struct jl_value *threads = jl_get(p.json, "threads");
		size_t i, n_born = 0;

		for (i = 0; i < jl_len(threads); i++)
			if (jl_get_bool(jl_at(threads, i), "born", &born) && born)
				n_born++;
		cr_assert_eq(n_born, 2, "the two children are born in the window");
	}
	cr_assert(get_u(p.json, "totals.on_cpu_ns") > 400000000ull);
	assert_coverage(p.json);
	profiled_free(&p);

	/* without -f only the parent */
	profile_example(&p, "forker", now_args, "1", NULL);
	cr_assert_eq(count_processes(p.json), 1);
	profiled_free(&p);
}
