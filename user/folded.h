/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Folded stacks ("comm;outer;...;inner NS" lines) for flamegraph.pl and speedscope. */
#ifndef WS_FOLDED_H
#define WS_FOLDED_H

#include <stdio.h>
#include <sys/types.h>
#include "profile.h"

/* Turns addresses into frame names; both write "[unknown]" when they cannot. */
struct frame_resolver {
	void (*user)(void *ctx, pid_t tgid, __u64 addr, char *buf, size_t size);
	void (*kernel)(void *ctx, __u64 addr, char *buf, size_t size);
	void *ctx;
};

/* One line per off-CPU stack: comm, user frames outermost first, then kernel frames. */
void folded_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r);

/* Make a frame name safe for the format: no ';', no blanks, no newlines. */
void folded_sanitize(char *name);

#endif /* WS_FOLDED_H */
