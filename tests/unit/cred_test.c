// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include "targets/cred.h"

Test(cred, by_name, .description = "a user name resolves to its uid, gid and name")
{
	struct ws_cred c;

	cr_assert_eq(cred_resolve("root", &c), 0);
	cr_assert_eq(c.uid, 0);
	cr_assert_eq(c.gid, 0);
	cr_assert_str_eq(c.name, "root");
}

Test(cred, by_uid, .description = "a numeric uid takes its passwd entry when there is one")
{
	struct ws_cred c;

	cr_assert_eq(cred_resolve("0", &c), 0);
	cr_assert_str_eq(c.name, "root");
	cr_assert_eq(cred_resolve("3999999", &c), 0, "a uid without an entry is allowed");
	cr_assert_eq(c.uid, 3999999);
	cr_assert_eq(c.gid, 3999999);
	cr_assert_str_eq(c.name, "");
}

Test(cred, unknown_name, .description = "a name without a passwd entry is -ENOENT")
{
	struct ws_cred c;

	cr_assert_eq(cred_resolve("no-such-user-ws", &c), -ENOENT);
	cr_assert_eq(cred_resolve("12abc", &c), -ENOENT, "not a number, not a name");
}
