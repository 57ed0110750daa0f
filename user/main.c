// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* waitscope: where do a server's threads spend their time, and would async help? */
#include <stdio.h>
#include "cli/cli.h"
#include "run.h"

int main(int argc, char **argv)
{
	struct ws_opts opts;
	int status;

	switch (cli_parse(argc, argv, &opts, stdout, stderr)) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_USAGE_ERR:
		return 2;
	case CLI_OK:
		break;
	}
	status = ws_run(&opts);
	cli_free(&opts);
	return status;
}
