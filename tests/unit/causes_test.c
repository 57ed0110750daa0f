// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/folded.h"
#include "model/profile.h"

static struct ws_target_info target = { .tgid = 100, .comm = "srv" };

/* poll: set-wait time, classified idle by the kernel (a set of listeners). */
static void one_thread(struct ws_profile *p, struct ws_thread *t, __u64 poll, __u64 net)
{
	memset(p, 0, sizeof(*p));
	memset(t, 0, sizeof(*t));
	t->tid = 101;
	t->tgid = 100;
	t->t.blocked_ns = poll + net;
	t->t.observed_ns = poll + net;
	t->t.blocked_by_cause[WS_CAUSE_IDLE] = poll;
	t->t.blocked_by_cause[WS_CAUSE_NET] = net;
	t->poll_ns = poll;
	p->threads = t;
	p->n_threads = 1;
	p->targets = &target;
	p->n_targets = 1;
	p->coverage = 1;
}

Test(causes, set_causes_are_kept, .description = "set waits keep the kernel's cause, summed")
{
	struct ws_profile p;
	struct ws_thread t;

	target.has_listener = true;
	target.sockets = 1;
	one_thread(&p, &t, 900, 100);
	profile_finish(&p);
	cr_assert_eq(p.totals.blocked_by_cause[WS_CAUSE_IDLE], 900);
	cr_assert_eq(p.totals.blocked_by_cause[WS_CAUSE_NET], 100);
	cr_assert_eq(p.poll_ns, 900);
	cr_assert(!t.event_loop, "one socket is not an event loop");
}

Test(causes, set_waits_over_sockets_are_event_loop,
     .description = "mostly set waits, in a process with 5 sockets: an event loop")
{
	struct ws_profile p;
	struct ws_thread t;

	target.has_listener = false;
	target.sockets = 5;
	one_thread(&p, &t, 900, 100);
	profile_finish(&p);
	cr_assert_eq(p.totals.blocked_by_cause[WS_CAUSE_IDLE], 900, "no listener: not resolved");
	cr_assert(t.event_loop, "mostly poll over 5 sockets: an event loop");
}

Test(causes, mostly_blocking_reads_is_not_event_loop,
     .description = "poll under half of blocked time: not an event loop")
{
	struct ws_profile p;
	struct ws_thread t;

	target.has_listener = true;
	target.sockets = 50;
	one_thread(&p, &t, 400, 600);
	profile_finish(&p);
	cr_assert(!t.event_loop);
}

static void fake_user(void *ctx, pid_t tgid, __u64 addr, char *buf, size_t size)
{
	(void)ctx;
	(void)tgid;
	snprintf(buf, size, addr == 1 ? "main" : addr == 2 ? "do; work" : "[unknown]");
}

static void fake_kernel(void *ctx, __u64 addr, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, addr == 10 ? "schedule" : addr == 12 ? "bpf_overflow_handler" :
		 "sys_read");
}

Test(folded, line_format,
     .description = "offcpu;comm;user outer..inner;kernel outer..inner NS, then oncpu lines")
{
	struct ws_offcpu_stack st = { .tgid = 100, .ns = 12345, .n_user = 2, .n_kernel = 2,
				      .user = { 2, 1 }, .kernel = { 10, 11 } };
	struct ws_offcpu_stack on = { .tgid = 100, .ns = 20202020, .n_user = 1, .user = { 1 } };
	struct ws_profile p = { .targets = &target, .n_targets = 1, .offcpu = &st, .n_offcpu = 1,
				.oncpu = &on, .n_oncpu = 1 };
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	folded_write(f, &p, &r, NULL);
	fclose(f);
	cr_assert_str_eq(buf, "offcpu;srv;main;do:_work;sys_read_[k];schedule_[k] 12345\n"
			      "oncpu;srv;main 20202020\n");
	free(buf);
}

Test(folded, skips_probe_frames_and_empty_stacks,
     .description = "BPF/perf glue frames are dropped, zero-time stacks are not written")
{
	struct ws_offcpu_stack on[2] = {
		{ .tgid = 100, .ns = 10, .n_kernel = 2, .kernel = { 12, 10 } },
		{ .tgid = 100, .ns = 0, .n_user = 1, .user = { 1 } },
	};
	struct ws_profile p = { .targets = &target, .n_targets = 1, .oncpu = on, .n_oncpu = 2 };
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	folded_write(f, &p, &r, NULL);
	fclose(f);
	cr_assert_str_eq(buf, "oncpu;srv;schedule_[k] 10\n");
	free(buf);
}

static char *folded_text(const struct ws_profile *p, const struct folded_opts *o)
{
	struct frame_resolver r = { .user = fake_user, .kernel = fake_kernel };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(folded_write(f, p, &r, o), 0);
	fclose(f);
	return buf;
}

/* Two threads of process 100 blocked in the same stack, one elsewhere; one cause differs. */
static void three_thread_stacks(struct ws_offcpu_stack *st, struct ws_thread *th)
{
	st[0] = (struct ws_offcpu_stack){ .tgid = 100, .tid = 101, .ns = 10, .n_user = 1,
					  .user = { 1 } };
	st[1] = (struct ws_offcpu_stack){ .tgid = 100, .tid = 102, .ns = 20, .n_user = 2,
					  .user = { 2, 1 } };
	st[2] = (struct ws_offcpu_stack){ .tgid = 100, .tid = 102, .ns = 5, .n_user = 1,
					  .user = { 1 } };
	st[3] = (struct ws_offcpu_stack){ .tgid = 100, .tid = 103, .ns = 7, .n_user = 1,
					  .user = { 1 }, .cause = WS_CAUSE_NET };
	memset(th, 0, 3 * sizeof(*th));
	th[0] = (struct ws_thread){ .tid = 101, .tgid = 100, .comm = "srv" };
	th[1] = (struct ws_thread){ .tid = 102, .tgid = 100, .comm = "worker 1" };
	th[2] = (struct ws_thread){ .tid = 103, .tgid = 100, .comm = "io" };
}

Test(folded, threads_summed_per_process,
     .description = "one line per process, cause and stack: its threads' time summed")
{
	struct ws_offcpu_stack st[4];
	struct ws_thread th[3];
	struct ws_profile p = { .targets = &target, .n_targets = 1, .offcpu = st, .n_offcpu = 4,
				.threads = th, .n_threads = 3 };
	char *buf;

	three_thread_stacks(st, th);
	buf = folded_text(&p, NULL);
	cr_assert_str_eq(buf, "offcpu;srv;main 15\n"
			      "offcpu;srv;main;do:_work 20\n"
			      "offcpu;srv;main 7\n");
	free(buf);
}

Test(folded, per_thread_lines, .description = "-T: a line per thread, thread name/TID first")
{
	struct ws_offcpu_stack st[4];
	struct ws_thread th[3];
	struct ws_profile p = { .targets = &target, .n_targets = 1, .offcpu = st, .n_offcpu = 4,
				.threads = th, .n_threads = 3 };
	struct folded_opts o = { .per_thread = true };
	char *buf;

	three_thread_stacks(st, th);
	buf = folded_text(&p, &o);
	cr_assert_str_eq(buf, "offcpu;srv;srv/101;main 10\n"
			      "offcpu;srv;worker_1/102;main;do:_work 20\n"
			      "offcpu;srv;worker_1/102;main 5\n"
			      "offcpu;srv;io/103;main 7\n");
	free(buf);
}
