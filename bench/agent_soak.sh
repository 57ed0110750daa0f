#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The agent's own cost (docs/performance.md, "The agent"): CPU and RSS of `waitscope --listen`
# while build/examples/syncserver is loaded by wrk and /metrics is scraped every second.
# usage: bench/agent_soak.sh [SECONDS=600] [INTERVAL=10] [BUILD=build]   (as root)
set -u
DUR=${1:-600}; IV=${2:-10}; B=$(cd "${3:-build}" && pwd)
T=$(mktemp -d /tmp/ws-soak.XXXXXX); PORT=19466
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
port_of() { for _ in $(seq 50); do p=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$1"); [ -n "$p" ] && { echo "$p"; return; }; sleep 0.1; done; }
"$B/examples/upstream" -D 5 > "$T/up" 2>/dev/null & UPORT=$(port_of "$T/up")
"$B/examples/syncserver" -w 8 -c 500 -u "$UPORT" > "$T/ss" 2>/dev/null & SPORT=$(port_of "$T/ss")
"$B/waitscope" -n syncserver --listen 127.0.0.1:$PORT -i "$IV" --label service=soak 2> "$T/agent" &
AG=$!
sleep 2
wrk -t2 -c32 -d $((DUR + 5))s "http://127.0.0.1:$SPORT/" > /dev/null 2>&1 &
( while kill -0 $AG 2>/dev/null; do curl -s -o /dev/null 127.0.0.1:$PORT/metrics; sleep 1; done ) &
tick=$(getconf CLK_TCK)
c0=$(awk '{print $14 + $15}' /proc/$AG/stat); t0=$(date +%s.%N)
for ((i = 10; i <= DUR; i += 10)); do
	sleep 10
	echo "t=$i rss_kb=$(awk '/VmRSS/{print $2}' /proc/$AG/status)"
done
c1=$(awk '{print $14 + $15}' /proc/$AG/stat); t1=$(date +%s.%N)
echo "agent CPU: $(echo "100 * ($c1 - $c0) / $tick / ($t1 - $t0)" | bc -l | cut -c1-6)% of a core"
curl -s 127.0.0.1:$PORT/metrics | grep -E '^waitscope_(threads|agent|updates|async)'
