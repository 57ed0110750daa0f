# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared by bench/*.sh (sourced): start and stop the processes a benchmark runs.
# The caller sets TMP (scratch dir), PIDS (array of PIDs to clean up) and BENCH (its name).

# start NAME CMD...: run CMD in the background, wait (<= 10 s) for its ready line; sets
# START_PID, READY_PID, READY_PORT.
start() {
	local name=$1; shift
	local out="$TMP/$name.out" i line
	"$@" >"$out" 2>"$TMP/$name.err" &
	START_PID=$!
	PIDS+=("$START_PID")
	for ((i = 0; i < 100; i++)); do
		line=$(grep -m1 '^ready ' "$out" 2>/dev/null || true)
		if [[ -n $line ]]; then
			READY_PID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
			READY_PORT=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line")
			return 0
		fi
		kill -0 "$START_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$BENCH: $name did not become ready:" >&2
	cat "$TMP/$name.err" >&2 || true
	exit 1
}

# stop_all: every process in PIDS gets SIGTERM, then SIGKILL 0.3 s later (exit traps).
stop_all() {
	local p
	for p in "${PIDS[@]:-}"; do
		if [[ -n $p ]]; then kill -TERM "$p" 2>/dev/null || true; fi
	done
	sleep 0.3
	for p in "${PIDS[@]:-}"; do
		if [[ -n $p ]]; then kill -KILL "$p" 2>/dev/null || true; fi
	done
}

# stop PID [SIGNAL]: signal (default TERM), wait (<= 10 s), then SIGKILL.
stop() {
	local p=$1 sig=${2:-TERM} i
	kill -"$sig" "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
	for ((i = 0; i < 100; i++)); do
		kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
