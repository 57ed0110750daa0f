// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <string.h>
#include "report/names.h"
#include "waitscope.h"

Test(drop_names, every_drop_kind_named, .description = "each drop kind has a unique key and a text")
{
	for (int i = 0; i < WS_DROP_KINDS; i++) {
		cr_assert_not_null(drop_key(i), "kind %d has no key", i);
		cr_assert_not_null(drop_what(i), "kind %d has no text", i);
		for (int j = 0; j < i; j++)
			cr_expect_str_neq(drop_key(i), drop_key(j));
	}
	cr_expect_null(drop_key(WS_DROP_KINDS));
	cr_expect_null(drop_what(-1));
}
