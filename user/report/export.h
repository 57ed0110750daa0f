/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Export files (--folded, --pprof, --prom): symbolize, write atomically, report failures. */
#ifndef WS_EXPORT_H
#define WS_EXPORT_H

#include "model/profile.h"

struct prom_meta;

/* Each writes PATH whole or not at all (atomic_file) and prints its error. Returns 0 or -errno. */
int write_folded(const char *path, const struct ws_profile *p);
int write_pprof(const char *path, const struct ws_profile *p);
int write_prom(const char *path, const struct ws_profile *p, const struct prom_meta *m);

#endif /* WS_EXPORT_H */
