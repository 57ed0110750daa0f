/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Export files (--folded, --pprof, --prom): symbolize, write atomically, report failures. */
#ifndef WS_EXPORT_H
#define WS_EXPORT_H

#include <stdbool.h>
#include "model/profile.h"

struct frame_coverage;
struct prom_meta;
struct symbolizer;

struct export_opts {
	bool mangled;    /* --mangled: C++ and Rust names as the binary spells them */
	bool per_thread; /* -T: folded lines per thread, not summed per process */
};

/* The stack writers' shared state: one symbolizer, so each mapped file is read once. */
struct exporter {
	struct export_opts o;
	struct symbolizer *sym;
};

/* Returns 0 or -ENOMEM (printed). exporter_free accepts a zeroed or freed exporter. */
int exporter_init(struct exporter *e, const struct export_opts *o);
void exporter_free(struct exporter *e);

/* The share of user frames in p's stacks that stayed unknown, per binary and why. */
void export_frame_coverage(struct exporter *e, const struct ws_profile *p,
			   struct frame_coverage *out);

/* Each writes PATH whole or not at all (atomic_file) and prints its error. Returns 0 or -errno. */
int write_folded(struct exporter *e, const char *path, const struct ws_profile *p);
int write_pprof(struct exporter *e, const char *path, const struct ws_profile *p);
int write_prom(const char *path, const struct ws_profile *p, const struct prom_meta *m);

#endif /* WS_EXPORT_H */
