/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Folded stacks ("ROOT;comm;outer;...;inner NS" lines) for flamegraph.pl and speedscope. ROOT is
 * "offcpu" (blocked time) or "oncpu" (sampled CPU time): one flame graph shows both side by side.
 */
#ifndef WS_FOLDED_H
#define WS_FOLDED_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "model/profile.h"
#include "symbols/frame.h"

/* Turns addresses into frame names; both write "[unknown]" when they cannot. */
struct frame_resolver {
	void (*user)(void *ctx, pid_t tgid, __u64 addr, char *buf, size_t size);
	void (*kernel)(void *ctx, __u64 addr, char *buf, size_t size);
	void *ctx;
	/* Optional (NULL: user() names one frame per address): the whole frame, with its
	 * mapping and inlined functions; @is_return for every frame but the leaf. Returns 0 or
	 * -errno (the frame then counts as unknown). */
	int (*user_frame)(void *ctx, pid_t tgid, __u64 addr, bool is_return, struct sym_frame *out);
	/* Optional: the mapping of a process's executable (pprof's first Mapping), or NULL. */
	const struct sym_mapping *(*main_mapping)(void *ctx, pid_t tgid);
};

/* The name of an unresolved frame: "module+0xOFF" when a file is mapped there (or "[vdso]+0x.."),
 * else "[unknown]". */
void frame_fallback_name(const struct sym_frame *fr, char *buf, size_t size);

struct folded_opts {
	bool per_thread; /* -T: a line per thread ("comm;thread/TID;..."), not per process */
};

/*
 * One line per off-CPU stack ("offcpu;comm;...", blocked ns), then one per on-CPU stack
 * ("oncpu;comm;...", samples x period ns): user frames outermost first (an inlined function
 * after the function it was inlined into), then kernel frames suffixed "_[k]". The threads of a
 * process are summed into one line per stack unless o->per_thread (o may be NULL).
 * Returns 0 or -ENOMEM.
 */
int folded_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r,
		 const struct folded_opts *o);

/* The comm of process tgid: from the targets, else its threads, else "[unknown]". */
const char *folded_comm(const struct ws_profile *p, __u32 tgid);

/* The comm of thread tid: from the threads, else "[unknown]". */
const char *folded_thread_name(const struct ws_profile *p, __u32 tid);

/* A kernel frame of the probe itself (tracepoint runner, perf overflow glue, BPF program). */
bool folded_probe_frame(const char *name);

/* Make a frame name safe for the format: no ';', no blanks, no newlines. */
void folded_sanitize(char *name);

#endif /* WS_FOLDED_H */
