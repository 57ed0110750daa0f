// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "folded.h"

void folded_sanitize(char *name)
{
	for (; *name; name++) {
		if (*name == ';')
			*name = ':';
		else if (*name == ' ' || *name == '\t' || *name == '\n' || *name == '\r')
			*name = '_';
	}
}

static const char *comm_of(const struct ws_profile *p, __u32 tgid)
{
	size_t i;

	for (i = 0; i < p->n_targets; i++)
		if ((__u32)p->targets[i].tgid == tgid)
			return p->targets[i].comm;
	for (i = 0; i < p->n_threads; i++)
		if (p->threads[i].tgid == tgid)
			return p->threads[i].comm;
	return "[unknown]";
}

void folded_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r)
{
	char name[256];
	size_t i;
	__u32 j;

	for (i = 0; i < p->n_offcpu; i++) {
		const struct ws_offcpu_stack *st = &p->offcpu[i];

		if (!st->ns)
			continue;
		snprintf(name, sizeof(name), "%s", comm_of(p, st->tgid));
		folded_sanitize(name);
		fputs(name, f);
		for (j = st->n_user; j > 0; j--) {
			r->user(r->ctx, (pid_t)st->tgid, st->user[j - 1], name, sizeof(name));
			folded_sanitize(name);
			fprintf(f, ";%s", name);
		}
		for (j = st->n_kernel; j > 0; j--) {
			r->kernel(r->ctx, st->kernel[j - 1], name, sizeof(name));
			/* The probe's own frames (the tracepoint runner and our program) are noise. */
			if (!strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trace_run", 13))
				continue;
			folded_sanitize(name);
			fprintf(f, ";%s_[k]", name);
		}
		fprintf(f, " %llu\n", (unsigned long long)st->ns);
	}
}
