// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz cli_parse: the input split at NUL bytes and newlines is argv[1..]. */
#include <stdio.h>
#include "cli/cli.h"
#include "fuzz_util.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	char *text = fuzz_cstr(data, size), *argv[MAX_ARGS + 2], *p;
	struct ws_opts o;
	int argc = 0;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!text || !null) {
		free(text);
		return 0;
	}
	argv[argc++] = "waitscope";
	for (p = text; argc <= MAX_ARGS && p <= text + size;) {
		size_t len = strcspn(p, "\n");

		p[len] = '\0';
		argv[argc++] = p;
		p += len + 1;
	}
	argv[argc] = NULL;
	if (cli_parse(argc, argv, &o, null, null) == CLI_OK) {
		if (!o.command && !o.n_pids && !o.name && !o.cgroup)
			__builtin_trap(); /* accepted without a target */
		cli_free(&o);
	}
	free(text);
	return 0;
}
