// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
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

void frame_fallback_name(const struct sym_frame *fr, char *buf, size_t size)
{
	const char *path = fr->map ? fr->map->path : "";
	const char *slash = strrchr(path, '/');

	if (fr->status != SYM_NO_SYMBOLS || !path[0])
		snprintf(buf, size, "[unknown]");
	else
		snprintf(buf, size, "%s+0x%llx", slash ? slash + 1 : path,
			 (unsigned long long)fr->file_offset);
}

/* User frame @j (0 = leaf) of @st: ";name" for each function at it, outermost first. */
static void write_user_frame(FILE *f, const struct ws_offcpu_stack *st, __u32 j,
			     const struct frame_resolver *r)
{
	struct sym_frame fr;
	char name[256];
	unsigned int k;

	if (!r->user_frame) {
		r->user(r->ctx, (pid_t)st->tgid, st->user[j], name, sizeof(name));
		folded_sanitize(name);
		fprintf(f, ";%s", name);
		return;
	}
	if (r->user_frame(r->ctx, (pid_t)st->tgid, st->user[j], j > 0, &fr) ||
	    fr.status != SYM_OK || !fr.n_lines) {
		frame_fallback_name(&fr, name, sizeof(name));
		fprintf(f, ";%s", name);
		return;
	}
	for (k = fr.n_lines; k > 0; k--) {
		snprintf(name, sizeof(name), "%s", fr.lines[k - 1].func);
		folded_sanitize(name);
		fprintf(f, ";%s", name);
	}
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
	for (j = st->n_user; j > 0; j--)
		write_user_frame(f, st, j - 1, r);
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
