// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/live.h"

#define S 1000000000ULL
#define START (100 * S)

struct cap {
	char *buf;
	size_t len;
	FILE *f;
};

static void cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->f);
}

static void cap_close(struct cap *c)
{
	fclose(c->f);
	free(c->buf);
}

Test(live, progress_line, .description = "elapsed of total and events; a shorter line blanks "
					 "what the longer one left")
{
	struct live l;
	struct cap err;

	cap_open(&err);
	live_init(&l, 0, &ws_output_text, 10, START, stdout, err.f);
	l.progress = true; /* err is not a terminal here */
	live_progress(&l, START + 2 * S, 12345);
	fflush(err.f);
	cr_assert_str_eq(err.buf, "\rwaitscope: 2.0 / 10.0 s, 12345 events");
	live_progress(&l, START + 3 * S, 7);
	fflush(err.f);
	cr_assert_str_eq(err.buf, "\rwaitscope: 2.0 / 10.0 s, 12345 events"
				  "\rwaitscope: 3.0 / 10.0 s, 7 events    ");
	cr_assert(live_finish(&l, START + 3 * S) == false, "no -i: no last line");
	fflush(err.f);
	cr_assert(strstr(err.buf, "events    \r") != NULL, "the progress line is erased");
	cap_close(&err);
}

Test(live, progress_until_exit, .description = "no duration: elapsed only")
{
	struct live l;
	struct cap err;

	cap_open(&err);
	live_init(&l, 0, &ws_output_text, 0, START, stdout, err.f);
	live_progress(&l, START + S / 2, 3);
	fflush(err.f);
	cr_assert_str_eq(err.buf, "\rwaitscope: 0.5 s, 3 events");
	cap_close(&err);
}

Test(live, due_and_wait, .description = "a line per interval, missed ones skipped, the sleep "
					"capped to the next line")
{
	struct live l;

	live_init(&l, 1.0, &ws_output_text, 10, START, stdout, stderr);
	cr_assert(!live_due(&l, START + S / 2));
	cr_assert_eq(live_wait_ms(&l, START + S / 2, 100), 100);
	cr_assert_eq(live_wait_ms(&l, START + S - 30000000ULL, 100), 31);
	cr_assert(live_due(&l, START + S));
	cr_assert(!live_due(&l, START + S + 1), "scheduled for the next second");
	cr_assert(live_due(&l, START + 3 * S + 1), "two seconds late: one line");
	cr_assert_eq(l.next_ns, START + 4 * S);
}

Test(live, interval_off, .description = "-i 0: never due, the sleep untouched")
{
	struct live l;

	live_init(&l, 0, &ws_output_text, 10, START, stdout, stderr);
	cr_assert(!live_due(&l, START + 5 * S));
	cr_assert_eq(live_wait_ms(&l, START, 100), 100);
	cr_assert(!live_finish(&l, START + 5 * S));
}

Test(live, last_line, .description = "the last stretch gets its line unless under 10% of -i")
{
	struct live l;

	live_init(&l, 1.0, &ws_output_text, 10, START, stdout, stderr);
	l.prev.ns = START + 2 * S;
	cr_assert(!live_finish(&l, START + 2 * S + S / 20));
	cr_assert(live_finish(&l, START + 2 * S + S / 5));
}

Test(live, interval_line, .description = "a line from the previous totals to now; now is the "
					 "next line's start")
{
	struct ws_snapshot cur;
	struct live l;
	struct cap out;

	cap_open(&out);
	live_init(&l, 1.0, &ws_output_json, 10, START, out.f, stderr);
	memset(&cur, 0, sizeof(cur));
	cur.ns = START + S;
	cur.t.on_cpu_ns = S / 2;
	cur.t.blocked_ns = S / 2;
	cur.threads = 1;
	live_interval(&l, &cur);
	cr_assert(out.len > 0 && out.buf[out.len - 1] == '\n', "one JSON line");
	cr_assert(strstr(out.buf, "\"t_s\"") != NULL, "%s", out.buf);
	cr_assert_eq(l.prev.ns, START + S);
	cap_close(&out);
}
