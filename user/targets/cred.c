// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "targets/cred.h"
#include "util/numparse.h"

int cred_resolve(const char *user, struct ws_cred *out)
{
	struct passwd pw, *res = NULL;
	unsigned long uid;
	char buf[4096];
	int numeric;

	memset(out, 0, sizeof(*out));
	numeric = parse_ulong(user, 0, 0xfffffffeUL, &uid) == 0;
	if (numeric)
		getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res);
	else
		getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (res) {
		out->uid = res->pw_uid;
		out->gid = res->pw_gid;
		snprintf(out->name, sizeof(out->name), "%s", res->pw_name);
		return 0;
	}
	if (!numeric)
		return -ENOENT;
	out->uid = (uid_t)uid;
	out->gid = (gid_t)uid;
	return 0;
}

int cred_apply(const struct ws_cred *c)
{
	int rc = c->name[0] ? initgroups(c->name, c->gid) : setgroups(0, NULL);

	if (rc || setgid(c->gid) || setuid(c->uid))
		return -errno;
	/* Dropped for good: getting root back must fail. */
	if (c->uid != 0 && setuid(0) == 0)
		return -EPERM;
	return 0;
}
