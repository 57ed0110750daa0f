#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# PostgreSQL 15 on 127.0.0.1:PORT in DIR (initdb -A trust, pgbench tables at scale 2), as user
# postgres. Ready line: the postmaster (profile it with -f). Load:
#   pgbench -h 127.0.0.1 -p PORT -U postgres -c 8 -j 2 -T SECS postgres
set -u
[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
bin=/usr/lib/postgresql/15/bin
port=$2
[ -x $bin/postgres ] || { echo "postgres.sh: $bin/postgres missing" >&2; exit 1; }
srv_init "$1"
chown postgres: "$SRV_DIR"
as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups)
"${as_pg[@]}" $bin/initdb -D "$SRV_DIR/data" -A trust -U postgres >"$SRV_DIR/initdb.log" 2>&1 ||
	srv_fail "initdb failed" "$SRV_DIR/initdb.log"
# Small: 2 cores. SIGQUIT if this script dies (immediate shutdown), SIGINT to stop (fast).
"${as_pg[@]}" --pdeathsig QUIT $bin/postgres -D "$SRV_DIR/data" -p "$port" -k "$SRV_DIR" \
	-h 127.0.0.1 -c shared_buffers=32MB -c max_connections=40 >"$SRV_DIR/server.log" 2>&1 &
pid=$!
srv_add $pid INT
for ((n = 0; n < 400; n++)); do
	$bin/pg_isready -q -h 127.0.0.1 -p "$port" && break
	kill -0 $pid 2>/dev/null || srv_fail "postgres exited" "$SRV_DIR/server.log"
	sleep 0.05
done
$bin/pgbench -h 127.0.0.1 -p "$port" -U postgres -i -s 2 -q postgres >"$SRV_DIR/init.log" 2>&1 ||
	srv_fail "pgbench -i failed" "$SRV_DIR/init.log"
srv_ready $pid "$port"
