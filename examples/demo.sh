#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo: an I/O-bound sync server (4 worker threads, each request burns 0.5 ms of CPU then
# waits 20 ms on an upstream) under wrk load, profiled by waitscope for 5 seconds.
set -euo pipefail
BUILD=${1:-build}
DURATION=${DEMO_SECONDS:-5}
pids=()
cleanup() { local i; for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; sleep 0.2; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	echo "demo: waitscope needs root (or CAP_BPF + CAP_PERFMON); run: sudo make demo" >&2
	exit 1
fi
command -v wrk >/dev/null || { echo "demo: wrk not found: apt-get install wrk" >&2; exit 1; }

# Start an example in the background; its "ready pid=N port=P" line lands in $ready.
ready=
start() {
	local out i
	out=$(mktemp)
	"$@" >"$out" &
	pids+=($!)
	for i in $(seq 100); do
		ready=$(head -n1 "$out")
		[ -n "$ready" ] && break
		sleep 0.1
	done
	rm -f "$out"
	[ -n "$ready" ] || { echo "demo: $1 did not start" >&2; exit 1; }
}
field() { local v=${ready##*"$1"=}; echo "${v%% *}"; }

start "$BUILD/examples/upstream" -p 0 -D 20
up_port=$(field port)
start "$BUILD/examples/syncserver" -p 0 -w 4 -c 500 -u "$up_port" -n 1
srv_pid=$(field pid)
srv_port=$(field port)

echo "demo: syncserver pid $srv_pid (4 workers, 0.5 ms CPU + one 20 ms upstream call per request)"
echo "demo: wrk -c 64 against :$srv_port, waitscope -p $srv_pid -d $DURATION"
echo
wrk -t 2 -c 64 -d "$((DURATION + 3))s" "http://127.0.0.1:$srv_port/" >/dev/null &
pids+=($!)
sleep 1
"$BUILD/waitscope" -p "$srv_pid" -d "$DURATION" -T
