#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/predict.sh: validate waitscope's async prediction against a measurement.
#
# For each scenario: run syncserver (4 or 16 worker threads) under a wrk load, profile it with
# `waitscope -j` in the middle of the measured run and record the prediction, then run
# asyncserver (min(2, CPUs) event loops) with the same work and the same load; the measured
# ratio is async req/s / sync req/s; wrk's p50 and p99 give the measured latency directions.
# Prints a Markdown table and a summary line.
#
# Usage: bench/predict.sh [-q] [-s NAME[,NAME...]] [-h]
#   -q  quick mode: 1 s warm-up, 6 s measurement (default 2 s warm-up, 8 s measurement)
#   -s  run only the named scenarios (default: all)
#
# Needs root (BPF), wrk, jq, python3 and a built tree (`make`). Only 127.0.0.1 traffic; every process
# it starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/build"
EX="$BIN/examples"

QUICK=0
ONLY=
usage() { sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
while getopts ":qs:h" opt; do
	case $opt in
	q) QUICK=1 ;;
	s) ONLY=",$OPTARG," ;;
	h) usage; exit 0 ;;
	*) echo "predict.sh: unknown option -$OPTARG" >&2; exit 2 ;;
	esac
done

if ((QUICK)); then
	WARM=1; MEAS=6; PROF_AT=2; PROF_D=3
else
	WARM=2; MEAS=8; PROF_AT=3; PROF_D=3
fi
THREADS=2

for b in "$BIN/waitscope" "$EX/syncserver" "$EX/asyncserver" "$EX/upstream"; do
	[[ -x $b ]] || { echo "predict.sh: $b missing: run make" >&2; exit 1; }
done
for t in wrk jq timeout; do
	command -v "$t" >/dev/null || { echo "predict.sh: $t not found" >&2; exit 1; }
done

CPUS=$(nproc)
PROCS=$((CPUS < 2 ? CPUS : 2))

BENCH=predict.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TMP=$(mktemp -d /tmp/predict.XXXXXX)
PIDS=()

# Stop every process we started (servers, wrk, waitscope), then remove the scratch dir.
cleanup() {
	stop_all
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# run_wrk CONNS DUR PORT OUTFILE: run wrk (bounded by timeout), output to OUTFILE.
run_wrk() {
	local conns=$1 dur=$2 port=$3 out=$4
	timeout $((dur + 15)) wrk -t"$THREADS" -c"$conns" -d"${dur}s" --latency \
		"http://127.0.0.1:$port/" >"$out" 2>&1
}
rps_of() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
# pct_of FILE PCT: wrk's --latency percentile (50 or 99) in ms.
pct_of() {
	awk -v p="$2%" '$1 == p {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
		printf "%.3f\n", v * f; exit }' "$1"
}

# measure NAME PORT CONNS [PROFILE_PID]: warm up, then measure; sets RPS. With PROFILE_PID,
# profile it with waitscope during seconds PROF_AT..PROF_AT+PROF_D of the measured run into
# $TMP/NAME.json.
measure() {
	local name=$1 port=$2 conns=$3 ppid=${4:-} wpid
	run_wrk "$conns" "$WARM" "$port" "$TMP/$name.warm" || true
	timeout $((MEAS + 15)) wrk -t"$THREADS" -c"$conns" -d"${MEAS}s" --latency \
		"http://127.0.0.1:$port/" >"$TMP/$name.wrk" 2>&1 &
	wpid=$!
	PIDS+=("$wpid")
	if [[ -n $ppid ]]; then
		sleep "$PROF_AT"
		timeout $((PROF_D + 20)) "$BIN/waitscope" ${FOLLOW:+-f} -p "$ppid" -d "$PROF_D" -j \
			>"$TMP/$name.json" 2>"$TMP/$name.ws.err" || {
			echo "predict.sh: waitscope failed on $name:" >&2
			cat "$TMP/$name.ws.err" >&2
		}
	fi
	wait "$wpid" || true
	RPS=$(rps_of "$TMP/$name.wrk")
}

# Scenarios: name cpu_us delay_ms(- = no upstream) conns workers kind
# kind: c = syncserver (workers accept) vs asyncserver; pool = syncserver -m pool (an acceptor
# thread feeds a pool through a condition variable) vs asyncserver; py = examples/pypool.py
# (Python ThreadPoolExecutor) vs examples/pyasync.py (one asyncio loop; cpu_us unused);
# prefork = examples/pyprefork.py (gunicorn-style master + sync worker processes, profiled with
# -f from the master) vs examples/pyasync.py.
SCENARIOS=(
	"io-heavy-high 500 20 64 4 c"
	"io-heavy-low 500 20 2 4 c"
	"cpu-heavy-high 5000 - 64 4 c"
	"mixed 2000 10 64 4 c"
	"short-waits 500 1 64 4 c"
	"cpu-starved 2000 - 64 16 c"
	"pool-io-high 500 20 64 4 pool"
	"py-io-high - 20 64 4 py"
	"py-prefork-io-high - 20 64 4 prefork"
)

ROWS=()
N=0; RIGHT=0; INRANGE=0; LATRIGHT=0
for sc in "${SCENARIOS[@]}"; do
	read -r name cpu delay conns workers kind <<<"$sc"
	[[ -z $ONLY || $ONLY == *",$name,"* ]] || continue
	echo "== $name ($kind): -c $cpu, upstream ${delay} ms, $conns conns, $workers sync workers" >&2
	up=()
	if [[ $delay != - ]]; then
		start "$name.upstream" "$EX/upstream" -D "$delay"
		UP_PID=$READY_PID
		UP_PORT=$READY_PORT
		up=(-u "$READY_PORT" -n 1)
	else
		UP_PID=
	fi

	case $kind in
	py) start "$name.sync" python3 "$ROOT/examples/pypool.py" -u "$UP_PORT" -w "$workers" ;;
	prefork) start "$name.sync" python3 "$ROOT/examples/pyprefork.py" -u "$UP_PORT" \
		-w "$workers" ;;
	pool) start "$name.sync" "$EX/syncserver" -m pool -w "$workers" -c "$cpu" "${up[@]}" ;;
	*) start "$name.sync" "$EX/syncserver" -w "$workers" -c "$cpu" "${up[@]}" ;;
	esac
	SYNC_PID=$START_PID
	FOLLOW=; [[ $kind == prefork ]] && FOLLOW=1
	measure "$name.sync" "$READY_PORT" "$conns" "$READY_PID"
	sync_rps=$RPS
	sync_p50=$(pct_of "$TMP/$name.sync.wrk" 50); sync_p99=$(pct_of "$TMP/$name.sync.wrk" 99)
	stop "$SYNC_PID"

	if [[ $kind == py || $kind == prefork ]]; then
		start "$name.async" python3 "$ROOT/examples/pyasync.py" -u "$UP_PORT"
	else
		start "$name.async" "$EX/asyncserver" -k "$PROCS" -c "$cpu" "${up[@]}"
	fi
	ASYNC_PID=$START_PID
	measure "$name.async" "$READY_PORT" "$conns"
	async_rps=$RPS
	async_p50=$(pct_of "$TMP/$name.async.wrk" 50); async_p99=$(pct_of "$TMP/$name.async.wrk" 99)
	stop "$ASYNC_PID"
	[[ -n $UP_PID ]] && stop "$UP_PID"

	js="$TMP/$name.sync.json"
	if [[ -s $js ]] && jq -e . "$js" >/dev/null 2>&1; then
		cls=$(jq -r '.classification.class // "?"' "$js")
		verdict=$(jq -r '.prediction.async_helps // "?"' "$js")
		ratio=$(jq -r '.prediction.throughput_ratio // "nan"' "$js")
		lo=$(jq -r '.prediction.ratio_low // "nan"' "$js")
		hi=$(jq -r '.prediction.ratio_high // "nan"' "$js")
		d50=$(jq -r '.prediction.latency_p50 // "?"' "$js")
		d99=$(jq -r '.prediction.latency_p99 // "?"' "$js")
	else
		cls="?"; verdict="?"; ratio=nan; lo=nan; hi=nan; d50="?"; d99="?"
	fi
	sync_rps=${sync_rps:-0}; async_rps=${async_rps:-0}

	row=$(awk -v n="$name" -v c="$cls" -v v="$verdict" -v r="$ratio" -v lo="$lo" -v hi="$hi" \
		-v s="$sync_rps" -v a="$async_rps" -v d50="$d50" -v d99="$d99" \
		-v s50="${sync_p50:-0}" -v s99="${sync_p99:-0}" -v a50="${async_p50:-0}" \
		-v a99="${async_p99:-0}" '
	# Measured direction: a change of less than 25% either way is "unchanged".
	function dir(from, to) {
		if (from <= 0 || to <= 0) return "?"
		return (to < from / 1.25) ? "down" : (to > from * 1.25) ? "up" : "unchanged"
	}
	BEGIN {
		m = (s > 0) ? a / s : 0
		right = (v == "yes" && m >= 1.5) || (v == "no" && m < 1.5) ||
			(v == "marginal" && m >= 1.0 && m < 2.0)
		inr = 0
		if (r != "nan" && r + 0 > 0)
			inr = (m >= lo + 0 && m <= hi + 0) || (m >= 0.75 * r && m <= 1.25 * r)
		m50 = dir(s50, a50); m99 = dir(s99, a99)
		lat = (m50 == d50 && m99 == d99)
		printf "| %s | %s | %s | %.2f [%.2f, %.2f] | %.0f | %.0f | %.2f | %s | %s | %s/%s | %.1f->%.1f %s | %.1f->%.1f %s | %s |\n",
			n, c, v, r, lo, hi, s, a, m, right ? "yes" : "NO", inr ? "yes" : "NO",
			d50, d99, s50, a50, m50, s99, a99, m99, lat ? "yes" : "NO"
	}')
	ROWS+=("$row")
	N=$((N + 1))
	[[ $(awk -F'|' '{gsub(/ /, "", $9); print $9}' <<<"$row") == yes ]] && RIGHT=$((RIGHT + 1))
	[[ $(awk -F'|' '{gsub(/ /, "", $10); print $10}' <<<"$row") == yes ]] && INRANGE=$((INRANGE + 1))
	[[ $(awk -F'|' '{gsub(/ /, "", $14); print $14}' <<<"$row") == yes ]] && LATRIGHT=$((LATRIGHT + 1))
	echo "   $row" >&2
done

echo "| scenario | class | predicted verdict | predicted ratio [low, high] | sync req/s | async req/s | measured ratio | verdict right? | in range? | predicted p50/p99 | p50 ms sync->async | p99 ms sync->async | latency right? |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Summary: verdict right in $RIGHT/$N scenarios, measured ratio in range in $INRANGE/$N," \
	"latency directions right in $LATRIGHT/$N (a change under 25% counts as unchanged)" \
	"(sync: syncserver threads; async: asyncserver -k $PROCS; wrk -t$THREADS, ${WARM} s warm-up," \
	"${MEAS} s measured; waitscope -d $PROF_D from second $PROF_AT; $CPUS CPUs)."
