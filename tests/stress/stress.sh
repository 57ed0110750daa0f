#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Stress suite (make stress): busy targets, each profiled for a short window, each window
# checked for what issue 15 asks: no storage drop (no drop at all), every anomaly of a named
# kind, coverage 1.000, complete. Needs root; loads real BPF: serialise it with other kernel
# tests (flock /tmp/itest.lock make stress).
#
# usage: tests/stress/stress.sh [BUILD_DIR] [CASE...]
#   STRESS_RUNS=N   windows per case (default 1; issue 15's target is 10)
#   STRESS_SECS=S   window length (default 3)
#   STRESS_OUT=DIR  where the JSON reports go (default a fresh mktemp -d)
set -u

BUILD=${1:-build}
shift $(($# > 0 ? 1 : 0))
RUNS=${STRESS_RUNS:-1}
SECS=${STRESS_SECS:-3}
OUT=${STRESS_OUT:-$(mktemp -d /tmp/waitscope-stress.XXXXXX)}
PY=/usr/bin/python3
WL_SECS=$((SECS + 8)) # the workload outlives the window, then exits by itself
CASES=(sleepers churn pipestorm forks timers netirq)

[ "$(id -u)" = 0 ] || { echo "stress: needs root (loads BPF)" >&2; exit 2; }
[ -x "$BUILD/waitscope" ] || { echo "stress: no $BUILD/waitscope: run make first" >&2; exit 2; }
[ $# -gt 0 ] && CASES=("$@")
mkdir -p "$OUT"

WL=
cleanup()
{
	[ -n "$WL" ] && kill -- "$WL" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Start a workload in the background: WL is its PID; with a ready line, TARGET is the PID it
# prints, else the workload itself. Workloads end by themselves (-t or timeout) if we die.
start()
{
	local ready=$1 i
	shift
	"$@" > "$OUT/wl.out" 2> "$OUT/wl.err" &
	WL=$!
	TARGET=$WL
	[ "$ready" = ready ] || { sleep 0.3; return 0; }
	for i in $(seq 100); do
		grep -q '^ready' "$OUT/wl.out" && break
		sleep 0.05
	done
	TARGET=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$OUT/wl.out")
	[ -n "$TARGET" ]
}

stop()
{
	kill -- "$WL" 2>/dev/null
	wait "$WL" 2>/dev/null
	WL=
}

# The checks, on one JSON report: prints one line, exits non-zero on a failure.
check()
{
	"$PY" - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
kinds = d["anomaly_kinds"]
fails = []
if d["drops"]["storage"]:
    fails.append("drops.storage %d" % d["drops"]["storage"])
if d["drops"]["total"]:
    fails.append("drops %s" % {k: v for k, v in d["drops"].items() if v})
if sum(kinds.values()) != d["anomalies"]:
    fails.append("%d anomalies of no kind" % (d["anomalies"] - sum(kinds.values())))
if round(d["coverage"], 3) != 1.0:
    fails.append("coverage %.4f" % d["coverage"])
if not d["complete"]:
    fails.append("not complete")
shown = ", ".join("%s %d" % kv for kv in kinds.items() if kv[1]) or "none"
t = d["totals"]
print("%d transitions, %d threads, anomalies %d (%s), coverage %.4f%s" % (
    t["vol_switches"] + t["invol_switches"] + t["wakeups"],
    d["threads_seen"], d["anomalies"], shown, d["coverage"],
    ": FAIL " + "; ".join(fails) if fails else ""))
sys.exit(1 if fails else 0)
EOF
}

# One window on the current target; extra waitscope options in "$@".
window()
{
	local name=$1 run=$2 json
	shift 2
	json="$OUT/$name.$run.json"
	if ! "$BUILD/waitscope" -p "$TARGET" -d "$SECS" -j "$@" > "$json" 2> "$OUT/$name.$run.err"; then
		echo "$name #$run: waitscope failed: $(tail -1 "$OUT/$name.$run.err")"
		return 1
	fi
	printf '%s #%d: ' "$name" "$run"
	check "$json"
}

E=$BUILD/examples
run_case()
{
	local name=$1 run=$2
	case $name in
	sleepers) # 4000 threads sleeping 20 ms: 200k wakeups/s from timer interrupts
		start ready "$E/sleeper" -n 4000 -i 20 -t "$WL_SECS" || return 1
		window "$name" "$run" ;;
	churn) # threads born and dying all window
		start ready "$E/churn" -r 2000 -t "$WL_SECS" || return 1
		window "$name" "$run" ;;
	pipestorm) # two threads bouncing a byte, pinned to one CPU
		start ready taskset -c 1 "$E/pingpong" -t "$WL_SECS" || return 1
		window "$name" "$run" ;;
	forks) # a shell starting short-lived processes, followed with -f
		start noready timeout "$WL_SECS" /bin/sh -c 'while :; do /bin/true; done' || return 1
		window "$name" "$run" -f ;;
	timers) # 64 threads on 1 ms timers
		start ready "$E/sleeper" -n 64 -i 1 -t "$WL_SECS" || return 1
		window "$name" "$run" ;;
	netirq) # loopback TCP request/reply: wakeups from the network softirq
		start ready "$E/netclient" -D 0 -t "$WL_SECS" || return 1
		window "$name" "$run" ;;
	*)
		echo "stress: unknown case $name (cases: ${CASES[*]})" >&2
		return 2 ;;
	esac
}

fail=0
for name in "${CASES[@]}"; do
	for run in $(seq "$RUNS"); do
		run_case "$name" "$run" || fail=$((fail + 1))
		stop
	done
done
echo "stress: $fail failed window(s); reports in $OUT"
[ $fail -eq 0 ]
