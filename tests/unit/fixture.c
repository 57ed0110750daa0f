/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "report/frame_coverage.h"
#include "unit/fixture.h"

struct ws_thread_record fx_record(__u32 tid, enum ws_state state, __u64 ts, __u64 snap_ns)
{
	struct ws_thread_record r;

	memset(&r, 0, sizeof(r));
	r.tid = tid;
	r.tgid = 4242;
	r.acct.state = state;
	r.acct.ts = ts;
	r.acct.first_ns = FX_START;
	r.start_time_ns = FX_START / 2;
	r.snap_ns = snap_ns;
	snprintf(r.comm, sizeof(r.comm), "t%u", tid);
	return r;
}

void fx_profile(struct ws_profile *p)
{
	struct ws_thread_record r;

	profile_init(p);
	p->window_start_ns = FX_START;
	p->window_end_ns = FX_END;
	p->attach_mode = "tp_btf";
	cr_assert_eq(profile_add_target(p, 4242, "server"), 0);

	/* main thread: 1s on CPU, 0.5s run-queue, 3.4s blocked, blocked again for the last 100ms */
	r = fx_record(4242, WS_STATE_BLOCKED, FX_END - 100 * FX_MS, FX_END + 20 * FX_MS);
	r.acct.on_cpu_ns = 1000 * FX_MS;
	r.acct.runq_ns = 500 * FX_MS;
	r.acct.blocked_ns = 3400 * FX_MS;
	r.acct.vol_switches = 500;
	r.acct.invol_switches = 50;
	r.acct.wakeups = 500;
	strcpy(r.comm, "server");
	cr_assert_eq(profile_add_record(p, &r), 0);

	/* worker born at +1s, running since +4s: 4s observed, 3s on CPU */
	r = fx_record(4243, WS_STATE_RUNNING, FX_START + 4000 * FX_MS, FX_END + 20 * FX_MS);
	r.start_time_ns = FX_START + 1000 * FX_MS;
	r.acct.on_cpu_ns = 2000 * FX_MS;
	r.acct.runq_ns = 1000 * FX_MS;
	r.acct.invol_switches = 100;
	r.acct.flags = WS_THREAD_BORN;
	strcpy(r.comm, "worker");
	cr_assert_eq(profile_add_record(p, &r), 0);

	/* helper that exited at +2s: 2s observed, all blocked */
	r = fx_record(4244, WS_STATE_EXITED, FX_START + 2000 * FX_MS, FX_START + 2000 * FX_MS);
	r.exited = 1;
	r.acct.blocked_ns = 2000 * FX_MS;
	r.acct.vol_switches = 10;
	r.acct.wakeups = 10;
	strcpy(r.comm, "helper");
	cr_assert_eq(profile_add_record(p, &r), 0);

	/* one exited thread whose exit record was dropped: 1s observed, 0.5s on CPU */
	p->unlisted_threads = 1;
	p->unlisted.on_cpu_ns = 500 * FX_MS;
	p->unlisted.blocked_ns = 500 * FX_MS;
	p->unlisted.observed_ns = 1000 * FX_MS;

	p->hists.slots[WS_HIST_RUNQ][10] = 90;   /* [1024, 2048) ns */
	p->hists.slots[WS_HIST_RUNQ][20] = 10;   /* [1, 2) ms */
	p->hists.slots[WS_HIST_BLOCKED][25] = 4; /* [33.5, 67.1) ms */
	profile_finish(p);
}

void fx_frame_coverage(struct frame_coverage *c)
{
	static const struct {
		const char *name;
		__u64 ok, no_symbols, jit_no_map, truncated;
	} bins[] = { { "app", 3, 3, 0, 1 }, { "[anon]", 3, 0, 1, 0 }, { "libc.so.6", 2, 0, 0, 0 } };
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		struct frame_coverage_binary *b = &c->bin[c->n_bin++];

		snprintf(b->name, sizeof(b->name), "%s", bins[i].name);
		b->by_status[SYM_OK] = bins[i].ok;
		b->by_status[SYM_NO_SYMBOLS] = bins[i].no_symbols;
		b->by_status[SYM_JIT_NO_MAP] = bins[i].jit_no_map;
		b->frames = bins[i].ok + bins[i].no_symbols + bins[i].jit_no_map;
		b->truncated = bins[i].truncated;
		c->frames += b->frames;
		c->unknown += b->frames - bins[i].ok;
		c->truncated += b->truncated;
	}
	c->stacks = 3;
}

char *fx_capture(fx_report_fn fn, const struct ws_profile *p, const struct report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f, "open_memstream");
	fn(f, p, o);
	cr_assert_eq(fclose(f), 0);
	return buf;
}
