// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/frame_coverage.h"
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

/* A resolver with whole frames: user address 1 is "main" (one line), 2 is "work" with "helper"
 * inlined into it, 3 resolves to nothing in a stripped library; the executable is mapped. */
static const struct sym_mapping exe_map = { 0x1000, 0x2000, 0x1000, "/srv/bin/app", "abcd", true };
static const struct sym_mapping lib_map = { 0x9000, 0xa000, 0, "/lib/libx.so", "", false };

static int fake_frame(void *ctx, pid_t tgid, __u64 addr, bool is_return, struct sym_frame *out)
{
	(void)ctx;
	(void)tgid;
	memset(out, 0, sizeof(*out));
	out->map = addr == 3 ? &lib_map : &exe_map;
	out->file_offset = addr + 0x40;
	if (addr == 3) {
		out->status = SYM_NO_SYMBOLS;
		return 0;
	}
	out->status = SYM_OK;
	if (addr == 1) {
		out->lines[0] = (struct sym_line){ "main", "app.c", is_return ? 20 : 21 };
		out->n_lines = 1;
	} else {
		out->lines[0] = (struct sym_line){ "helper", "util.h", 7 };
		out->lines[1] = (struct sym_line){ "work", "app.c", 13 };
		out->n_lines = 2;
	}
	return 0;
}

static const struct sym_mapping *fake_main(void *ctx, pid_t tgid)
{
	(void)ctx;
	return tgid == 100 ? &exe_map : NULL;
}

Test(pprof, mappings_and_lines, .description = "locations carry a mapping and addresses; inlined "
					       "functions are Line entries with file and line")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel, .user_frame = fake_frame,
				    .main_mapping = fake_main };
	const struct ppd_mapping *m1, *m2;
	const struct ppd_loc *work, *lib;
	const struct ppd_func *fn;
	struct ppd_profile d;
	struct pb_buf b;

	two_stack_profile(&p, off, &on);
	on.user[1] = 3; /* on-CPU: work <- [stripped lib] */
	pb_init(&b);
	cr_assert_eq(pprof_encode(&b, &p, &r, 0), 0);
	decode(b.data, b.len, &d);
	cr_assert_str_eq(str(&d, d.default_sample_type), "off-cpu");
	/* the executable first (pprof's main binary), then the kernel, then the library */
	cr_assert_eq(d.n_mappings, 3);
	m1 = &d.mappings[0];
	cr_assert_eq(m1->id, 1);
	cr_assert_str_eq(str(&d, m1->filename), "/srv/bin/app");
	cr_assert_str_eq(str(&d, m1->build_id), "abcd");
	cr_assert_eq(m1->start, 0x1000);
	cr_assert_eq(m1->limit, 0x2000);
	cr_assert_eq(m1->offset, 0x1000);
	cr_assert(m1->has_functions && m1->has_filenames && m1->has_line_numbers &&
		  m1->has_inline_frames, "every location in it resolved");
	cr_assert_str_eq(str(&d, d.mappings[1].filename), "[kernel.kallsyms]");
	m2 = &d.mappings[2];
	cr_assert_str_eq(str(&d, m2->filename), "/lib/libx.so");
	cr_assert_not(m2->has_functions, "unresolved: pprof may symbolize it from the file");

	/* off[0]: schedule, tcp_recvmsg (kernel), work+helper, main, srv */
	work = ppd_loc(&d, d.samples[0].locs[2]);
	cr_assert_not_null(work);
	cr_assert_eq(work->address, 2);
	cr_assert_eq(work->mapping, 1);
	cr_assert_eq(work->n_lines, 2);
	fn = ppd_func(&d, work->lines[0].func);
	cr_assert_str_eq(str(&d, fn->name), "helper");
	cr_assert_str_eq(str(&d, fn->filename), "util.h");
	cr_assert_eq(work->lines[0].line, 7);
	fn = ppd_func(&d, work->lines[1].func);
	cr_assert_str_eq(str(&d, fn->name), "work");
	cr_assert_eq(work->lines[1].line, 13);
	cr_assert_eq(ppd_loc(&d, d.samples[0].locs[3])->lines[0].line, 20,
		     "a caller frame is looked up as a return address");
	cr_assert_eq(ppd_loc(&d, d.samples[0].locs[0])->mapping, 2, "kernel frames: the kernel");
	cr_assert_eq(ppd_loc(&d, d.samples[0].locs[4])->mapping, 0, "the comm root: none");

	lib = ppd_loc(&d, d.samples[1].locs[1]);
	cr_assert_eq(lib->mapping, 3);
	cr_assert_eq(lib->n_lines, 1);
	cr_assert_str_eq(loc_name(&d, lib->id), "libx.so+0x43");
	pb_free(&b);
	ppd_free(&d);
}

Test(pprof, folded_inlined_frames, .description = "folded: an inlined function is a frame after "
						  "its caller; unresolved is module+0xOFF")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel, .user_frame = fake_frame };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	two_stack_profile(&p, off, &on);
	on.user[1] = 3;
	folded_write(f, &p, &r, NULL);
	fclose(f);
	cr_assert_str_eq(buf, "offcpu;srv;main;work;helper;tcp_recvmsg_[k];schedule_[k] 5000\n"
			      "oncpu;db;libx.so+0x43;work;helper 30303030\n");
	free(buf);
}

Test(pprof, unknown_frame_share, .description = "unknown user frames per binary and why; stacks "
						"not ending in a thread entry are cut short")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_profile p;
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel, .user_frame = fake_frame };
	struct frame_coverage c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	two_stack_profile(&p, off, &on);
	on.user[1] = 3;
	frame_coverage_compute(&p, &r, &c);
	cr_assert_eq(c.frames, 4, "the zero-time stack is left out");
	cr_assert_eq(c.unknown, 1);
	cr_assert_eq(c.stacks, 2);
	cr_assert_eq(c.truncated, 2, "main and libx.so are no thread entry points");
	cr_assert_eq(c.n_bin, 2);
	cr_assert_str_eq(c.bin[0].name, "app");
	cr_assert_eq(c.bin[0].frames, 3);
	cr_assert_str_eq(c.bin[1].name, "libx.so");
	cr_assert_eq(c.bin[1].by_status[SYM_NO_SYMBOLS], 1);
	f = open_memstream(&buf, &len);
	frame_coverage_write(f, &c, "# ");
	fclose(f);
	cr_assert_str_eq(buf, "# unknown user frames: 25.0% (1 of 4); stacks cut short (no frame "
			      "pointers): 2 of 2\n"
			      "#   app: 0 of 3 frames unknown, 1 stacks end here\n"
			      "#   libx.so: 1 of 1 frames unknown, no-symbols 1, 1 stacks end here\n");
	free(buf);
}

Test(pprof, thread_labels, .description = "samples carry tid and thread_name of their thread")
{
	struct ws_offcpu_stack off[2], on;
	struct ws_thread th = { .tid = 101, .tgid = 100, .comm = "worker-1" };
	struct ws_profile p;
	int calls = 0;
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel, .ctx = &calls };
	struct ppd_profile d;
	char *buf = NULL;
	size_t len = 0, raw_len;
	uint8_t *raw;
	uint64_t tid = 0;
	FILE *f = open_memstream(&buf, &len);

	two_stack_profile(&p, off, &on);
	off[0].tid = 101;
	on.tid = 201; /* not among the threads: named "[unknown]" */
	p.threads = &th;
	p.n_threads = 1;
	cr_assert_eq(pprof_write(f, &p, &r, 1), 0);
	fclose(f);
	cr_assert_eq(ppd_gunzip((uint8_t *)buf, len, &raw, &raw_len), 0);
	decode(raw, raw_len, &d);
	cr_assert_eq(d.n_samples, 2);
	cr_assert_not_null(ppd_label(&d, &d.samples[0], "tid", &tid));
	cr_assert_eq(tid, 101);
	cr_assert_str_eq(ppd_label(&d, &d.samples[0], "thread_name", NULL), "worker-1");
	cr_assert_not_null(ppd_label(&d, &d.samples[1], "tid", &tid));
	cr_assert_eq(tid, 201);
	cr_assert_str_eq(ppd_label(&d, &d.samples[1], "thread_name", NULL), "[unknown]");
	free(raw);
	free(buf);
	ppd_free(&d);
}
