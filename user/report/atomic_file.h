/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output files written whole or not at all: temp file beside the target, fsync, rename. */
#ifndef WS_ATOMIC_FILE_H
#define WS_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	FILE *f;          /* write here between open and commit */
	char tmp[4096];   /* the temp path, removed unless committed */
	const char *path; /* the final path */
};

/*
 * Create "PATH.tmp.PID" with O_EXCL|O_NOFOLLOW. The final path is only replaced by rename, so a
 * symlink at PATH is replaced, never followed (outpath_check() refuses such a path up front).
 * Returns 0 or -errno (message printed).
 */
int atomic_file_open(struct atomic_file *af, const char *path);

/* Flush, fsync, close and rename over the final path. Returns 0 or -errno (message printed). */
int atomic_file_commit(struct atomic_file *af);

/* Drop the temp file; the final path is untouched. Safe after a failed open or a commit. */
void atomic_file_abort(struct atomic_file *af);

#endif /* WS_ATOMIC_FILE_H */
