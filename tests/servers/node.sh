#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Node.js http server (node_app.js) on 127.0.0.1:PORT calling the upstream on UPSTREAM_PORT.
# Ready line: the node process. Load: wrk -t 2 -c 32 -d SECS http://127.0.0.1:PORT/
set -u
[ $# -eq 3 ] || { echo "usage: $0 DIR PORT UPSTREAM_PORT" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
port=$2
srv_init "$1"
setpriv --pdeathsig TERM node "$here/node_app.js" "$port" "$3" >"$SRV_DIR/node.log" 2>&1 &
pid=$!
srv_add $pid
srv_wait_port "$port" $pid || srv_fail "node did not listen" "$SRV_DIR/node.log"
srv_http_ok "$port" || srv_fail "node did not answer" "$SRV_DIR/node.log"
srv_ready $pid "$port"
