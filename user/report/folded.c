// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

const char *folded_thread_name(const struct ws_profile *p, __u32 tid)
{
	size_t i;

	for (i = 0; i < p->n_threads; i++)
		if (p->threads[i].tid == tid)
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

/* One line: ROOT;comm[;thread/TID];user frames outermost first;kernel frames outermost first NS */
static void write_stack(FILE *f, const char *root, const struct ws_profile *p,
			const struct ws_offcpu_stack *st, __u64 ns, bool per_thread,
			const struct frame_resolver *r)
{
	char name[256];
	__u32 j;

	snprintf(name, sizeof(name), "%s", folded_comm(p, st->tgid));
	folded_sanitize(name);
	fprintf(f, "%s;%s", root, name);
	if (per_thread) {
		snprintf(name, sizeof(name), "%s/%u", folded_thread_name(p, st->tid), st->tid);
		folded_sanitize(name);
		fprintf(f, ";%s", name);
	}
	for (j = st->n_user; j > 0; j--)
		write_user_frame(f, st, j - 1, r);
	for (j = st->n_kernel; j > 0; j--) {
		r->kernel(r->ctx, st->kernel[j - 1], name, sizeof(name));
		if (folded_probe_frame(name))
			continue;
		folded_sanitize(name);
		fprintf(f, ";%s_[k]", name);
	}
	fprintf(f, " %llu\n", (unsigned long long)ns);
}

bool folded_probe_frame(const char *name)
{
	/* The probe's own frames (the tracepoint runner, perf glue and our program) are noise. */
	return !strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trace_run", 13) ||
	       !strncmp(name, "bpf_overflow_handler", 20) ||
	       !strncmp(name, "__perf_event_overflow", 21);
}

/* Stacks of one process, cause and frames compare equal, whatever their thread. */
static int stack_key_cmp(const struct ws_offcpu_stack *x, const struct ws_offcpu_stack *y)
{
	int d;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->cause != y->cause)
		return x->cause < y->cause ? -1 : 1;
	if (x->n_user != y->n_user)
		return x->n_user < y->n_user ? -1 : 1;
	if (x->n_kernel != y->n_kernel)
		return x->n_kernel < y->n_kernel ? -1 : 1;
	d = memcmp(x->user, y->user, x->n_user * sizeof(x->user[0]));
	return d ? d : memcmp(x->kernel, y->kernel, x->n_kernel * sizeof(x->kernel[0]));
}

/* By key, then by position in the array: a group's first member comes first. */
static int stack_order_cmp(const void *a, const void *b)
{
	const struct ws_offcpu_stack *x = *(const struct ws_offcpu_stack *const *)a;
	const struct ws_offcpu_stack *y = *(const struct ws_offcpu_stack *const *)b;
	int d = stack_key_cmp(x, y);

	return d ? d : x < y ? -1 : x > y;
}

/*
 * Time per line: each stack's own ns (per thread), or summed over the threads of its process
 * into the first of them, the others 0. ns[] has n entries. Returns 0 or -ENOMEM.
 */
static int line_ns(const struct ws_offcpu_stack *arr, size_t n, bool per_thread, __u64 *ns)
{
	const struct ws_offcpu_stack **ord;
	size_t i, lead = 0;

	for (i = 0; i < n; i++)
		ns[i] = arr[i].ns;
	if (per_thread || n < 2)
		return 0;
	ord = malloc(n * sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ord[i] = &arr[i];
	qsort(ord, n, sizeof(*ord), stack_order_cmp);
	for (i = 1; i < n; i++) {
		if (stack_key_cmp(ord[lead], ord[i])) {
			lead = i;
			continue;
		}
		ns[ord[lead] - arr] += ns[ord[i] - arr];
		ns[ord[i] - arr] = 0;
	}
	free(ord);
	return 0;
}

static int write_stacks(FILE *f, const char *root, const struct ws_profile *p,
			const struct ws_offcpu_stack *arr, size_t n, bool per_thread,
			const struct frame_resolver *r)
{
	__u64 *ns = n ? calloc(n, sizeof(*ns)) : NULL;
	size_t i;

	if (n && (!ns || line_ns(arr, n, per_thread, ns))) {
		free(ns);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (ns[i])
			write_stack(f, root, p, &arr[i], ns[i], per_thread, r);
	free(ns);
	return 0;
}

int folded_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r,
		 const struct folded_opts *o)
{
	bool per_thread = o && o->per_thread;
	int err;

	err = write_stacks(f, "offcpu", p, p->offcpu, p->n_offcpu, per_thread, r);
	if (!err)
		err = write_stacks(f, "oncpu", p, p->oncpu, p->n_oncpu, per_thread, r);
	return err;
}
