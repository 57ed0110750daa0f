/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output paths (--folded, --ready-file) checked before profiling, so a bad one is a usage error. */
#ifndef WS_OUTPATH_H
#define WS_OUTPATH_H

#include "cli/cli.h"

/*
 * Can path be written with atomic_file (temp file beside it, then rename)? Refuses a path that is
 * a symbolic link (it would be replaced, and its target never written: say so instead), a
 * directory or another non-regular file, and a directory where the temp file cannot be created
 * (probed: created and removed). An existing regular file is left untouched.
 * Prints one line naming option and path; returns 0 or -errno.
 */
int outpath_check(const char *option, const char *path);

/* outpath_check on every output path the options name. Returns 0 or the first -errno. */
int outpath_check_opts(const struct ws_opts *o);

#endif /* WS_OUTPATH_H */
