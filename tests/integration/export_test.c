// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Export files on the real kernel: a spinner (on CPU) and a sleeper (off CPU) profiled together,
 * their stacks written as folded lines and a pprof profile, the report as Prometheus metrics.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "itest.h"
#include "jl_assert.h"
#include "json_lite.h"
#include "pprof_decode.h"
#include "prom_parse.h"

#define TIMEOUT 60
#define WINDOW "3"

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
}

TestSuite(export, .init = require_root, .timeout = TIMEOUT);

struct pair_run {
	struct example spin, sleep;
	struct run_result r;
	struct jl_value *j;
};

/* Profile a 1-thread spinner and a 1-thread sleeper together for WINDOW s with extra options. */
static void run_pair(struct pair_run *pr, const char *const *extra)
{
	const char *spin_args[] = { "-n", "1", "-t", "30", NULL };
	const char *sleep_args[] = { "-n", "1", "-i", "50", "-t", "30", NULL };
	const char *argv[16];
	char pids[64], err[256];
	size_t n = 0;

	cr_assert_eq(example_start(&pr->spin, "spinner", spin_args), 0, "spinner did not start");
	cr_assert_eq(example_start(&pr->sleep, "sleeper", sleep_args), 0, "sleeper did not start");
	snprintf(pids, sizeof(pids), "%d,%d", pr->spin.target, pr->sleep.target);
	argv[n++] = "-p";
	argv[n++] = pids;
	argv[n++] = "-d";
	argv[n++] = WINDOW;
	argv[n++] = "-j";
	while (*extra && n < 15)
		argv[n++] = *extra++;
	argv[n] = NULL;
	cr_assert_eq(waitscope_run(&pr->r, argv, TIMEOUT), 0);
	example_stop(&pr->spin);
	example_stop(&pr->sleep);
	cr_assert_eq(pr->r.status, 0, "waitscope: %s", pr->r.err);
	pr->j = jl_parse(pr->r.out, strlen(pr->r.out), err, sizeof(err));
	cr_assert_not_null(pr->j, "bad JSON: %s", err);
}

static void pair_free(struct pair_run *pr)
{
	jl_free(pr->j);
	run_result_free(&pr->r);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "no file %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void tmp_path(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "/tmp/waitscope-itest-%d.%s", getpid(), what);
	unlink(buf);
}

/*
 * The sampled on-CPU time of a spinning process must agree with its measured on-CPU time: within
 * 3 standard deviations of a Poisson count (+2 samples for the window edges), and at most 20%
 * off once there are enough samples. On a loaded machine the spinner gets less CPU, and fewer
 * samples, but both numbers shrink together.
 */
static void expect_near(uint64_t sampled, uint64_t measured, uint64_t period, const char *what)
{
	double expected = (double)measured / (double)period;
	double got = (double)sampled / (double)period;
	double slack = fmax(0.2 * expected, 3 * sqrt(expected) + 2);

	cr_assert(measured > 250000000ull, "%s: spinner on CPU only %llu ns: machine too loaded "
		  "for a sampling check, rerun", what, (unsigned long long)measured);
	cr_assert(fabs(got - expected) <= slack, "%s: %.0f samples vs %.1f expected from the "
		  "measured %llu ns (slack %.1f)", what, got, expected,
		  (unsigned long long)measured, slack);
}

/* Loaded on_cpu_sample programs (ours: nobody else on this machine uses the name). */
static int sampler_progs(void)
{
	FILE *f = popen("bpftool prog show 2>/dev/null | grep -c 'name on_cpu_sample'", "r");
	int n = -1;

	cr_assert_not_null(f);
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

Test(export, pprof_has_on_and_off_cpu,
     .description = "--pprof: protoc decodes it; on-cpu ns for a spinner, off-cpu for a sleeper")
{
	char path[128], raw[128], txt[128], cmd[640], err[128];
	const char *extra[] = { "--pprof", path, NULL };
	uint64_t on_spin = 0, off_sleep = 0, on_sleep = 0, pid;
	struct ppd_profile prof;
	struct pair_run pr;
	uint8_t *data;
	size_t len, data_len, i;
	char *gz, *decoded;
	int on, off, rc;
	bool sleep_cause = false, root_comm = true;

	tmp_path(path, sizeof(path), "pb.gz");
	tmp_path(raw, sizeof(raw), "pb");
	tmp_path(txt, sizeof(txt), "decoded");
	run_pair(&pr, extra);

	/* An independent decoder first: protoc must accept the (gunzipped) bytes. */
	snprintf(cmd, sizeof(cmd), "gzip -dc %s > %s && protoc --decode_raw < %s > %s 2>&1", path,
		 raw, raw, txt);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "'%s' failed (%d): needs protoc, Debian protobuf-compiler", cmd, rc);
	decoded = slurp(txt, &len);
	cr_assert_not_null(strstr(decoded, "6: \"off-cpu\""), "%.2000s", decoded);
	cr_assert_not_null(strstr(decoded, "6: \"on-cpu\""));
	cr_assert_not_null(strstr(decoded, "6: \"nanoseconds\""));
	free(decoded);

	gz = slurp(path, &len);
	cr_assert_eq(ppd_gunzip((uint8_t *)gz, len, &data, &data_len), 0, "not gzip");
	cr_assert_eq(ppd_decode(data, data_len, &prof, err, sizeof(err)), 0, "%s", err);
	off = ppd_sample_type(&prof, "off-cpu");
	on = ppd_sample_type(&prof, "on-cpu");
	cr_assert(off >= 0 && on >= 0, "sample types missing");
	cr_assert_str_eq(ppd_str(&prof, prof.sample_type[on][1]), "nanoseconds");
	cr_assert_str_eq(ppd_str(&prof, prof.sample_type[off][1]), "nanoseconds");
	cr_assert_str_eq(ppd_str(&prof, prof.period_type[0]), "cpu");
	cr_assert_gt(prof.period, 0);
	cr_assert_gt(prof.duration, 2500000000ull);
	cr_assert_gt(prof.time_nanos, 1500000000ull * 1000000000ull, "time_nanos is not Unix time");
	for (i = 0; i < prof.n_samples; i++) {
		const struct ppd_sample *s = &prof.samples[i];
		const char *comm = ppd_label(&prof, s, "comm", NULL), *cause;

		cr_assert_not_null(ppd_label(&prof, s, "pid", &pid), "sample without pid label");
		cr_assert_eq(s->n_values, 2);
		cr_assert_gt(s->n_locs, 0);
		root_comm &= comm && !strcmp(ppd_loc_name(&prof, s->locs[s->n_locs - 1]), comm);
		if ((pid_t)pid == pr.spin.target)
			on_spin += s->values[on];
		if ((pid_t)pid == pr.sleep.target) {
			off_sleep += s->values[off];
			on_sleep += s->values[on];
			cause = ppd_label(&prof, s, "cause", NULL);
			sleep_cause |= cause && !strcmp(cause, "sleep");
		}
	}
	cr_assert(root_comm, "every stack's root frame is its comm");
	cr_assert(sleep_cause, "the sleeper's off-CPU time has cause=sleep");
	expect_near(on_spin, process_ns(pr.j, pr.spin.target, "on_cpu_ns"), prof.period,
		    "pprof on-cpu");
	/* The sleeping thread is blocked ~3 s (the main thread's join began before the window) */
	cr_assert_gt(off_sleep, 2000000000ull, "sleeper off-cpu %llu ns",
		     (unsigned long long)off_sleep);
	cr_assert_lt(on_sleep, 300000000ull, "a sleeper barely runs: %llu ns",
		     (unsigned long long)on_sleep);
	cr_log_info("spinner: %llu on-CPU ns sampled (%llu samples of %llu ns), %llu measured",
		    (unsigned long long)on_spin, (unsigned long long)(on_spin / prof.period),
		    (unsigned long long)prof.period,
		    (unsigned long long)process_ns(pr.j, pr.spin.target, "on_cpu_ns"));
	ppd_free(&prof);
	free(data);
	free(gz);
	unlink(path);
	unlink(raw);
	unlink(txt);
	pair_free(&pr);
	/* The kernel frees programs after an RCU grace period: allow it 5 s. */
	for (rc = 0; rc < 50 && sampler_progs() != 0; rc++)
		usleep(100000);
	cr_assert_eq(sampler_progs(), 0, "on-CPU sampler left loaded after exit");
}

Test(export, folded_has_oncpu_and_offcpu,
     .description = "--folded: oncpu; lines for the spinner, offcpu; lines for the sleeper")
{
	char path[128], line[16384], spin_root[64], sleep_root[64];
	const char *extra[] = { "--folded", path, NULL };
	unsigned long long ns, on_spin = 0, off_sleep = 0, lines = 0;
	struct pair_run pr;
	FILE *f;

	tmp_path(path, sizeof(path), "folded");
	run_pair(&pr, extra);
	snprintf(spin_root, sizeof(spin_root), "oncpu;spinner;");
	snprintf(sleep_root, sizeof(sleep_root), "offcpu;sleeper;");
	f = fopen(path, "r");
	cr_assert_not_null(f, "no folded file");
	while (fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		cr_assert_not_null(sp, "bad line %s", line);
		cr_assert(!strncmp(line, "oncpu;", 6) || !strncmp(line, "offcpu;", 7),
			  "no oncpu/offcpu root: %s", line);
		cr_assert_eq(sscanf(sp + 1, "%llu", &ns), 1);
		if (!strncmp(line, spin_root, strlen(spin_root)))
			on_spin += ns;
		if (!strncmp(line, sleep_root, strlen(sleep_root)))
			off_sleep += ns;
		lines++;
	}
	fclose(f);
	unlink(path);
	cr_assert_gt(lines, 0);
	/* The folded file has no period: it is the kernel side's 1/99 s. */
	expect_near(on_spin, process_ns(pr.j, pr.spin.target, "on_cpu_ns"), 1000000000ull / 99,
		    "folded oncpu");
	cr_assert_gt(off_sleep, 2000000000ull, "sleeper offcpu %llu ns", off_sleep);
	pair_free(&pr);
}

/* A Prometheus value in seconds, back in integer ns. */
static uint64_t prom_ns(const struct prom_doc *doc, const char *name, const char *k,
			const char *v)
{
	const struct prom_sample *s = prom_find(doc, name, k, v, NULL);

	cr_assert_not_null(s, "no %s{%s=\"%s\"}", name, k, v);
	return (uint64_t)llround(s->value * 1e9);
}

Test(export, prom_matches_json,
     .description = "--prom: the file parses strictly and its totals equal the JSON report's")
{
	static const char *const states[][2] = { { "on_cpu", "totals.on_cpu_ns" },
						 { "runq", "totals.runq_ns" },
						 { "blocked", "totals.blocked_ns" } };
	static const char *const causes[] = { "other", "net", "disk", "lock", "sleep", "idle",
					      "client", "parked" };
	char path[128], err[256], key[64], tgid[16];
	const char *extra[] = { "--prom", path, NULL };
	const struct prom_sample *s;
	const char *cls, *helps;
	uint64_t want, threads, drops;
	struct prom_doc doc;
	struct pair_run pr;
	struct stat st;
	size_t len, i;
	char *text;

	tmp_path(path, sizeof(path), "prom");
	run_pair(&pr, extra);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644, "the textfile collector must be able to read it");
	text = slurp(path, &len);
	cr_assert_eq(prom_parse(text, &doc, err, sizeof(err)), 0, "%s", err);
	for (i = 0; i < 3; i++) {
		cr_assert(jl_get_u64(pr.j, states[i][1], &want));
		cr_assert_eq(prom_ns(&doc, "waitscope_time_seconds_total", "state", states[i][0]), want,
			     "%s", states[i][0]);
	}
	for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		snprintf(key, sizeof(key), "blocked_by_cause.%s", causes[i]);
		cr_assert(jl_get_u64(pr.j, key, &want));
		cr_assert_eq(prom_ns(&doc, "waitscope_blocked_seconds_total", "cause", causes[i]), want,
			     "%s", causes[i]);
	}
	cr_assert(jl_get_u64(pr.j, "threads_seen", &threads));
	cr_assert_not_null(s = prom_find(&doc, "waitscope_threads_seen", NULL));
	cr_assert_eq((uint64_t)s->value, threads);
	cr_assert(jl_get_u64(pr.j, "drops.total", &drops));
	cr_assert_not_null(s = prom_find(&doc, "waitscope_drops_total", "kind", "storage", NULL));
	cr_assert_eq(drops, 0, "a clean run has no drops");

	snprintf(tgid, sizeof(tgid), "%d", pr.spin.target);
	s = prom_find(&doc, "waitscope_process_time_seconds_total", "tgid", tgid, "comm",
		      "spinner",
		      "state", "on_cpu", NULL);
	cr_assert_not_null(s);
	cr_assert_eq((uint64_t)llround(s->value * 1e9),
		     process_ns(pr.j, pr.spin.target, "on_cpu_ns"));

	cls = jl_get_str(pr.j, "classification.class");
	helps = jl_get_str(pr.j, "prediction.async_helps");
	cr_assert(cls && helps);
	cr_assert_not_null(prom_find(&doc, "waitscope_async_verdict", "class", cls, "verdict",
				     helps, NULL));
	cr_assert_str_eq(prom_family_of(&doc, "waitscope_runq_wait_seconds")->type, "histogram");
	cr_assert(jl_get_u64(pr.j, "histograms.runq.count", &want));
	cr_assert_not_null(s = prom_find(&doc, "waitscope_runq_wait_seconds_count", NULL));
	cr_assert_eq((uint64_t)s->value, want);
	prom_doc_free(&doc);
	free(text);
	unlink(path);
	pair_free(&pr);
}

Test(export, unwritable_prom_path_fails,
     .description = "an --prom path that cannot be written: one error line, exit 2 up front")
{
	const char *spin_args[] = { "-n", "1", "-t", "30", NULL };
	const char *extra[] = { "--prom", "/dev/null/x.prom", NULL };
	const char *argv[16];
	char pidbuf[16];
	struct run_result r;
	struct example ex;

	cr_assert_eq(example_start(&ex, "spinner", spin_args), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "0.5", extra);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	/* Output paths are checked before profiling: a usage error, nothing on stdout. */
	cr_assert_eq(r.status, 2, "exit %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "invalid --prom '/dev/null/x.prom'"), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
	cr_assert_str_eq(r.out, "");
	run_result_free(&r);
}
