// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "pb_walk.h"
#include "pprof.h"

#define MAXN 64

/* The parts of a decoded Profile the tests look at. */
struct decoded {
	char *strings[MAXN];
	int n_strings;
	uint64_t sample_type[4][2];
	int n_sample_types;
	struct dsample {
		uint64_t locs[MAXN];
		int n_locs;
		uint64_t values[4];
		int n_values;
		uint64_t label_key[4], label_str[4], label_num[4];
		int n_labels;
	} samples[MAXN];
	int n_samples;
	uint64_t loc_id[MAXN], loc_func[MAXN];
	int n_locs;
	uint64_t func_id[MAXN], func_name[MAXN];
	int n_funcs;
	uint64_t time_nanos, duration, period, period_type[2];
};

static void decode_sample(const struct pb_field *f, struct dsample *s)
{
	struct pb_reader r;
	struct pb_field g, h;

	memset(s, 0, sizeof(*s));
	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g)) {
		if (g.num == 1)
			s->n_locs = pb_unpack(&g, s->locs, MAXN);
		else if (g.num == 2)
			s->n_values = pb_unpack(&g, s->values, 4);
		else if (g.num == 3) {
			struct pb_reader lr;

			cr_assert_lt(s->n_labels, 4);
			pb_reader_init(&lr, g.data, g.len);
			while (pb_next(&lr, &h)) {
				if (h.num == 1)
					s->label_key[s->n_labels] = h.v;
				else if (h.num == 2)
					s->label_str[s->n_labels] = h.v;
				else if (h.num == 3)
					s->label_num[s->n_labels] = h.v;
			}
			cr_assert(!lr.err);
			s->n_labels++;
		}
	}
	cr_assert(!r.err);
}

/* Location: id, and the function id of its one line. */
static void decode_location(const struct pb_field *f, uint64_t *id, uint64_t *func)
{
	struct pb_reader r, lr;
	struct pb_field g, h;

	*id = *func = 0;
	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g)) {
		if (g.num == 1)
			*id = g.v;
		if (g.num != 4)
			continue;
		pb_reader_init(&lr, g.data, g.len);
		while (pb_next(&lr, &h))
			if (h.num == 1)
				*func = h.v;
	}
	cr_assert(!r.err);
}

/* ValueType or Function: fields 1 and 2 as numbers. */
static void two_numbers(const struct pb_field *f, uint64_t *a, uint64_t *b)
{
	struct pb_reader r;
	struct pb_field g;

	*a = *b = 0;
	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g)) {
		if (g.num == 1)
			*a = g.v;
		else if (g.num == 2)
			*b = g.v;
	}
	cr_assert(!r.err);
}

static void decode(const uint8_t *data, size_t len, struct decoded *d)
{
	struct pb_reader r;
	struct pb_field f;

	memset(d, 0, sizeof(*d));
	pb_reader_init(&r, data, len);
	while (pb_next(&r, &f)) {
		switch (f.num) {
		case 1:
			two_numbers(&f, &d->sample_type[d->n_sample_types][0],
				    &d->sample_type[d->n_sample_types][1]);
			d->n_sample_types++;
			break;
		case 2:
			decode_sample(&f, &d->samples[d->n_samples++]);
			break;
		case 4:
			decode_location(&f, &d->loc_id[d->n_locs], &d->loc_func[d->n_locs]);
			d->n_locs++;
			break;
		case 5:
			two_numbers(&f, &d->func_id[d->n_funcs], &d->func_name[d->n_funcs]);
			d->n_funcs++;
			break;
		case 6:
			d->strings[d->n_strings++] = strndup((const char *)f.data, f.len);
			break;
		case 9:
			d->time_nanos = f.v;
			break;
		case 10:
			d->duration = f.v;
			break;
		case 11:
			two_numbers(&f, &d->period_type[0], &d->period_type[1]);
			break;
		case 12:
			d->period = f.v;
			break;
		}
		cr_assert_lt(d->n_samples, MAXN);
		cr_assert_lt(d->n_locs, MAXN);
		cr_assert_lt(d->n_strings, MAXN);
	}
	cr_assert(!r.err, "malformed protobuf");
}

static void decoded_free(struct decoded *d)
{
	for (int i = 0; i < d->n_strings; i++)
		free(d->strings[i]);
}

static const char *str(const struct decoded *d, uint64_t i)
{
	cr_assert_lt(i, (uint64_t)d->n_strings, "string index %llu out of range",
		     (unsigned long long)i);
	return d->strings[i];
}

/* Name of the function of location id. */
static const char *loc_name(const struct decoded *d, uint64_t id)
{
	for (int i = 0; i < d->n_locs; i++) {
		if (d->loc_id[i] != id)
			continue;
		for (int j = 0; j < d->n_funcs; j++)
			if (d->func_id[j] == d->loc_func[i])
				return str(d, d->func_name[j]);
	}
	cr_assert_fail("no location %llu", (unsigned long long)id);
	return NULL;
}

static const char *label(const struct decoded *d, const struct dsample *s, const char *key,
			 uint64_t *num)
{
	for (int i = 0; i < s->n_labels; i++) {
		if (strcmp(str(d, s->label_key[i]), key))
			continue;
		if (num)
			*num = s->label_num[i];
		return str(d, s->label_str[i]);
	}
	return NULL;
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

/* gunzip the whole of data (which must be gzip, not zlib or raw deflate). */
static uint8_t *gunzip(const uint8_t *data, size_t len, size_t *out_len)
{
	size_t cap = 1 << 20;
	uint8_t *out = malloc(cap);
	z_stream z = { 0 };

	cr_assert_not_null(out);
	cr_assert(len > 2 && data[0] == 0x1f && data[1] == 0x8b, "no gzip magic");
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "gzip stream incomplete");
	*out_len = cap - z.avail_out;
	inflateEnd(&z);
	return out;
}

Test(pprof, gzip_profile_decodes, .description = "pprof_write output inflates to a Profile with "
						 "both sample types and the stacks' values")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	int calls = 0;
	struct frame_resolver r = { fake_user, fake_kernel, &calls };
	struct decoded d;
	const struct dsample *s;
	char *buf = NULL;
	size_t len = 0, raw_len;
	uint8_t *raw;
	uint64_t pid;
	FILE *f = open_memstream(&buf, &len);

	two_stack_profile(&p, off, &on);
	cr_assert_eq(pprof_write(f, &p, &r, 1700000000000000000ull), 0);
	fclose(f);
	raw = gunzip((uint8_t *)buf, len, &raw_len);
	decode(raw, raw_len, &d);

	cr_assert_str_eq(str(&d, 0), "", "string_table[0] must be empty");
	cr_assert_eq(d.n_sample_types, 2);
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
	cr_assert_str_eq(label(&d, s, "comm", NULL), "srv");
	cr_assert_str_eq(label(&d, s, "cause", NULL), "net");
	cr_assert_not_null(label(&d, s, "pid", &pid));
	cr_assert_eq(pid, 100);

	s = &d.samples[1];
	cr_assert_eq(s->values[0], 0);
	cr_assert_eq(s->values[1], 3 * 10101010ull);
	cr_assert_eq(s->n_locs, 3);
	cr_assert_str_eq(loc_name(&d, s->locs[0]), "work_200");
	cr_assert_str_eq(loc_name(&d, s->locs[2]), "db");
	cr_assert_null(label(&d, s, "cause", NULL), "on-CPU samples have no cause");

	free(raw);
	free(buf);
	decoded_free(&d);
}

Test(pprof, locations_are_shared, .description = "one Location per (process, address), "
						 "symbolized once; ids start at 1")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	int calls = 0;
	struct frame_resolver r = { fake_user, fake_kernel, &calls };
	struct pb_buf b;
	struct decoded d;
	int i, j;

	two_stack_profile(&p, off, &on);
	on.tgid = 100; /* same process and addresses as off[0]'s user frames */
	pb_init(&b);
	cr_assert_eq(pprof_encode(&b, &p, &r, 0), 0);
	decode(b.data, b.len, &d);
	/* schedule, tcp_recvmsg, work, main, srv: shared by both samples */
	cr_assert_eq(d.n_locs, 5);
	cr_assert_eq(calls, 2, "each user address symbolized once, not %d times", calls);
	for (i = 0; i < d.n_locs; i++) {
		cr_assert_neq(d.loc_id[i], 0);
		for (j = 0; j < i; j++)
			cr_assert_neq(d.loc_id[i], d.loc_id[j], "duplicate location id");
	}
	cr_assert_eq(d.samples[1].locs[0], d.samples[0].locs[2]);
	cr_assert_eq(d.time_nanos, 0, "no time given: field left out");
	pb_free(&b);
	decoded_free(&d);
}

Test(pprof, empty_profile, .description = "no stacks: a valid Profile with the sample types")
{
	struct ws_profile p = { .window_start_ns = 5, .window_end_ns = 10 };
	struct frame_resolver r = { fake_user, fake_kernel, NULL };
	struct pb_buf b;
	struct decoded d;

	pb_init(&b);
	cr_assert_eq(pprof_encode(&b, &p, &r, 0), 0);
	decode(b.data, b.len, &d);
	cr_assert_eq(d.n_sample_types, 2);
	cr_assert_eq(d.n_samples, 0);
	cr_assert_eq(d.duration, 5);
	cr_assert_eq(d.period, 0, "not sampled: no period");
	pb_free(&b);
	decoded_free(&d);
}
