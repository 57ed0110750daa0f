#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# load.sh OUT CMD [ARGS...]: run a load generator with its stdout and stderr in OUT, so a test
# can read its figures (tests/lib/srvprof.c srv_load_start).
[ $# -ge 2 ] || { echo "usage: $0 OUT CMD [ARGS...]" >&2; exit 2; }
out=$1
shift
exec "$@" >"$out" 2>&1
