#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Redis on 127.0.0.1:PORT in DIR, no persistence. Ready line: redis-server. Load:
#   redis-benchmark -p PORT -c 50 -n 100000000 -t set,get -q   (stop it when done)
set -u
[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
port=$2
srv_init "$1"
setpriv --pdeathsig TERM redis-server --port "$port" --bind 127.0.0.1 --save '' \
	--appendonly no --dir "$SRV_DIR" --logfile "$SRV_DIR/redis.log" --daemonize no &
pid=$!
srv_add $pid
srv_wait_port "$port" $pid || srv_fail "redis did not listen" "$SRV_DIR/redis.log"
srv_ready $pid "$port"
