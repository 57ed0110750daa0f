// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The verdict on real servers under real load (wrk): I/O-bound -> yes, CPU-bound -> no. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "itest.h"
#include "json_lite.h"

#define TIMEOUT 90

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
	if (access("/usr/bin/wrk", X_OK))
		cr_skip_test("needs wrk (apt-get install wrk)");
}

TestSuite(verdict, .init = require_root, .timeout = TIMEOUT);

struct verdict {
	char evidence[512];
	char cls[32];
	char helps[16];
	double ratio;
	double connections_held; /* -1: null */
	uint64_t dispatchers, supervisors, workers;
};

static void judge_server(const char *server, const char *const *srv_args, const char *conns,
			 bool follow, struct verdict *v);

/* waitscope's exit and its JSON report, asserted good. */
static struct jl_value *run_json(const struct run_result *r)
{
	char err[256];
	struct jl_value *j;

	cr_assert_eq(r->status, 0, "%s", r->err);
	j = jl_parse(r->out, strlen(r->out), err, sizeof(err));
	cr_assert_not_null(j, "%s", err);
	return j;
}

static void judge(const char *const *srv_args, const char *conns, struct verdict *v)
{
	judge_server("syncserver", srv_args, conns, false, v);
}

/* Load example server (args) with wrk at conns connections and profile it for 3 s (-f: and its
 * child processes). */
static void judge_server(const char *server, const char *const *srv_args, const char *conns,
			 bool follow, struct verdict *v)
{
	char url[64], pidbuf[16], cflag[16];
	const char *wrk_argv[] = { "-t2", cflag, "-d8s", url, NULL };
	const char *argv[16];
	struct example srv, load;
	struct run_result r;
	struct jl_value *j;
	const char *s;

	cr_assert_eq(example_start(&srv, server, srv_args), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
	snprintf(cflag, sizeof(cflag), "-c%s", conns);
	cr_assert_eq(load_start(&load, "/usr/bin/wrk", wrk_argv), 0);
	sleep(2);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), srv.target, "3",
		       follow ? (const char *const[]){ "-f", NULL } : NULL);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&load);
	example_stop(&srv);
	j = run_json(&r);
	s = jl_get_str(j, "classification.class");
	cr_assert_not_null(s, "no classification: %s", r.out);
	snprintf(v->cls, sizeof(v->cls), "%s", s);
	s = jl_get_str(j, "prediction.async_helps");
	cr_assert_not_null(s);
	snprintf(v->helps, sizeof(v->helps), "%s", s);
	cr_assert(jl_get_double(j, "prediction.throughput_ratio", &v->ratio));
	cr_assert(jl_get_u64(j, "prediction.dispatchers", &v->dispatchers));
	cr_assert(jl_get_u64(j, "prediction.supervisors", &v->supervisors));
	cr_assert(jl_get_u64(j, "prediction.workers", &v->workers));
	if (!jl_get_double(j, "prediction.connections_held", &v->connections_held))
		v->connections_held = -1;
	s = jl_get_str(j, "prediction.conditions[2].evidence");
	snprintf(v->evidence, sizeof(v->evidence), "%s", s ? s : "");
	jl_free(j);
	run_result_free(&r);
}

Test(verdict, io_bound_under_high_load_says_yes,
     .description = "4 workers, 0.5 ms CPU + 20 ms upstream per request, 64 clients: yes")
{
	char port[16] = "0";
	const char *srv[] = { "-w", "4", "-c", "500", "-u", port, "-n", "1", NULL };
	struct example up;
	const char *up_args[] = { "-D", "20", NULL };
	struct verdict v;

	/* The upstream must exist before the server's args name its port. */
	cr_assert_eq(example_start(&up, "upstream", up_args), 0);
	snprintf(port, sizeof(port), "%d", up.port);
	judge(srv, "64", &v);
	example_stop(&up);
	cr_assert_str_eq(v.cls, "io-bound");
	cr_assert_str_eq(v.helps, "yes", "class %s ratio %.2f: %s", v.cls, v.ratio, v.evidence);
	/* measured side by side (examples/README.md): async/sync ~ 9x on this load */
	cr_assert(v.ratio > 4 && v.ratio < 20, "ratio %.2f", v.ratio);
}

Test(verdict, cpu_bound_says_no, .description = "4 workers burning 5 ms CPU per request: no")
{
	const char *srv[] = { "-w", "4", "-c", "5000", NULL };
	struct verdict v;

	judge(srv, "64", &v);
	cr_assert(!strcmp(v.cls, "cpu-bound") || !strcmp(v.cls, "cpu-starved"), "class %s",
		  v.cls);
	cr_assert_str_eq(v.helps, "no");
	cr_assert(v.ratio < 1.3, "ratio %.2f", v.ratio);
}

Test(verdict, underloaded_says_no, .description = "one client for 4 workers: underloaded, no")
{
	char port[16] = "0";
	const char *srv[] = { "-w", "4", "-c", "500", "-u", port, "-n", "1", NULL };
	const char *up_args[] = { "-D", "20", NULL };
	struct example up;
	struct verdict v;

	cr_assert_eq(example_start(&up, "upstream", up_args), 0);
	snprintf(port, sizeof(port), "%d", up.port);
	judge(srv, "1", &v);
	example_stop(&up);
	cr_assert_str_eq(v.cls, "underloaded");
	cr_assert_str_eq(v.helps, "no");
}

Test(verdict, thread_pool_behind_an_acceptor_says_yes,
     .description = "an acceptor thread queues 64 clients for 4 pool workers (20 ms upstream): yes")
{
	char port[16] = "0";
	const char *srv[] = { "-m", "pool", "-w", "4", "-c", "500", "-u", port, "-n", "1", NULL };
	const char *up_args[] = { "-D", "20", NULL };
	struct example up;
	struct verdict v;

	cr_assert_eq(example_start(&up, "upstream", up_args), 0);
	snprintf(port, sizeof(port), "%d", up.port);
	judge(srv, "64", &v);
	example_stop(&up);
	cr_assert_eq(v.dispatchers, 1, "the acceptor thread is recognised");
	/* wrk holds its 64 keep-alive connections the whole window: counted at the start by
	 * sock_diag, then kept by the kernel's count of state changes */
	cr_assert(v.connections_held > 56 && v.connections_held < 72, "connections held %.1f",
		  v.connections_held);
	cr_assert_str_eq(v.cls, "io-bound");
	cr_assert_str_eq(v.helps, "yes", "class %s ratio %.2f: %s", v.cls, v.ratio, v.evidence);
	cr_assert(v.ratio > 4 && v.ratio < 20, "ratio %.2f", v.ratio);
}

Test(verdict, gunicorn_style_prefork_says_yes,
     .description = "Python master + 4 sync worker processes (select, accept), 20 ms upstream: yes")
{
	char port[16] = "0";
	const char *srv[] = { "-u", port, "-w", "4", NULL };
	const char *up_args[] = { "-D", "20", NULL };
	struct example up;
	struct verdict v;

	cr_assert_eq(example_start(&up, "upstream", up_args), 0);
	snprintf(port, sizeof(port), "%d", up.port);
	judge_server("pyprefork.py", srv, "64", true, &v);
	example_stop(&up);
	cr_assert_eq(v.supervisors, 1, "the master process is recognised");
	cr_assert_eq(v.workers, 4);
	cr_assert_str_eq(v.cls, "io-bound");
	cr_assert_str_eq(v.helps, "yes", "class %s ratio %.2f: %s", v.cls, v.ratio, v.evidence);
}

Test(verdict, connections_opened_during_the_window_are_counted,
     .description = "64 clients connect 1.5 s into a 4 s window: held ~40 on average, not 0")
{
	char port[16] = "0", url[64], pidbuf[16], err[256];
	const char *srv_args[] = { "-m", "pool", "-w", "4", "-c", "500", "-u", port, "-n", "1",
				   NULL };
	const char *up_args[] = { "-D", "20", NULL };
	const char *sh_argv[] = { "-c", NULL, NULL };
	char script[160];
	const char *argv[16];
	struct example up, srv, load;
	struct run_result r;
	struct jl_value *j;
	double held = -1;

	cr_assert_eq(example_start(&up, "upstream", up_args), 0);
	snprintf(port, sizeof(port), "%d", up.port);
	cr_assert_eq(example_start(&srv, "syncserver", srv_args), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
	/* The sock_diag count at the start sees none: only the kernel's running count sees them */
	snprintf(script, sizeof(script), "sleep 1.5; exec /usr/bin/wrk -t2 -c64 -d8s %s", url);
	sh_argv[1] = script;
	cr_assert_eq(load_start(&load, "/bin/sh", sh_argv), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), srv.target, "4", NULL);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&load);
	example_stop(&srv);
	example_stop(&up);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = jl_parse(r.out, strlen(r.out), err, sizeof(err));
	cr_assert_not_null(j, "%s", err);
	cr_assert(jl_get_double(j, "prediction.connections_held", &held), "%s", r.out);
	/* 64 for the last ~2.5 s of 4: ~40 */
	cr_assert(held > 20 && held < 58, "connections held %.1f", held);
	jl_free(j);
	run_result_free(&r);
}

Test(verdict, client_in_recv_is_not_applicable,
     .description = "netclient blocked in recv, no listener, no accepted connection: "
		    "not-applicable, ratio null, no worker advice")
{
	const char *args[] = { "-D", "50", NULL };
	char pidbuf[16];
	const char *argv[16];
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	uint64_t workers, recommended;
	const char *s;

	cr_assert_eq(example_start(&ex, "netclient", args), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "2", NULL);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	j = run_json(&r);
	s = jl_get_str(j, "prediction.async_helps");
	cr_assert_not_null(s, "%s", r.out);
	cr_expect_str_eq(s, "not-applicable", "%s", r.out);
	cr_expect(jl_is_null(jl_get(j, "prediction.throughput_ratio")), "ratio not null");
	cr_assert(jl_get_u64(j, "prediction.workers", &workers));
	cr_assert(jl_get_u64(j, "prediction.recommended_workers", &recommended));
	cr_expect_eq(recommended, workers, "no worker-count advice");
	s = jl_get_str(j, "prediction.advice");
	cr_expect(s && strstr(s, "not a server"), "%s", s ? s : "(null)");
	jl_free(j);
	run_result_free(&r);
}
