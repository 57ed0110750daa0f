// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/pprof.h"
#include "pprof_decode.h"

static void decode(const uint8_t *data, size_t len, struct ppd_profile *d)
{
	char err[128];

	cr_assert_eq(ppd_decode(data, len, d, err, sizeof(err)), 0, "%s", err);
}

static const char *str(const struct ppd_profile *d, uint64_t i)
{
	const char *s = ppd_str(d, i);

	cr_assert_not_null(s, "string index %llu out of range", (unsigned long long)i);
	return s;
}

static const char *loc_name(const struct ppd_profile *d, uint64_t id)
{
	const char *s = ppd_loc_name(d, id);

	cr_assert_not_null(s, "no location %llu", (unsigned long long)id);
	return s;
}

static void fake_user(void *ctx, pid_t tgid, __u64 addr, char *buf, size_t size)
{
	(*(int *)ctx)++;
	snprintf(buf, size, "%s_%d", addr == 1 ? "main" : addr == 2 ? "work" : "other", tgid);
}

static void fake_kernel(void *ctx, __u64 addr, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, addr == 10 ? "schedule" : addr == 12 ? "bpf_prog_abc_handler" :
		 "tcp_recvmsg");
}

static struct ws_target_info targets[] = { { .tgid = 100, .comm = "srv" },
					   { .tgid = 200, .comm = "db" } };

static void two_stack_profile(struct ws_profile *p, struct ws_offcpu_stack *off,
			      struct ws_offcpu_stack *on)
{
	memset(p, 0, sizeof(*p));
	memset(off, 0, 2 * sizeof(*off));
	memset(on, 0, sizeof(*on));
	off[0] = (struct ws_offcpu_stack){ .tgid = 100, .cause = WS_CAUSE_NET, .ns = 5000,
					   .n_user = 2, .n_kernel = 3,
					   .user = { 2, 1 }, .kernel = { 12, 10, 11 } };
	off[1] = (struct ws_offcpu_stack){ .tgid = 100, .cause = WS_CAUSE_SLEEP, .ns = 0,
					   .n_user = 1, .user = { 1 } };
	on[0] = (struct ws_offcpu_stack){ .tgid = 200, .ns = 3 * 10101010ull, .n_user = 2,
					  .user = { 2, 1 } };
	p->targets = targets;
	p->n_targets = 2;
	p->offcpu = off;
	p->n_offcpu = 2;
	p->oncpu = on;
	p->n_oncpu = 1;
	p->oncpu_period_ns = 10101010;
	p->window_start_ns = 1000;
	p->window_end_ns = 1000 + 3000000000ull;
}

Test(pprof, gzip_profile_decodes, .description = "pprof_write output inflates to a Profile with "
						 "both sample types and the stacks' values")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	int calls = 0;
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel, .ctx = &calls };
	struct ppd_profile d;
	const struct ppd_sample *s;
	char *buf = NULL;
	size_t len = 0, raw_len;
	uint8_t *raw;
	uint64_t pid;
	FILE *f = open_memstream(&buf, &len);

	two_stack_profile(&p, off, &on);
	cr_assert_eq(pprof_write(f, &p, &r, 1700000000000000000ull), 0);
	fclose(f);
	cr_assert_eq(ppd_gunzip((uint8_t *)buf, len, &raw, &raw_len), 0, "not a gzip stream");
	decode(raw, raw_len, &d);

	cr_assert_str_eq(str(&d, 0), "", "string_table[0] must be empty");
	cr_assert_eq(d.n_sample_types, 2);
	cr_assert_eq(ppd_sample_type(&d, "off-cpu"), PPROF_VALUE_OFFCPU);
	cr_assert_eq(ppd_sample_type(&d, "on-cpu"), PPROF_VALUE_ONCPU);
	cr_assert_str_eq(str(&d, d.sample_type[0][0]), "off-cpu");
	cr_assert_str_eq(str(&d, d.sample_type[0][1]), "nanoseconds");
	cr_assert_str_eq(str(&d, d.sample_type[1][0]), "on-cpu");
	cr_assert_str_eq(str(&d, d.sample_type[1][1]), "nanoseconds");
	cr_assert_str_eq(str(&d, d.period_type[0]), "cpu");
	cr_assert_str_eq(str(&d, d.period_type[1]), "nanoseconds");
	cr_assert_eq(d.period, 10101010);
	cr_assert_eq(d.time_nanos, 1700000000000000000ull);
	cr_assert_eq(d.duration, 3000000000ull);

	cr_assert_eq(d.n_samples, 2, "the zero-time stack is left out");
	s = &d.samples[0];
	cr_assert_eq(s->n_values, 2);
	cr_assert_eq(s->values[0], 5000);
	cr_assert_eq(s->values[1], 0);
	/* leaf first: kernel inner..outer (probe frame dropped), user inner..outer, comm root */
	cr_assert_eq(s->n_locs, 5);
	cr_assert_str_eq(loc_name(&d, s->locs[0]), "schedule");
	cr_assert_str_eq(loc_name(&d, s->locs[1]), "tcp_recvmsg");
	cr_assert_str_eq(loc_name(&d, s->locs[2]), "work_100");
	cr_assert_str_eq(loc_name(&d, s->locs[3]), "main_100");
	cr_assert_str_eq(loc_name(&d, s->locs[4]), "srv");
	cr_assert_str_eq(ppd_label(&d, s, "comm", NULL), "srv");
	cr_assert_str_eq(ppd_label(&d, s, "cause", NULL), "net");
	cr_assert_not_null(ppd_label(&d, s, "pid", &pid));
	cr_assert_eq(pid, 100);

	s = &d.samples[1];
	cr_assert_eq(s->values[0], 0);
	cr_assert_eq(s->values[1], 3 * 10101010ull);
	cr_assert_eq(s->n_locs, 3);
	cr_assert_str_eq(loc_name(&d, s->locs[0]), "work_200");
	cr_assert_str_eq(loc_name(&d, s->locs[2]), "db");
	cr_assert_null(ppd_label(&d, s, "cause", NULL), "on-CPU samples have no cause");

	free(raw);
	free(buf);
	ppd_free(&d);
}

Test(pprof, locations_are_shared, .description = "one Location per (process, address), "
						 "symbolized once; ids start at 1")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	int calls = 0;
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel, .ctx = &calls };
	struct pb_buf b;
	struct ppd_profile d;
	size_t i, j;

	two_stack_profile(&p, off, &on);
	on.tgid = 100; /* same process and addresses as off[0]'s user frames */
	pb_init(&b);
	cr_assert_eq(pprof_encode(&b, &p, &r, 0), 0);
	decode(b.data, b.len, &d);
	/* schedule, tcp_recvmsg, work, main, srv: shared by both samples */
	cr_assert_eq(d.n_locs, 5);
	cr_assert_eq(calls, 2, "each user address symbolized once, not %d times", calls);
	for (i = 0; i < d.n_locs; i++) {
		cr_assert_neq(d.locs[i].id, 0);
		for (j = 0; j < i; j++)
			cr_assert_neq(d.locs[i].id, d.locs[j].id, "duplicate location id");
	}
	cr_assert_eq(d.samples[1].locs[0], d.samples[0].locs[2]);
	cr_assert_eq(d.time_nanos, 0, "no time given: field left out");
	pb_free(&b);
	ppd_free(&d);
}

Test(pprof, empty_profile, .description = "no stacks: a valid Profile with the sample types")
{
	struct ws_profile p = { .window_start_ns = 5, .window_end_ns = 10 };
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel };
	struct pb_buf b;
	struct ppd_profile d;

	pb_init(&b);
	cr_assert_eq(pprof_encode(&b, &p, &r, 0), 0);
	decode(b.data, b.len, &d);
	cr_assert_eq(d.n_sample_types, 2);
	cr_assert_eq(d.n_samples, 0);
	cr_assert_eq(d.duration, 5);
	cr_assert_eq(d.period, 0, "not sampled: no period");
	pb_free(&b);
	ppd_free(&d);
}
