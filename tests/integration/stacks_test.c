// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stacks as the tools read them, on the real kernel: waitscope's pprof output through
 * `go tool pprof` (Debian golang-go), and a Node.js server run with --perf-basic-prof whose
 * JavaScript function names come out of /tmp/perf-PID.map into the folded stacks.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "itest.h"
#include "jl_assert.h"
#include "json_lite.h"
#include "pprof_decode.h"

#define TIMEOUT 90

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
}

TestSuite(stacks, .init = require_root, .timeout = TIMEOUT);

static char *slurp_cmd(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *f = popen(cmd, "r"), *out = open_memstream(&buf, &len);

	cr_assert_not_null(f, "popen %s", cmd);
	cr_assert_not_null(out);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, out);
	cr_assert_eq(pclose(f), 0, "'%s' failed: %s", cmd, (fclose(out), buf));
	fclose(out);
	return buf;
}

static void require_tool(const char *tool, const char *package)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s > /dev/null", tool);
	cr_assert_eq(system(cmd), 0, "needs %s (Debian %s)", tool, package);
}

/* Sum of one sample type over a decoded profile, and of a process's on-CPU ns in the JSON. */
static uint64_t profile_sum(const struct ppd_profile *p, int idx)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < p->n_samples; i++)
		sum += p->samples[i].values[idx];
	return sum;
}

/* "Total samples = 2.99s" or "= 1500ms" of go tool pprof -top, in ns. */
static double top_total_ns(const char *top)
{
	const char *p = strstr(top, "Total samples = ");
	double v;
	char unit[8];

	cr_assert_not_null(p, "no total in: %s", top);
	cr_assert_eq(sscanf(p + 16, "%lf%7[a-z]", &v, unit), 2);
	if (!strcmp(unit, "s"))
		return v * 1e9;
	if (!strcmp(unit, "ms"))
		return v * 1e6;
	if (!strcmp(unit, "us"))
		return v * 1e3;
	return v;
}

Test(stacks, go_tool_pprof_reads_it,
     .description = "go tool pprof -raw/-top: binary names and build-ids shown, no 'filename not "
		    "available', file:line, totals equal the profile and track the JSON")
{
	const char *spin_args[] = { "-n", "1", "-t", "30", NULL };
	const char *sleep_args[] = { "-n", "1", "-i", "20", "-t", "30", NULL };
	char path[128], pidbuf[32], cmd[512], err[256];
	const char *extra[] = { "--pprof", path, NULL };
	const char *argv[16];
	struct run_result r;
	struct ppd_profile prof;
	struct example ex, sl;
	struct jl_value *j;
	uint8_t *data;
	size_t len, data_len;
	char *raw, *top, *gz;
	uint64_t on;
	FILE *f;

	require_tool("go", "golang-go");
	snprintf(path, sizeof(path), "/tmp/waitscope-stacks-%d.pb.gz", getpid());
	cr_assert_eq(example_start(&ex, "spinner", spin_args), 0);
	/* A spinner alone may never be sampled in the kernel: the sleeper's blocks give kernel
	 * frames for certain. The spinner stays the first target, pprof's main binary. */
	cr_assert_eq(example_start(&sl, "sleeper", sleep_args), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "3", extra);
	snprintf(pidbuf, sizeof(pidbuf), "%d,%d", ex.target, sl.target);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&sl);
	example_stop(&ex);
	cr_assert_eq(r.status, 0, "waitscope: %s", r.err);
	j = jl_parse(r.out, strlen(r.out), err, sizeof(err));
	cr_assert_not_null(j, "bad JSON: %s", err);

	snprintf(cmd, sizeof(cmd), "go tool pprof -raw %s 2>&1", path);
	raw = slurp_cmd(cmd);
	cr_assert_null(strstr(raw, "not available"), "%s", raw);
	cr_assert_not_null(strstr(raw, "Mappings"), "%s", raw);
	cr_assert_not_null(strstr(raw, "/examples/spinner "), "the binary's path: %s", raw);
	cr_assert_not_null(strstr(raw, "[kernel.kallsyms]"), "%s", raw);
	cr_assert_not_null(strstr(raw, "spinner.c:"), "file:line from DWARF: %s", raw);
	cr_assert_not_null(strstr(raw, "[FN]"), "resolved mappings say so: %s", raw);

	snprintf(cmd, sizeof(cmd), "go tool pprof -sample_index=on-cpu -top %s 2>&1", path);
	top = slurp_cmd(cmd);
	cr_assert_null(strstr(top, "not available"), "%s", top);
	cr_assert_not_null(strstr(top, "File: spinner\n"), "pprof's main binary: %s", top);
	cr_assert_not_null(strstr(top, "Build ID: "), "%s", top);
	cr_assert(strstr(top, " spin\n") || strstr(top, " wl_spin\n"), "%s", top);

	f = fopen(path, "rb");
	cr_assert_not_null(f);
	gz = malloc(1 << 24);
	cr_assert_not_null(gz);
	len = fread(gz, 1, 1 << 24, f);
	fclose(f);
	cr_assert_eq(ppd_gunzip((uint8_t *)gz, len, &data, &data_len), 0);
	cr_assert_eq(ppd_decode(data, data_len, &prof, err, sizeof(err)), 0, "%s", err);
	on = profile_sum(&prof, ppd_sample_type(&prof, "on-cpu"));
	/* pprof prints 3 significant digits */
	cr_assert(fabs(top_total_ns(top) - (double)on) <= 0.01 * (double)on,
		  "pprof total %.0f ns vs %llu ns in the file", top_total_ns(top),
		  (unsigned long long)on);
	/* Sampled at 99 Hz against the measured on-CPU time: the export tests' rule. */
	cr_assert(fabs((double)on - (double)process_ns(j, ex.target, "on_cpu_ns")) <=
		  fmax(0.2 * (double)on, 3 * sqrt((double)on / prof.period) * prof.period +
		       2.0 * prof.period), "on-cpu %llu sampled vs %llu ns measured",
		  (unsigned long long)on, (unsigned long long)process_ns(j, ex.target, "on_cpu_ns"));
	cr_assert_gt(prof.n_mappings, 1);
	cr_assert_gt(prof.n_comments, 0, "the unknown-frame share is in the comments");
	cr_log_info("%s", ppd_str(&prof, prof.comments[0]));
	ppd_free(&prof);
	free(data);
	free(gz);
	free(raw);
	free(top);
	jl_free(j);
	run_result_free(&r);
	unlink(path);
}

static const char node_src[] =
	"'use strict';\n"
	"const http = require('http');\n"
	"function waitscopeHotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; "
	"return s; }\n"
	"function waitscopeHandler(req, res) { res.end(String(waitscopeHotLoop(2e6))); }\n"
	"const srv = http.createServer(waitscopeHandler);\n"
	"srv.listen(0, '127.0.0.1', () => {\n"
	"  for (let i = 0; i < 50; i++) waitscopeHotLoop(1e5);\n"
	"  console.log(`ready pid=${process.pid} port=${srv.address().port}`);\n"
	"  setInterval(() => waitscopeHotLoop(5e6), 20);\n"
	"});\n";

Test(stacks, node_perf_map_names,
     .description = "node --perf-basic-prof: JavaScript function names in the folded stacks")
{
	char script[128], folded[128], pidbuf[16], map[64], cmd[256], logopt[160];
	const char *extra[] = { "--folded", folded, NULL };
	/* --perf-basic-prof also turns V8's log on: into one file of ours, not isolate-*.log in
	 * the working directory */
	const char *node_args[] = { "--perf-basic-prof", "--no-logfile-per-isolate", logopt, script,
				    NULL };
	const char *argv[16];
	struct run_result r;
	struct example ex;
	char *text;
	FILE *f;

	require_tool("node", "nodejs");
	snprintf(script, sizeof(script), "/tmp/waitscope-stacks-%d.js", getpid());
	snprintf(folded, sizeof(folded), "/tmp/waitscope-stacks-%d.folded", getpid());
	snprintf(logopt, sizeof(logopt), "--logfile=/tmp/waitscope-stacks-%d.v8.log", getpid());
	f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs(node_src, f);
	fclose(f);
	cr_assert_eq(example_start_path(&ex, "/usr/bin/node", node_args), 0, "node did not start");
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "3", extra);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	cr_assert_eq(r.status, 0, "waitscope: %s", r.err);
	snprintf(cmd, sizeof(cmd), "cat %s", folded);
	text = slurp_cmd(cmd);
	cr_assert_not_null(strstr(text, "waitscopeHotLoop"), "no JavaScript frame in:\n%.3000s",
			   text);
	free(text);
	snprintf(map, sizeof(map), "/tmp/perf-%d.map", ex.target);
	unlink(map);
	unlink(folded);
	unlink(script);
	unlink(logopt + strlen("--logfile="));
	run_result_free(&r);
}
