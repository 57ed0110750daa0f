// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fleet mode with the real components, on loopback only: a real Prometheus server scraping the
 * agent every second (queried through its HTTP API), a real node_exporter reading the textfile
 * variant, promtool checking a scrape and the shipped rules. Every process a test starts is
 * stopped by the fixture, and its directory removed, even when an assertion fails.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "itest.h"

#define MAX_PROCS 8

static char dir[64];
static struct example procs[MAX_PROCS]; /* pid only: example_stop stops them */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ws-fleet.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	memset(procs, 0, sizeof(procs));
}

static void teardown(void)
{
	char cmd[128];
	int i;

	for (i = MAX_PROCS - 1; i >= 0; i--)
		example_stop(&procs[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "fleet: failed to remove %s\n", dir);
}

/* Start argv with stdout and stderr into DIR/log; its slot in procs[] (the fixture stops it). */
static int start(const char *log, char *const *argv)
{
	char path[128];
	int i, fd;
	pid_t pid;

	for (i = 0; i < MAX_PROCS && procs[i].pid; i++)
		;
	cr_assert_lt(i, MAX_PROCS);
	snprintf(path, sizeof(path), "%s/%s", dir, log);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	procs[i].pid = pid;
	return i;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* GET path from 127.0.0.1:port (HTTP/1.0): the body, malloc'ed, or NULL; *status the code. */
static char *http_get(int port, const char *path, int *status)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 5, 0 };
	char *buf, *body, req[2048];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*status = 0;
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return NULL;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	buf = itest_slurp_fd(fd); /* HTTP/1.0: the server closes after the body */
	close(fd);
	if (!buf)
		return NULL;
	sscanf(buf, "HTTP/%*s %d", status);
	body = strstr(buf, "\r\n\r\n");
	if (!body) {
		free(buf);
		return NULL;
	}
	memmove(buf, body + 4, strlen(body + 4) + 1);
	return buf;
}

static void url_encode(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* An instant query's single value (NaN when the result is empty or the query failed). */
static double prom_query(int port, const char *q)
{
	char path[2048], enc[1800];
	char *body, *v;
	double val = NAN;
	int status;

	url_encode(q, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/api/v1/query?query=%s", enc);
	body = http_get(port, path, &status);
	if (!body)
		return NAN;
	/* "result":[{"metric":{...},"value":[1700000000.123,"3.99"]}] */
	v = strstr(body, "\"value\":[");
	if (status == 200 && v && (v = strchr(v, ',')) && v[1] == '"')
		val = strtod(v + 2, NULL);
	free(body);
	return val;
}

/* Poll query until its value is within tol (relative) of want, up to timeout_s. */
static double wait_value(int port, const char *q, double want, double tol, double timeout_s)
{
	double deadline = now_s() + timeout_s, v = NAN;

	while (now_s() < deadline) {
		v = prom_query(port, q);
		if (isfinite(v) && fabs(v - want) <= tol * want)
			return v;
		usleep(250000);
	}
	return v;
}

static void require_tools(const char *tool)
{
	char cmd[128];

	ITEST_REQUIRE_ROOT();
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) != 0)
		cr_skip_test("needs %s (Debian package in the README's set-up command)", tool);
}

/* A copy of build/examples/sleeper under a unique name, for -n. */
static void sleeper_copy(const char *name, char *out, size_t size)
{
	char src[512], cmd[1200];

	itest_build_path("examples/sleeper", src, sizeof(src));
	snprintf(out, size, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, out);
	cr_assert_eq(system(cmd), 0);
}

static int start_sleeper(const char *path, const char *threads, const char *log)
{
	char *argv[] = { (char *)path, "-n", (char *)threads, "-i", "50", NULL };

	return start(log, argv);
}

static int start_agent(char *const *extra, const char *log)
{
	char bin[512];
	char *argv[24];
	int n = 0;

	itest_build_path("waitscope", bin, sizeof(bin));
	argv[n++] = bin;
	while (*extra && n < 23)
		argv[n++] = *extra++;
	argv[n] = NULL;
	return start(log, argv);
}

static void wait_file(const char *path, double timeout_s)
{
	double deadline = now_s() + timeout_s;

	while (now_s() < deadline && access(path, F_OK))
		usleep(50000);
	cr_assert_eq(access(path, F_OK), 0, "%s did not appear", path);
}

Test(fleet, prometheus_scrapes_agent, .init = setup, .fini = teardown, .timeout = 80,
     .description = "a real Prometheus scrapes --listen every second: up == 1, the summed "
		    "time rate is the live thread count, a restart recovers to the new count "
		    "with no counter reset, a sliding verdict, promtool accepts a scrape")
{
	char exe[128], listen[32], cfg[128], data[128], cfgarg[160], dataarg[160], web[64];
	char ready[128], scrape[128], cmd[256], name[32];
	int aport = free_port(), pport = free_port(), status, slot;
	const char *rate = "sum(rate(waitscope_time_seconds_total{service=\"fleet\"}[5s]))";
	FILE *f;
	char *body;
	double v;

	require_tools("prometheus");
	snprintf(name, sizeof(name), "wsfl%d", getpid() % 100000);
	sleeper_copy(name, exe, sizeof(exe));
	slot = start_sleeper(exe, "3", "sleeper1.log"); /* 4 threads: main + 3 */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", aport);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	usleep(200000);
	{
		char *a[] = { "-n", name, "--listen", listen, "-i", "1", "--label",
			      "service=fleet", "--verdict-window", "3", "--ready-file", ready,
			      NULL };

		start_agent(a, "agent.log");
	}
	wait_file(ready, 20);

	body = http_get(aport, "/metrics", &status);
	cr_assert_not_null(body);
	cr_assert_eq(status, 200);
	snprintf(scrape, sizeof(scrape), "%s/scrape.prom", dir);
	f = fopen(scrape, "w");
	cr_assert_not_null(f);
	fputs(body, f);
	fclose(f);
	free(body);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' > '%s/promtool.log' 2>&1", scrape,
		 dir);
	cr_assert_eq(system(cmd), 0, "promtool check metrics refused a scrape (%s)", dir);

	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", dir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fprintf(f, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
		   "scrape_configs:\n  - job_name: waitscope\n    static_configs:\n"
		   "      - targets: ['127.0.0.1:%d']\n", aport);
	fclose(f);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", cfg);
	snprintf(dataarg, sizeof(dataarg), "--storage.tsdb.path=%s", data);
	snprintf(web, sizeof(web), "--web.listen-address=127.0.0.1:%d", pport);
	{
		char *a[] = { "prometheus", cfgarg, dataarg, web, "--log.level=warn", NULL };

		start("prometheus.log", a);
	}
	v = wait_value(pport, "up{job=\"waitscope\"}", 1, 0, 20);
	cr_assert_float_eq(v, 1, 0, "up = %g", v);
	v = wait_value(pport, rate, 4, 0.10, 15);
	cr_assert(fabs(v - 4) <= 0.4, "rate %g, want 4 threads within 10%%", v);

	/* Restart the service: the old process exits, a new one with 3 threads starts. */
	example_stop(&procs[slot]);
	start_sleeper(exe, "2", "sleeper2.log");
	/* three 1 s intervals, plus the 5 s rate window that still holds the old process */
	v = wait_value(pport, rate, 3, 0.10, 5 + 3 + 3);
	cr_assert(fabs(v - 3) <= 0.3, "after the restart: rate %g, want 3 threads within 10%%", v);
	v = prom_query(pport, "sum(resets(waitscope_time_seconds_total[1m]))");
	cr_assert_float_eq(v, 0, 0, "a counter went down %g times", v);
	v = prom_query(pport, "waitscope_processes");
	cr_assert_float_eq(v, 1, 0, "one live target process, %g", v);
	/* a 3 s verdict window sliding by 1 s intervals: long full, one verdict series at a time */
	v = prom_query(pport, "count(waitscope_async_verdict{service=\"fleet\"} == 1)");
	cr_assert_float_eq(v, 1, 0, "verdict series: %g", v);
}

Test(fleet, textfile_node_exporter, .init = setup, .fini = teardown, .timeout = 40,
     .description = "-i with --prom rewrites a textfile that a real node_exporter reads without "
		    "error")
{
	char exe[128], tf[128], file[192], tfarg[192], web[64], name[32];
	int nport = free_port(), status;
	double deadline;
	char *body = NULL;
	bool ok = false;

	require_tools("prometheus-node-exporter");
	snprintf(name, sizeof(name), "wstf%d", getpid() % 100000);
	sleeper_copy(name, exe, sizeof(exe));
	start_sleeper(exe, "1", "sleeper.log");
	snprintf(tf, sizeof(tf), "%s/textfile", dir);
	cr_assert_eq(mkdir(tf, 0755), 0);
	snprintf(file, sizeof(file), "%s/waitscope.prom", tf);
	usleep(200000);
	{
		char *a[] = { "-n", name, "-i", "1", "--prom", file, NULL };

		start_agent(a, "agent.log");
	}
	wait_file(file, 20);
	snprintf(tfarg, sizeof(tfarg), "--collector.textfile.directory=%s", tf);
	snprintf(web, sizeof(web), "--web.listen-address=127.0.0.1:%d", nport);
	{
		char *a[] = { "prometheus-node-exporter", "--collector.disable-defaults",
			      "--collector.textfile", tfarg, web, NULL };

		start("node-exporter.log", a);
	}
	deadline = now_s() + 15;
	while (!ok && now_s() < deadline) {
		free(body);
		usleep(200000);
		body = http_get(nport, "/metrics", &status);
		ok = body && status == 200 && strstr(body, "waitscope_time_seconds_total{");
	}
	cr_assert(ok, "node_exporter did not serve waitscope's series");
	cr_assert_not_null(strstr(body, "\nnode_textfile_scrape_error 0\n"), "%.2000s", body);
	free(body);
}

Test(fleet, no_target_keeps_serving, .init = setup, .fini = teardown, .timeout = 30,
     .description = "an agent whose -n matches nothing serves zero threads, survives SIGHUP, "
		    "and exits 0 on SIGTERM")
{
	char listen[32], ready[128];
	int port = free_port(), status, slot;
	char *body;

	ITEST_REQUIRE_ROOT();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	{
		char *a[] = { "-n", "no-such-proc-ws", "--listen", listen, "-i", "0.5",
			      "--ready-file", ready, NULL };

		slot = start_agent(a, "agent.log");
	}
	wait_file(ready, 20);
	body = http_get(port, "/metrics", &status);
	cr_assert_not_null(body);
	cr_assert_eq(status, 200);
	cr_assert_not_null(strstr(body, "\nwaitscope_threads{comm=\"no-such-proc-ws\"} 0\n"),
			   "%.1500s", body);
	free(body);
	body = http_get(port, "/nope", &status);
	cr_assert_eq(status, 404);
	free(body);
	kill(procs[slot].pid, SIGHUP);
	usleep(700000);
	cr_assert_eq(waitpid(procs[slot].pid, &status, WNOHANG), 0, "SIGHUP ended the agent");
	body = http_get(port, "/metrics", &status);
	cr_assert_eq(status, 200, "still serving after SIGHUP");
	free(body);
	kill(procs[slot].pid, SIGTERM);
	cr_assert_eq(waitpid(procs[slot].pid, &status, 0), procs[slot].pid);
	procs[slot].pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

Test(fleet, rules_check, .description = "contrib/prometheus/waitscope.rules.yml passes promtool "
					"check rules")
{
	char path[512], cmd[700];

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		cr_skip_test("needs promtool (Debian package prometheus)");
	snprintf(path, sizeof(path), "contrib/prometheus/waitscope.rules.yml");
	if (access(path, R_OK))
		itest_build_path("../contrib/prometheus/waitscope.rules.yml", path, sizeof(path));
	cr_assert_eq(access(path, R_OK), 0, "no rules file at %s", path);
	snprintf(cmd, sizeof(cmd), "promtool check rules '%s' >/dev/null", path);
	cr_assert_eq(system(cmd), 0);
}
