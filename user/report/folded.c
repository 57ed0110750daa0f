// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "report/folded.h"

void folded_sanitize(char *name)
{
	for (; *name; name++) {
		if (*name == ';')
			*name = ':';
		else if (*name == ' ' || *name == '\t' || *name == '\n' || *name == '\r')
			*name = '_';
	}
}

const char *folded_comm(const struct ws_profile *p, __u32 tgid)
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

/* One line: ROOT;comm;user frames outermost first;kernel frames outermost first NS */
static void write_stack(FILE *f, const char *root, const struct ws_profile *p,
			const struct ws_offcpu_stack *st, const struct frame_resolver *r)
{
	char name[256];
	__u32 j;

	snprintf(name, sizeof(name), "%s", folded_comm(p, st->tgid));
	folded_sanitize(name);
	fprintf(f, "%s;%s", root, name);
	for (j = st->n_user; j > 0; j--) {
		r->user(r->ctx, (pid_t)st->tgid, st->user[j - 1], name, sizeof(name));
		folded_sanitize(name);
		fprintf(f, ";%s", name);
	}
	for (j = st->n_kernel; j > 0; j--) {
		r->kernel(r->ctx, st->kernel[j - 1], name, sizeof(name));
		if (folded_probe_frame(name))
			continue;
		folded_sanitize(name);
		fprintf(f, ";%s_[k]", name);
	}
	fprintf(f, " %llu\n", (unsigned long long)st->ns);
}

bool folded_probe_frame(const char *name)
{
	/* The probe's own frames (the tracepoint runner, perf glue and our program) are noise. */
	return !strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trace_run", 13) ||
	       !strncmp(name, "bpf_overflow_handler", 20) ||
	       !strncmp(name, "__perf_event_overflow", 21);
}

void folded_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r)
{
	size_t i;

	for (i = 0; i < p->n_offcpu; i++)
		if (p->offcpu[i].ns)
			write_stack(f, "offcpu", p, &p->offcpu[i], r);
	for (i = 0; i < p->n_oncpu; i++)
		if (p->oncpu[i].ns)
			write_stack(f, "oncpu", p, &p->oncpu[i], r);
}
