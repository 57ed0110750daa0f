// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "model/series.h"
#include "report/prom.h"
#include "prom_parse.h"
#include "unit/fixture.h"

static char *write_prom(const struct ws_profile *p, const struct ws_prediction *pred,
			__u64 end_unix_ns)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct prom_meta m = { .version = "test", .pred = pred, .end_unix_ns = end_unix_ns };

	cr_assert_not_null(f);
	cr_assert_eq(prom_write(f, p, &m), 0);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static void parse_ok(const char *text, struct prom_doc *doc)
{
	char err[256];

	cr_assert_eq(prom_parse(text, doc, err, sizeof(err)), 0, "%s in:\n%s", err, text);
}

static double value(const struct prom_doc *doc, const char *name, const char *k, const char *v)
{
	const struct prom_sample *s = k ? prom_find(doc, name, k, v, NULL) : prom_find(doc, name,
										       NULL);

	cr_assert_not_null(s, "no single sample %s{%s=%s}", name, k ? k : "", v ? v : "");
	return s->value;
}

Test(prom, totals_match_profile, .description = "times in seconds equal the profile's ns totals")
{
	struct ws_profile p;
	struct prom_doc doc;
	char *text;

	fx_profile(&p);
	text = write_prom(&p, NULL, 0);
	parse_ok(text, &doc);
	cr_assert_float_eq(value(&doc, "waitscope_time_seconds_total", "state", "on_cpu") * 1e9,
			   (double)p.totals.on_cpu_ns, 0.5);
	cr_assert_float_eq(value(&doc, "waitscope_time_seconds_total", "state", "runq") * 1e9,
			   (double)p.totals.runq_ns, 0.5);
	cr_assert_float_eq(value(&doc, "waitscope_time_seconds_total", "state", "blocked") * 1e9,
			   (double)p.totals.blocked_ns, 0.5);
	cr_assert_float_eq(value(&doc, "waitscope_observed_seconds_total", NULL, NULL) * 1e9,
			   (double)p.totals.observed_ns, 0.5);
	cr_assert_float_eq(value(&doc, "waitscope_window_seconds", NULL, NULL), 5.0, 1e-9);
	cr_assert_float_eq(value(&doc, "waitscope_threads_seen", NULL, NULL),
			   (double)p.n_threads_total, 0);
	cr_assert_float_eq(value(&doc, "waitscope_state_ratio", "state", "on_cpu"),
			   (double)p.totals.on_cpu_ns / (double)p.totals.observed_ns, 1e-9);
	cr_assert_null(prom_family_of(&doc, "waitscope_window_end_timestamp_seconds"));
	cr_assert_null(prom_family_of(&doc, "waitscope_async_verdict"), "no prediction given");
	cr_assert_not_null(prom_find(&doc, "waitscope_build_info", "version", "test", NULL));
	cr_assert_null(prom_family_of(&doc, "waitscope_updates_total"), "agent only");
	cr_assert_str_eq(prom_family_of(&doc, "waitscope_time_seconds_total")->type, "counter");
	cr_assert(prom_family_of(&doc, "waitscope_time_seconds_total")->help);
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, per_process_labels, .description = "per-process series carry tgid and comm labels")
{
	struct ws_profile p;
	struct prom_doc doc;
	const struct prom_sample *s;
	char *text;

	fx_profile(&p);
	text = write_prom(&p, NULL, 0);
	parse_ok(text, &doc);
	s = prom_find(&doc, "waitscope_process_time_seconds_total", "tgid", "4242", "comm", "server",
		      "state", "on_cpu", NULL);
	cr_assert_not_null(s);
	/* listed threads only: 1 s (main) + 2 s (worker) + the worker's open 1 s on CPU */
	cr_assert_float_eq(s->value * 1e9, (double)(p.totals.on_cpu_ns - p.unlisted.on_cpu_ns),
			   0.5);
	cr_assert_not_null(prom_find(&doc, "waitscope_target_info", "tgid", "4242", NULL));
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, cause_shares_sum_to_one, .description = "cause shares split the blocked time")
{
	struct ws_profile p;
	struct prom_doc doc;
	double sum = 0;
	size_t i;
	char *text;

	fx_profile(&p);
	memset(p.totals.blocked_by_cause, 0, sizeof(p.totals.blocked_by_cause));
	p.totals.blocked_by_cause[WS_CAUSE_NET] = p.totals.blocked_ns / 4;
	p.totals.blocked_by_cause[WS_CAUSE_SLEEP] = p.totals.blocked_ns - p.totals.blocked_ns / 4;
	text = write_prom(&p, NULL, 0);
	parse_ok(text, &doc);
	for (i = 0; i < doc.n_samples; i++)
		if (!strcmp(doc.samples[i].name, "waitscope_cause_ratio"))
			sum += doc.samples[i].value;
	cr_assert_float_eq(sum, 1.0, 1e-9);
	cr_assert_float_eq(value(&doc, "waitscope_cause_ratio", "cause", "net"), 0.25, 1e-6);
	cr_assert_null(prom_find(&doc, "waitscope_cause_ratio", "cause", "poll", NULL),
		       "poll is resolved into idle/net");
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, histogram_from_log2_slots, .description = "log2 ns slots become cumulative buckets "
						     "in seconds with _sum and _count")
{
	struct ws_profile p;
	struct prom_doc doc;
	char *text;

	fx_profile(&p);
	p.hists.sum_ns[WS_HIST_RUNQ] = 90 * 1500 + 10 * 1500000;
	text = write_prom(&p, NULL, 0);
	parse_ok(text, &doc);
	/* slot 10 = [1024, 2048) ns: first counted by le = 2048 ns */
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_bucket", "le", "0.000001024"),
			   0, 0);
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_bucket", "le", "0.000002048"),
			   90, 0);
	/* slot 20 = [1, 2) ms ... 2^21 ns */
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_bucket", "le", "0.001048576"),
			   90, 0);
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_bucket", "le", "0.002097152"),
			   100, 0);
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_bucket", "le", "+Inf"), 100, 0);
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_count", NULL, NULL), 100, 0);
	cr_assert_float_eq(value(&doc, "waitscope_runq_wait_seconds_sum", NULL, NULL), 0.015135,
			   1e-12);
	cr_assert_float_eq(value(&doc, "waitscope_blocked_interval_seconds_count", NULL, NULL), 4,
			   0);
	cr_assert_str_eq(prom_family_of(&doc, "waitscope_runq_wait_seconds")->type, "histogram");
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, last_slot_is_open_ended, .description = "slot 39 (>= 2^39 ns) lands only in +Inf")
{
	struct ws_profile p;
	struct prom_doc doc;
	char *text;

	fx_profile(&p);
	memset(&p.hists, 0, sizeof(p.hists));
	p.hists.slots[WS_HIST_BLOCKED][WS_HIST_SLOTS - 1] = 3;
	text = write_prom(&p, NULL, 0);
	parse_ok(text, &doc);
	cr_assert_float_eq(value(&doc, "waitscope_blocked_interval_seconds_bucket", "le",
				 "549.755813888"), 0, 0);
	cr_assert_float_eq(value(&doc, "waitscope_blocked_interval_seconds_bucket", "le", "+Inf"),
			   3, 0);
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, drops_and_verdict, .description = "every drop kind, the verdict info and the ratios")
{
	struct ws_prediction pr = { .class_name = "io-bound", .async_helps = "yes",
				    .throughput_ratio = 2.5, .ratio_low = 2, .ratio_high = 3 };
	struct ws_profile p;
	struct prom_doc doc;
	char *text;

	fx_profile(&p);
	p.counters.drops[WS_DROP_ONCPU] = 7;
	text = write_prom(&p, &pr, 1700000000123456789ull);
	parse_ok(text, &doc);
	cr_assert_float_eq(value(&doc, "waitscope_drops_total", "kind", "oncpu"), 7, 0);
	cr_assert_float_eq(value(&doc, "waitscope_drops_total", "kind", "storage"), 0, 0);
	cr_assert_not_null(prom_find(&doc, "waitscope_async_verdict", "verdict", "yes", "class",
				     "io-bound", NULL));
	cr_assert_float_eq(value(&doc, "waitscope_async_throughput_ratio", "bound", "estimate"), 2.5, 0);
	cr_assert_float_eq(value(&doc, "waitscope_async_throughput_ratio", "bound", "low"), 2, 0);
	cr_assert_float_eq(value(&doc, "waitscope_async_throughput_ratio", "bound", "high"), 3, 0);
	cr_assert_float_eq(value(&doc, "waitscope_window_end_timestamp_seconds", NULL, NULL),
			   1700000000.123456789, 1e-6);
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, label_values_escaped, .description = "quotes, backslashes, newlines and bad UTF-8 in "
						"a comm stay one valid label value")
{
	struct ws_profile p;
	struct prom_doc doc;
	const struct prom_sample *s;
	static const char expect[] =
		"waitscope_target_info{comm=\"a\\\"b\\\\c\\n?\xc3\xa9?z\",tgid=\"4242\",";
	char *text, *line;

	fx_profile(&p);
	/* a"b\c, newline, tab, "é" in UTF-8, a lone 0xff byte, z */
	memcpy(p.targets[0].comm, "a\"b\\c\n\t\xc3\xa9\xffz", 12);
	text = write_prom(&p, NULL, 0);
	line = strstr(text, "waitscope_target_info{");
	cr_assert_not_null(line);
	cr_assert_eq(strncmp(line, expect, strlen(expect)), 0, "%.80s", line);
	parse_ok(text, &doc);
	s = prom_find(&doc, "waitscope_target_info", "tgid", "4242", NULL);
	cr_assert_not_null(s);
	cr_assert_str_eq(s->labels[0].value, "a\"b\\c\n?\xc3\xa9?z");
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}

Test(prom, nan_shares_when_nothing_observed, .description = "an empty profile still parses")
{
	struct ws_profile p;
	struct prom_doc doc;
	char *text;

	profile_init(&p);
	profile_finish(&p);
	text = write_prom(&p, NULL, 0);
	parse_ok(text, &doc);
	cr_assert(isnan(value(&doc, "waitscope_state_ratio", "state", "on_cpu")));
	prom_doc_free(&doc);
	free(text);
}

/* ---- the strict parser itself: it must reject what Prometheus would ---- */

struct bad_doc {
	const char *text;
	const char *why;
};

Test(prom_parse, rejects_invalid, .description = "each malformed exposition is refused")
{
	static const struct bad_doc cases[] = {
		{ "m 1\n", "no TYPE" },
		{ "# TYPE m gauge\nm 1", "newline" },
		{ "# TYPE m gauge\nm{a=\"1\"} 1\nm{a=\"1\"} 2\n", "duplicate series" },
		{ "# TYPE m gauge\nm{a=\"\\t\"} 1\n", "invalid escape" },
		{ "# TYPE m gauge\nm{a=\"x} 1\n", "unterminated" },
		{ "# TYPE m gauge\nm{a=x} 1\n", "quoted" },
		{ "# TYPE m gauge\nm{a=\"1\",a=\"2\"} 1\n", "duplicate label" },
		{ "# TYPE m gauge\nm{__x=\"1\"} 1\n", "reserved" },
		{ "# TYPE m gauge\nm{a=\"\xff\"} 1\n", "UTF-8" },
		{ "# TYPE m gauge\nm 1x\n", "invalid value" },
		{ "# TYPE m gauge\nm\n", "blank" },
		{ "# TYPE m gauge\nm 1 2 3\n", "trailing" },
		{ "# TYPE 1m gauge\n", "metric name" },
		{ "# TYPE m gauges\n", "invalid TYPE" },
		{ "# TYPE m gauge\n# TYPE m gauge\n", "second TYPE" },
		{ "# HELP m a\n# HELP m b\n", "second HELP" },
		{ "# TYPE m gauge\nm 1\n# HELP m late\n", "after its samples" },
		{ "# TYPE m gauge\n# TYPE n gauge\nm 1\nn 1\nm{a=\"1\"} 1\n", "not together" },
		{ "# TYPE m counter\nm -1\n", "negative" },
		{ "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf" },
		{ "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
		  "h_count 1\n", "cumulative" },
		{ "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
		  "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "increasing" },
		{ "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", "_count" },
		{ "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "_sum" },
		{ "# TYPE h histogram\nh_bucket 1\n", "without le" },
		{ "# TYPE h histogram\nh 1\n", "no TYPE" },
		{ "# TYPE m gauge\r\nm 1\n", "carriage" },
	};
	struct prom_doc doc;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(prom_parse(cases[i].text, &doc, err, sizeof(err)), -1, "case %zu "
			     "accepted: %s", i, cases[i].text);
		cr_assert_not_null(strstr(err, cases[i].why), "case %zu: '%s'", i, err);
	}
}

Test(prom_parse, accepts_valid, .description = "the format's own examples parse")
{
	static const char text[] =
		"# HELP http_requests_total The total number of HTTP requests.\n"
		"# TYPE http_requests_total counter\n"
		"http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
		"http_requests_total{method=\"post\",code=\"400\",}    3 1395066363000\n"
		"\n"
		"# A comment\n"
		"# TYPE msdos_file_access_time_seconds gauge\n"
		"msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
		"file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
		"# TYPE metric_without_timestamp_and_labels gauge\n"
		"metric_without_timestamp_and_labels 12.47\n"
		"# TYPE something_weird gauge\n"
		"something_weird{problem=\"division by zero\"} +Inf -3982045\n"
		"# HELP h A histogram.\n"
		"# TYPE h histogram\n"
		"h_bucket{le=\"0.05\"} 24054\n"
		"h_bucket{le=\"0.1\"} 33444\n"
		"h_bucket{le=\"+Inf\"} 144320\n"
		"h_sum 53423\n"
		"h_count 144320\n";
	struct prom_doc doc;
	char err[256];

	cr_assert_eq(prom_parse(text, &doc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(doc.n_samples, 10);
	cr_assert_str_eq(prom_find(&doc, "msdos_file_access_time_seconds", NULL)->labels[1].value,
			 "Cannot find file:\n\"FILE.TXT\"");
	cr_assert(isinf(prom_find(&doc, "something_weird", NULL)->value));
	cr_assert_str_eq(prom_find(&doc, "h_count", NULL)->family, "h");
	prom_doc_free(&doc);
}

/* ---- the agent's exposition (model/series.h) ---- */

static char *write_series(const struct ws_series *s, const struct prom_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	prom_write_series(f, s, m);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

Test(prom, agent_counters_and_labels, .description = "the agent's families: _total counters, "
						     "comm and --label on every series")
{
	static const char *const labels[] = { "service=check\"out", "team=pay" };
	struct prom_meta m = { .comm = "srv", .labels = labels, .n_labels = 2, .version = "1.2",
			       .verdict_window_s = 60, .self_cpu_ns = 1500000000, .rss_bytes = 4096,
			       .updates = 3 };
	struct ws_series s;
	struct prom_doc doc;
	size_t i;
	int j;
	char *text;

	series_init(&s);
	s.acc.on_cpu_ns = 2500000000ull;
	s.acc.vol_switches = 9;
	s.threads = 4;
	text = write_series(&s, &m);
	parse_ok(text, &doc);
	cr_assert_float_eq(value(&doc, "waitscope_time_seconds_total", "state", "on_cpu"), 2.5,
			   1e-9);
	cr_assert_str_eq(prom_family_of(&doc, "waitscope_time_seconds_total")->type, "counter");
	cr_assert_str_eq(prom_family_of(&doc, "waitscope_switches_total")->type, "counter");
	cr_assert_str_eq(prom_family_of(&doc, "waitscope_drops_total")->type, "counter");
	cr_assert_float_eq(value(&doc, "waitscope_switches_total", "kind", "voluntary"), 9, 0);
	cr_assert_float_eq(value(&doc, "waitscope_threads", NULL, NULL), 4, 0);
	cr_assert_float_eq(value(&doc, "waitscope_agent_cpu_seconds_total", NULL, NULL), 1.5, 0);
	cr_assert_float_eq(value(&doc, "waitscope_verdict_window_seconds", NULL, NULL), 60, 0);
	cr_assert_not_null(prom_find(&doc, "waitscope_build_info", "version", "1.2", NULL));
	cr_assert_null(prom_family_of(&doc, "waitscope_observed_seconds_total"), "one-shot only");
	cr_assert_null(prom_family_of(&doc, "waitscope_process_time_seconds_total"),
		       "per-process only with --per-process");
	cr_assert_null(prom_family_of(&doc, "waitscope_async_verdict"), "no verdict yet");
	for (i = 0; i < doc.n_samples; i++) {
		const struct prom_sample *x = &doc.samples[i];
		bool comm = false, service = false, team = false;

		for (j = 0; j < x->n_labels; j++) {
			comm |= !strcmp(x->labels[j].name, "comm") &&
				!strcmp(x->labels[j].value, "srv");
			service |= !strcmp(x->labels[j].name, "service") &&
				   !strcmp(x->labels[j].value, "check\"out");
			team |= !strcmp(x->labels[j].name, "team");
		}
		cr_assert(comm && service && team, "%s lacks a label", x->name);
	}
	prom_doc_free(&doc);
	free(text);
	series_free(&s);
}

Test(prom, agent_per_process_live_only, .description = "--per-process: series for live "
						       "processes only, with tgid and their comm")
{
	struct prom_meta m = { .comm = "srv", .per_process = true, .version = "1" };
	struct ws_proc_snapshot ps[2];
	struct ws_series s;
	struct prom_doc doc;
	char *text;

	memset(ps, 0, sizeof(ps));
	ps[0].tgid = 100;
	snprintf(ps[0].comm, sizeof(ps[0].comm), "worker");
	ps[0].s.t.on_cpu_ns = 1000000000;
	ps[0].s.threads = 2;
	ps[1].tgid = 101;
	ps[1].dead = true;
	series_init(&s);
	cr_assert_eq(series_update(&s, ps, 2), 0);
	text = write_series(&s, &m);
	parse_ok(text, &doc);
	cr_assert_float_eq(value(&doc, "waitscope_process_threads", "tgid", "100"), 2, 0);
	cr_assert_not_null(prom_find(&doc, "waitscope_process_time_seconds_total", "comm",
				     "worker", "tgid", "100", "state", "on_cpu", NULL));
	cr_assert_null(prom_find(&doc, "waitscope_process_threads", "tgid", "101", NULL));
	prom_doc_free(&doc);
	free(text);
	series_free(&s);
}

Test(prom, not_a_server_has_no_ratio,
     .description = "verdict not-applicable: the info sample, no throughput ratio family")
{
	struct ws_prediction pr = { .class_name = "io-bound", .async_helps = "not-applicable",
				    .not_server = true, .throughput_ratio = NAN,
				    .ratio_low = NAN, .ratio_high = NAN };
	struct ws_profile p;
	struct prom_doc doc;
	char *text;

	fx_profile(&p);
	text = write_prom(&p, &pr, 1700000000123456789ull);
	parse_ok(text, &doc);
	cr_assert_not_null(prom_find(&doc, "waitscope_async_verdict", "verdict", "not-applicable",
				     NULL));
	cr_assert_null(prom_family_of(&doc, "waitscope_async_throughput_ratio"));
	prom_doc_free(&doc);
	free(text);
	profile_free(&p);
}
