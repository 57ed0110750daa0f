// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Real servers from Debian packages under real load (issue 13 §5): each is started by a script
 * of tests/servers/ on a private port and directory, loaded, profiled with -f, and its serving
 * threads must land in the right wait cause (>= 80% of their blocked time) with the right peer.
 * The claims are cr_expect, so one run lists every one that does not hold; what a run measured
 * is printed (and saved as JSON with WS_SERVERS_SAVE=DIR). docs/servers.md has the ground truth.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "itest.h"
#include "jl_assert.h"
#include "srvprof.h"

#define TIMEOUT    120
#define WINDOW     "4"      /* profile window, s */
#define LOAD_SECS  "7"      /* > warm-up + waitscope's start + window: still loaded at the end */
#define WARMUP_US  1000000
#define MAIN_SHARE 0.80     /* issue 13: the main cause of the serving threads */
#define PG_BIN     "/usr/lib/postgresql/15/bin"
#define MAX_SRV    3

static struct example srv[MAX_SRV], load, up;
static char dirs[MAX_SRV][256];
static char desc[16384];

static void setup(void)
{
	ITEST_REQUIRE_ROOT();
}

/* Runs even when an assertion fails: no server outlives its test. */
static void teardown(void)
{
	int i;

	if (load.pid > 0)
		example_stop(&load);
	for (i = MAX_SRV - 1; i >= 0; i--) {
		if (srv[i].pid > 0)
			example_stop(&srv[i]);
		if (dirs[i][0])
			srv_rmtree(dirs[i]);
		dirs[i][0] = '\0';
	}
	if (up.pid > 0)
		example_stop(&up);
}

TestSuite(servers, .init = setup, .fini = teardown, .timeout = TIMEOUT);

/* CI installs every server (README set-up): a missing one is a set-up bug, said as such. */
static void require(const char *path, const char *package)
{
	if (access(path, R_OK) != 0)
		cr_skip_test("needs %s (Debian package %s, in the README set-up): not installed",
			     path, package);
}

/* Start tests/servers/SCRIPT DIR PORT [more...] in slot; returns its port. */
static int start_server(int slot, const char *script, const char *const *more)
{
	const char *args[12];
	char port[16];
	size_t i = 0;
	int p = srv_free_port(), rc;

	cr_assert(p > 0, "no free port");
	cr_assert(srv_mkdtemp(dirs[slot], sizeof(dirs[slot]), script), "mkdtemp failed");
	snprintf(port, sizeof(port), "%d", p);
	args[i++] = dirs[slot];
	args[i++] = port;
	while (more && *more && i < 11)
		args[i++] = *more++;
	args[i] = NULL;
	rc = srv_start(&srv[slot], script, args);
	cr_assert_eq(rc, 0, "%s did not start (%d): '%s'", script, rc, srv[slot].line);
	cr_assert_eq(srv[slot].port, p, "%s: ready line '%s'", script, srv[slot].line);
	return p;
}

static int start_upstream(void)
{
	const char *args[] = { "-D", "20", NULL };

	cr_assert_eq(example_start(&up, "upstream", args), 0, "upstream did not start");
	cr_assert(up.port > 0, "upstream ready line '%s'", up.line);
	return up.port;
}

/* Load for LOAD_SECS, profile the server in slot after a warm-up; the load's output in out. */
static void profile_under_load(struct srv_profile *p, int slot, const char *const *cmd,
			       const char *out, const char *name)
{
	cr_assert_eq(srv_load_start(&load, out, cmd), 0, "load %s did not start", cmd[0]);
	usleep(WARMUP_US);
	cr_assert_eq(srv_profile(p, srv[slot].target, WINDOW, name), 0, "%s: %s", name, p->err);
}

static void load_out_path(char *buf, size_t size, int slot)
{
	snprintf(buf, size, "%s/load.out", dirs[slot]);
}

/* wrk -t 2 -c conns on path of the server at port. */
static void wrk_cmd_conns(const char **cmd, char *url, size_t size, int port, const char *path,
			  const char *conns)
{
	snprintf(url, size, "http://127.0.0.1:%d%s", port, path);
	cmd[0] = "/usr/bin/wrk";
	cmd[1] = "-t";
	cmd[2] = strcmp(conns, "1") ? "2" : "1";
	cmd[3] = "-c";
	cmd[4] = conns;
	cmd[5] = "-d";
	cmd[6] = LOAD_SECS;
	cmd[7] = url;
	cmd[8] = NULL;
}

static void wrk_cmd(const char **cmd, char *url, size_t size, int port, const char *path)
{
	wrk_cmd_conns(cmd, url, size, port, path, "32");
}

/* The load generator ran to its end and served requests (wrk: "N requests in"). */
static void expect_wrk_progress(const char *out)
{
	double reqs;

	cr_expect_eq(srv_load_wait(&load, 10), 0, "wrk did not end cleanly");
	reqs = srv_file_number_after(out, "Requests/sec:");
	cr_expect(reqs > 0, "wrk made no progress (Requests/sec %.1f)", reqs);
	fprintf(stderr, "  load: wrk %.1f req/s\n", reqs);
}

static void expect_common(const struct jl_value *j, const char *name)
{
	double cov = 0;
	const char *unnamed = srv_unnamed_syscall(j);

	cr_expect(jl_get_double(j, "coverage", &cov) && cov >= 0.99, "%s: coverage %.4f", name,
		  cov);
	cr_expect(unnamed == NULL, "%s: syscall without a name: %s", name, unnamed);
}

/* share of cause over the selected threads >= min; says what the report holds otherwise. */
static double expect_share(const struct jl_value *j, const char *what, const char *cause,
			   double min, srv_thread_pred pred, const void *arg)
{
	struct srv_cause_sum s;
	double share = srv_cause_share(j, cause, pred, arg, &s);

	cr_expect(s.threads > 0, "%s: no such threads\n%s", what,
		  srv_describe(j, NULL, NULL, desc, sizeof(desc)));
	cr_expect(share >= min, "%s: %s %.3f of %.2fs blocked (want >= %.2f)\n%s", what, cause,
		  share, s.blocked_ns / 1e9, min, srv_describe(j, pred, arg, desc, sizeof(desc)));
	return share;
}

static void print_report(const char *name, const struct jl_value *j)
{
	fprintf(stderr, "servers/%s: %s", name, srv_describe(j, NULL, NULL, desc, sizeof(desc)));
}

/*
 * The verdict (issue 14): class want_class (NULL: any but not_class), async_helps want_helps
 * (NULL: any). Prints what the model said either way.
 */
static void expect_verdict(const struct jl_value *j, const char *name, const char *want_class,
			   const char *not_class, const char *want_helps)
{
	const char *cls = jl_get_str(j, "classification.class");
	const char *helps = jl_get_str(j, "prediction.async_helps");
	const char *advice = jl_get_str(j, "prediction.advice");
	double ratio = 0, mean = 0;
	uint64_t max = 0;

	jl_get_double(j, "prediction.throughput_ratio", &ratio);
	jl_get_double(j, "prediction.clients_mean", &mean);
	jl_get_u64(j, "prediction.clients_max", &max);
	fprintf(stderr, "  verdict %s: %s x%.2f [%s], clients per worker mean %.2f max %llu: %s\n",
		name, helps ? helps : "?", ratio, cls ? cls : "?", mean, (unsigned long long)max,
		advice ? advice : "?");
	cr_assert(cls && helps, "%s: no verdict", name);
	if (want_class)
		cr_expect_str_eq(cls, want_class, "%s: class %s: %s", name, cls, advice);
	if (not_class)
		cr_expect_str_neq(cls, not_class, "%s: class %s: %s", name, cls, advice);
	if (want_helps)
		cr_expect_str_eq(helps, want_helps, "%s: verdict %s (x%.2f): %s", name, helps, ratio,
				 advice);
}

/* Peer port holds at least min of the cause's time over the selected threads. */
static void expect_peer(const struct jl_value *j, const char *what, int port, const char *cause,
			srv_thread_pred pred, const void *arg)
{
	struct srv_cause_sum s;
	uint64_t ns = srv_peer_ns(j, port, cause);

	srv_cause_share(j, cause, pred, arg, &s);
	cr_expect(ns > 0 && ns >= s.cause_ns * MAIN_SHARE,
		  "%s: peer port %d (%s) holds %.2fs of %.2fs %s\n%s", what, port, cause, ns / 1e9,
		  s.cause_ns / 1e9, cause, srv_describe(j, pred, arg, desc, sizeof(desc)));
}

static int start_postgres(int slot)
{
	require(PG_BIN "/postgres", "postgresql-15");
	require(PG_BIN "/pgbench", "postgresql-15");
	return start_server(slot, "postgres.sh", NULL);
}

Test(servers, postgres_pgbench,
     .description = "PostgreSQL + pgbench: backends wait for their client, WAL flushes on disk, "
		    "no net")
{
	const char *cmd[16] = { PG_BIN "/pgbench", "-h", "127.0.0.1", "-p", NULL, "-U",
				"postgres", "-N", "-c", "8", "-j", "2", "-T", LOAD_SECS,
				"postgres", NULL };
	const char *backend = "127.0.0.1(";
	char port[16], out[300];
	struct srv_profile p;
	struct srv_cause_sum all;
	uint64_t flush;
	double tx;

	/*
	 * A load whose backends do wait for their clients, by PostgreSQL's own account: the
	 * default TPC-B-like script at this scale queues its 8 clients on the 2 branch rows, and
	 * pg_stat_activity then shows 65% of the waits as row locks (docs/servers.md), which
	 * waitscope rightly calls lock. -N skips the branch and teller updates (no hot rows), and
	 * synchronous_commit=off leaves the WAL flushes to the walwriter, so commits do not queue
	 * on WALWriteLock either; the flushes are still there, as disk waits of the walwriter.
	 */
	snprintf(port, sizeof(port), "%d", start_postgres(0));
	cmd[4] = port;
	load_out_path(out, sizeof(out), 0);
	setenv("PGOPTIONS", "-c synchronous_commit=off", 1);
	profile_under_load(&p, 0, cmd, out, "postgres");
	unsetenv("PGOPTIONS");
	print_report("postgres", p.j);
	/*
	 * Backends carry their client in the process title ("postgres: postgres postgres
	 * 127.0.0.1(port) idle"), read while pgbench still holds them.
	 */
	expect_share(p.j, "backends", "client", MAIN_SHARE, srv_thread_cmdline_has, backend);
	cr_expect_eq(srv_load_wait(&load, 10), 0, "pgbench did not end cleanly");
	tx = srv_file_number_after(out, "number of transactions actually processed:");
	cr_expect(tx > 0, "pgbench made no progress (%.0f transactions)", tx);
	fprintf(stderr, "  load: pgbench %.0f transactions\n", tx);
	expect_common(p.j, "postgres");
	/* WAL flushes (fdatasync at commit) are disk waits. */
	flush = srv_syscall_ns(p.j, "fdatasync") + srv_syscall_ns(p.j, "fsync");
	srv_cause_share(p.j, "disk", NULL, NULL, &all);
	cr_expect(flush > 0, "no WAL flush seen");
	cr_expect(all.cause_ns >= flush * 9 / 10, "disk %.3fs < WAL flushes %.3fs", all.cause_ns / 1e9,
		  flush / 1e9);
	/* PostgreSQL has no outbound connection at all. */
	srv_cause_share(p.j, "net", NULL, NULL, &all);
	cr_expect_eq(all.cause_ns, 0, "net %.3fs of %.2fs blocked\n%s", all.cause_ns / 1e9,
		     all.blocked_ns / 1e9, srv_describe(p.j, NULL, NULL, desc, sizeof(desc)));
	srv_profile_free(&p);
}

Test(servers, redis_benchmark,
     .description = "Redis + redis-benchmark: the event loop waits for clients, bio_* are parked")
{
	const char *cmd[] = { "/usr/bin/redis-benchmark", "-p", NULL, "-c", "50", "-n",
			      "100000000", "-t", "set,get", "-q", NULL };
	char port[16], out[300], info[400];
	struct srv_profile p;
	struct srv_cause_sum s;
	double done;

	require("/usr/bin/redis-server", "redis-server");
	require("/usr/bin/redis-benchmark", "redis-tools");
	snprintf(port, sizeof(port), "%d", start_server(0, "redis.sh", NULL));
	cmd[2] = port;
	load_out_path(out, sizeof(out), 0);
	profile_under_load(&p, 0, cmd, out, "redis");
	/* redis-benchmark -n is not time-bounded: count served commands from the server. */
	snprintf(info, sizeof(info), "redis-cli -p %s info stats > %s/info.out", port, dirs[0]);
	cr_expect_eq(system(info), 0, "redis-cli failed");
	snprintf(info, sizeof(info), "%s/info.out", dirs[0]);
	done = srv_file_number_after(info, "total_commands_processed:");
	cr_expect(done > 1000, "redis-benchmark made no progress (%.0f commands)", done);
	fprintf(stderr, "  load: redis %.0f commands\n", done);
	example_stop(&load);
	print_report("redis", p.j);
	expect_common(p.j, "redis");
	expect_verdict(p.j, "redis", "already-async", NULL, "no");
	expect_share(p.j, "event-loop thread", "client", MAIN_SHARE, srv_thread_main, NULL);
	expect_share(p.j, "bio_* threads", "parked", MAIN_SHARE, srv_thread_comm_prefix, "bio_");
	/* Parked threads never count as lock: none of redis's helper threads contend. */
	srv_cause_share(p.j, "lock", srv_thread_not_main, NULL, &s);
	cr_expect_eq(s.cause_ns, 0, "helper threads: lock %.3fs of %.2fs blocked\n%s",
		     s.cause_ns / 1e9, s.blocked_ns / 1e9,
		     srv_describe(p.j, srv_thread_not_main, NULL, desc, sizeof(desc)));
	srv_profile_free(&p);
}

Test(servers, nginx_wrk,
     .description = "nginx + wrk: workers wait for clients or new work, the master is no worker")
{
	const char *cmd[10];
	const char *worker = "nginx: worker process";
	char url[64], out[300];
	struct srv_profile p;
	struct srv_cause_sum s;
	uint64_t workers = 0, supervisors = 0;
	int port;

	require("/usr/sbin/nginx", "nginx-light");
	require("/usr/bin/wrk", "wrk");
	port = start_server(0, "nginx.sh", NULL);
	wrk_cmd(cmd, url, sizeof(url), port, "/");
	load_out_path(out, sizeof(out), 0);
	profile_under_load(&p, 0, cmd, out, "nginx");
	expect_wrk_progress(out);
	print_report("nginx", p.j);
	expect_common(p.j, "nginx");
	expect_verdict(p.j, "nginx", "already-async", NULL, "no");
	{
		double client = srv_cause_share(p.j, "client", srv_thread_cmdline_has, worker, &s);
		double idle = srv_cause_share(p.j, "idle", srv_thread_cmdline_has, worker, NULL);

		cr_expect_eq(s.threads, 2, "%zu worker threads", s.threads);
		cr_expect(client + idle >= MAIN_SHARE, "workers: client %.3f + idle %.3f\n%s",
			  client, idle, srv_describe(p.j, NULL, NULL, desc, sizeof(desc)));
	}
	/* The master waits for signals in rt_sigsuspend: named, and counted as no worker. */
	cr_expect(srv_syscall_ns(p.j, "rt_sigsuspend") > 0, "master's rt_sigsuspend not named");
	cr_expect(jl_get_u64(p.j, "prediction.workers", &workers) && workers == 2,
		  "prediction.workers %llu, want the 2 nginx workers", (unsigned long long)workers);
	cr_expect(jl_get_u64(p.j, "prediction.supervisors", &supervisors) && supervisors == 1,
		  "prediction.supervisors %llu, want the master", (unsigned long long)supervisors);
	srv_profile_free(&p);
}

/*
 * An HTTP server in slot loaded by wrk on path, whose serving threads (pred) must wait in net
 * on the dependency at peer_port (the upstream, or PostgreSQL).
 */
static void expect_net_under_wrk(int slot, const char *path, const char *name, const char *what,
				 int peer_port, srv_thread_pred pred, const void *arg)
{
	const char *cmd[10];
	char url[64], out[300];
	struct srv_profile p;

	wrk_cmd(cmd, url, sizeof(url), srv[slot].port, path);
	load_out_path(out, sizeof(out), slot);
	profile_under_load(&p, slot, cmd, out, name);
	expect_wrk_progress(out);
	print_report(name, p.j);
	expect_common(p.j, name);
	expect_share(p.j, what, "net", MAIN_SHARE, pred, arg);
	expect_peer(p.j, what, peer_port, "net", pred, arg);
	srv_profile_free(&p);
}

Test(servers, node_upstream,
     .description = "Node.js http server calling a slow upstream: the loop's waits hold client "
		    "and outbound connections: net, naming the upstream")
{
	char upport[16];
	const char *more[] = { upport, NULL };

	require("/usr/bin/node", "nodejs");
	require("/usr/bin/wrk", "wrk");
	snprintf(upport, sizeof(upport), "%d", start_upstream());
	start_server(0, "node.sh", more);
	expect_net_under_wrk(0, "/", "node", "event loop (main thread)", up.port, srv_thread_main,
			     NULL);
}

/* uWSGI prefork with app.py in mode (upstream or pg, calling port2): workers wait in net. */
static void uwsgi_case(const char *mode, int port2, const char *name)
{
	char p2[16];
	const char *more[] = { mode, p2, NULL };
	pid_t master;

	require("/usr/bin/uwsgi", "uwsgi-core");
	require("/usr/lib/uwsgi/plugins/python3_plugin.so", "uwsgi-plugin-python3");
	require("/usr/bin/wrk", "wrk");
	snprintf(p2, sizeof(p2), "%d", port2);
	start_server(1, "uwsgi.sh", more);
	master = srv[1].target;
	expect_net_under_wrk(1, "/", name, "workers", port2, srv_thread_not_tgid, &master);
}

Test(servers, uwsgi_http_client,
     .description = "uWSGI prefork, handler calls the upstream through http.client with a "
		    "timeout (poll): net, naming the upstream's port")
{
	uwsgi_case("upstream", start_upstream(), "uwsgi-upstream");
}

Test(servers, uwsgi_psycopg2,
     .description = "uWSGI prefork, handler runs pg_sleep(0.02) through psycopg2 (libpq poll): "
		    "net, naming PostgreSQL's port")
{
	require("/usr/lib/python3/dist-packages/psycopg2/__init__.py", "python3-psycopg2");
	uwsgi_case("pg", start_postgres(0), "uwsgi-pg");
}

Test(servers, php_fpm_upstream,
     .description = "PHP-FPM (static, 4 children) behind nginx calling the upstream: net, naming "
		    "the upstream's port")
{
	char upport[16];
	const char *more[] = { upport, NULL };
	pid_t master;

	require("/usr/sbin/php-fpm8.2", "php8.2-fpm");
	require("/usr/sbin/nginx", "nginx-light");
	require("/usr/bin/wrk", "wrk");
	snprintf(upport, sizeof(upport), "%d", start_upstream());
	start_server(0, "php-fpm.sh", more);
	master = srv[0].target;
	expect_net_under_wrk(0, "/app.php", "php-fpm", "children", up.port, srv_thread_not_tgid,
			     &master);
}

/*
 * uWSGI prefork (--processes 4), the handler calling the 20 ms upstream through http.client
 * (poll over its socket: a set wait, no client in it), under wrk -c conns: never already-async
 * (no wait of a worker holds two clients); want_helps is the verdict.
 */
static void uwsgi_verdict(const char *conns, const char *name, const char *want_helps)
{
	char p2[16], url[64], out[300];
	const char *more[] = { "upstream", p2, NULL };
	const char *cmd[10];
	struct srv_profile p;

	require("/usr/bin/uwsgi", "uwsgi-core");
	require("/usr/lib/uwsgi/plugins/python3_plugin.so", "uwsgi-plugin-python3");
	require("/usr/bin/wrk", "wrk");
	snprintf(p2, sizeof(p2), "%d", start_upstream());
	start_server(1, "uwsgi.sh", more);
	wrk_cmd_conns(cmd, url, sizeof(url), srv[1].port, "/", conns);
	load_out_path(out, sizeof(out), 1);
	profile_under_load(&p, 1, cmd, out, name);
	expect_wrk_progress(out);
	expect_common(p.j, name);
	expect_verdict(p.j, name, NULL, "already-async", want_helps);
	srv_profile_free(&p);
}

Test(servers, uwsgi_high_load_says_yes,
     .description = "uWSGI prefork x4 calling a slow upstream under wrk -c 64: a sync pool, "
		    "async yes")
{
	uwsgi_verdict("64", "uwsgi-c64", "yes");
}

Test(servers, uwsgi_low_load_says_no,
     .description = "the same under wrk -c 2: a sync pool, async no (the load is served)")
{
	uwsgi_verdict("2", "uwsgi-c2", "no");
}
