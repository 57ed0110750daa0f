/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* -u USER: who a launched command runs as. Resolved up front, applied in the child only. */
#ifndef WS_CRED_H
#define WS_CRED_H

#include <stdbool.h>
#include <sys/types.h>

struct ws_cred {
	uid_t uid;
	gid_t gid;
	char name[64];    /* login name; empty for a numeric uid without a passwd entry */
};

/*
 * Resolve a user name, or a numeric uid (with its passwd entry if there is one; without one the
 * primary group is the uid's number and there are no supplementary groups).
 * Returns 0, or -ENOENT when the name does not exist.
 */
int cred_resolve(const char *user, struct ws_cred *out);

/* In the child, before exec: supplementary groups, gid, then uid. Returns 0 or -errno. */
int cred_apply(const struct ws_cred *c);

#endif /* WS_CRED_H */
