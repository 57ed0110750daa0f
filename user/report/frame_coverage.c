// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "report/frame_coverage.h"

/* Where a thread's stack rightly ends: the process's and the threads' entry points. */
static bool thread_root(const char *func)
{
	static const char *const roots[] = { "_start", "__libc_start_main", "__libc_start_call_main",
					     "start_thread", "clone", "clone3", "__clone",
					     "__clone3", "thread_start", "_dl_start_user" };
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(func, roots[i]))
			return true;
	return false;
}

static struct frame_coverage_binary *binary(struct frame_coverage *c, const struct sym_frame *fr)
{
	const char *path = fr->map ? fr->map->path : "[none]", *slash = strrchr(path, '/');
	const char *name = !path[0] ? "[anon]" : slash ? slash + 1 : path;
	size_t i;

	for (i = 0; i < c->n_bin; i++)
		if (!strcmp(c->bin[i].name, name))
			return &c->bin[i];
	if (c->n_bin == FRAME_COVERAGE_BINARIES) {
		name = "[other]";
		i = FRAME_COVERAGE_BINARIES - 1;
		snprintf(c->bin[i].name, sizeof(c->bin[i].name), "%s", name);
		return &c->bin[i];
	}
	snprintf(c->bin[c->n_bin].name, sizeof(c->bin[0].name), "%s", name);
	return &c->bin[c->n_bin++];
}

static void count_stack(struct frame_coverage *c, const struct ws_offcpu_stack *st,
			const struct frame_resolver *r)
{
	struct frame_coverage_binary *b = NULL;
	struct sym_frame fr;
	__u32 j;

	if (!st->ns || !st->n_user)
		return;
	memset(&fr, 0, sizeof(fr));
	c->stacks++;
	for (j = 0; j < st->n_user; j++) {
		if (r->user_frame(r->ctx, (pid_t)st->tgid, st->user[j], j > 0, &fr) &&
		    fr.status == SYM_OK)
			fr.status = SYM_NO_SYMBOLS;
		b = binary(c, &fr);
		b->frames++;
		b->by_status[fr.status]++;
		c->frames++;
		if (fr.status != SYM_OK)
			c->unknown++;
	}
	/* the outermost frame (last looked up) */
	if (fr.status != SYM_OK || !thread_root(fr.lines[fr.n_lines - 1].func)) {
		c->truncated++;
		b->truncated++;
	}
}

static int bin_cmp(const void *a, const void *b)
{
	const struct frame_coverage_binary *x = a, *y = b;

	return x->frames < y->frames ? 1 : x->frames > y->frames ? -1 : strcmp(x->name, y->name);
}

void frame_coverage_compute(const struct ws_profile *p, const struct frame_resolver *r,
			    struct frame_coverage *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < p->n_offcpu; i++)
		count_stack(out, &p->offcpu[i], r);
	for (i = 0; i < p->n_oncpu; i++)
		count_stack(out, &p->oncpu[i], r);
	if (out->n_bin)
		qsort(out->bin, out->n_bin, sizeof(out->bin[0]), bin_cmp);
}

double frame_coverage_unknown_pct(const struct frame_coverage *c)
{
	return c->frames ? 100.0 * (double)c->unknown / (double)c->frames : 0.0;
}

void frame_coverage_write(FILE *f, const struct frame_coverage *c, const char *prefix)
{
	size_t i;
	int s;

	fprintf(f, "%sunknown user frames: %.1f%% (%llu of %llu); stacks cut short (no frame "
		"pointers): %llu of %llu\n", prefix, frame_coverage_unknown_pct(c),
		(unsigned long long)c->unknown, (unsigned long long)c->frames,
		(unsigned long long)c->truncated, (unsigned long long)c->stacks);
	for (i = 0; i < c->n_bin; i++) {
		const struct frame_coverage_binary *b = &c->bin[i];

		if (b->by_status[SYM_OK] == b->frames && !b->truncated)
			continue;
		fprintf(f, "%s  %s: %llu of %llu frames unknown", prefix, b->name,
			(unsigned long long)(b->frames - b->by_status[SYM_OK]),
			(unsigned long long)b->frames);
		for (s = SYM_OK + 1; s < SYM_STATUS_KINDS; s++)
			if (b->by_status[s])
				fprintf(f, ", %s %llu", sym_status_name((enum sym_status)s),
					(unsigned long long)b->by_status[s]);
		if (b->truncated)
			fprintf(f, ", %llu stacks end here", (unsigned long long)b->truncated);
		fputc('\n', f);
	}
}
