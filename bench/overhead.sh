#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/overhead.sh: what attaching a profiler costs the workload it watches (issue 6).
#
# Each workload runs without a profiler, with waitscope, and with each peer tool attached to
# the workload's process; the runs are interleaved (every repetition runs every tool once, in a
# rotated order) and the ratio with/without is taken within a repetition. Prints Markdown:
# median ratio [min, max] per workload and tool, waitscope's self-measured BPF cost per event,
# each profiler's peak RSS, and whether each issue target is met.
#
# Workloads (examples/):
#   pipe         pingpong pinned to one CPU: context-switch storm (like perf bench sched pipe -T)
#   syscall      readloop pinned to one CPU: 1-byte reads from /dev/zero, syscall storm
#   server       syncserver (16 threads, 200 us CPU + one 1 ms upstream call per request)
#                under wrk -t2 -c64: throughput and p99 latency
#   idle-pipe    the profiler on an idle sleeper while an untraced pingpong runs: the cost to
#   idle-syscall non-target tasks (same with readloop)
# Tools: none, waitscope, waitscope-nostats (--no-bpf-stats: without the self-measurement's
#   clock reads), waitscope-syscalls (--syscalls: the global syscall hooks on), empty-bpf
#   (bench/empty.bpf.c: empty handlers on waitscope's sched tracepoints, stats on: the floor),
#   offcputime, runqlat (libbpf-tools, -p TGID), perf-sched
#   (perf sched record -p TGID, data on tmpfs), bpftrace (bench/offcpu_runq.bt TGID).
#
# Usage: bench/overhead.sh [-o FILE] [-W WORKLOADS] [-T TOOLS] [-h]
#   -o FILE       also write the result into FILE (docs/performance.md) between the lines
#                 <!-- overhead.sh:begin --> and <!-- overhead.sh:end --> (appended if absent)
#   -W LIST       workloads, comma-separated (default: all of the above)
#   -T LIST       tools, comma-separated (default: all; "none" is always run)
# Environment: REPS repetitions (default 5), MEAS measured seconds per run (5), WARM seconds
#   between attaching and measuring (3), CPU the CPU storms are pinned to (1).
#
# Needs root, a built tree (`make`), wrk, jq, linux-perf, bpftrace, libbpf-tools. Mounts tracefs
# at /sys/kernel/tracing if it is not mounted (perf and bpftrace need it) and unmounts it at the
# end. Only 127.0.0.1 traffic; every process it starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/build"
EX="$BIN/examples"
ALL_WORKLOADS="pipe,syscall,server,idle-pipe,idle-syscall"
ALL_TOOLS="waitscope,waitscope-nostats,waitscope-syscalls,empty-bpf,offcputime,runqlat,perf-sched,bpftrace"

OUT_FILE=
WORKLOADS=$ALL_WORKLOADS
TOOLS=$ALL_TOOLS
usage() { sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
while getopts ":o:W:T:h" opt; do
	case $opt in
	o) OUT_FILE=$OPTARG ;;
	W) WORKLOADS=$OPTARG ;;
	T) TOOLS=$OPTARG ;;
	h) usage; exit 0 ;;
	:) echo "overhead.sh: -$OPTARG needs an argument" >&2; exit 2 ;;
	*) echo "overhead.sh: unknown option -$OPTARG" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "overhead.sh: unexpected argument '$1'" >&2; exit 2; }

REPS=${REPS:-5}
MEAS=${MEAS:-5}
WARM=${WARM:-3}
CPU=${CPU:-1}
for v in REPS MEAS WARM CPU; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "overhead.sh: $v must be an integer" >&2; exit 2; }
done
((REPS >= 1 && MEAS >= 1 && WARM >= 1)) || { echo "overhead.sh: REPS, MEAS, WARM >= 1" >&2; exit 2; }

IFS=, read -r -a WL_LIST <<<"$WORKLOADS"
IFS=, read -r -a TOOL_LIST <<<"none,${TOOLS#none,}"
for w in "${WL_LIST[@]}"; do
	[[ ,$ALL_WORKLOADS, == *",$w,"* ]] || { echo "overhead.sh: unknown workload $w" >&2; exit 2; }
done
for t in "${TOOL_LIST[@]}"; do
	[[ ,none,$ALL_TOOLS, == *",$t,"* ]] || { echo "overhead.sh: unknown tool $t" >&2; exit 2; }
done

[[ $(id -u) == 0 ]] || { echo "overhead.sh: needs root (BPF)" >&2; exit 1; }
for b in "$BIN/waitscope" "$EX/pingpong" "$EX/readloop" "$EX/syncserver" "$EX/upstream" \
	"$EX/sleeper"; do
	[[ -x $b ]] || { echo "overhead.sh: $b missing: run make" >&2; exit 1; }
done
need() { command -v "$1" >/dev/null || { echo "overhead.sh: $1 not found ($2)" >&2; exit 1; }; }
need wrk "apt-get install wrk"
need jq "apt-get install jq"
need taskset "util-linux"
for t in "${TOOL_LIST[@]}"; do
	case $t in
	offcputime | runqlat) need "$t" "apt-get install libbpf-tools" ;;
	perf-sched) need perf "apt-get install linux-perf" ;;
	bpftrace) need bpftrace "apt-get install bpftrace" ;;
	esac
done

BENCH=overhead.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TMP=$(mktemp -d /tmp/overhead.XXXXXX)
PERF_DATA=$(mktemp /dev/shm/overhead-perf.XXXXXX)
PIDS=()
MOUNTED_TRACEFS=0

cleanup() {
	stop_all
	rm -rf "$TMP"
	rm -f "$PERF_DATA"
	if ((MOUNTED_TRACEFS)); then umount /sys/kernel/tracing 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [[ ! -e /sys/kernel/tracing/events/sched ]]; then
	mount -t tracefs nodev /sys/kernel/tracing && MOUNTED_TRACEFS=1
fi

# attach TOOL TGID TAG: start the profiler on TGID; sets PROF_PID ("" for none).
attach() {
	local tool=$1 tgid=$2 tag=$3 i
	PROF_PID=
	case $tool in
	none) return 0 ;;
	waitscope | waitscope-nostats | waitscope-syscalls)
		rm -f "$TMP/$tag.ready"
		local extra=()
		[[ $tool == waitscope-nostats ]] && extra=(--no-bpf-stats)
		[[ $tool == waitscope-syscalls ]] && extra=(--syscalls)
		"$BIN/waitscope" -p "$tgid" -d 3600 -j --ready-file "$TMP/$tag.ready" "${extra[@]}" \
			>"$TMP/$tag.json" 2>"$TMP/$tag.prof.err" &
		;;
	empty-bpf)
		rm -f "$TMP/$tag.ready"
		"$BIN/bench/emptyprobe" -s -r "$TMP/$tag.ready" "$BIN/bench/empty.bpf.o" \
			>"$TMP/$tag.empty" 2>"$TMP/$tag.prof.err" &
		;;
	offcputime) offcputime -p "$tgid" >/dev/null 2>"$TMP/$tag.prof.err" & ;;
	runqlat) runqlat -p "$tgid" >/dev/null 2>"$TMP/$tag.prof.err" & ;;
	perf-sched)
		perf sched record -p "$tgid" -o "$PERF_DATA" >/dev/null 2>"$TMP/$tag.prof.err" &
		;;
	bpftrace)
		bpftrace "$ROOT/bench/offcpu_runq.bt" "$tgid" >/dev/null 2>"$TMP/$tag.prof.err" &
		;;
	esac
	PROF_PID=$!
	PIDS+=("$PROF_PID")
	if [[ $tool == waitscope* || $tool == empty-bpf ]]; then
		for ((i = 0; i < 100; i++)); do
			[[ -e $TMP/$tag.ready ]] && break
			kill -0 "$PROF_PID" 2>/dev/null || break
			sleep 0.05
		done
	fi
}

# detach TAG: the profiler's peak RSS (KiB) into PROF_RSS, and whether it ran to the end
# into PROF_OK; then SIGINT (each tool prints or saves its result) and wait.
detach() {
	local tag=$1
	PROF_RSS=0
	PROF_OK=1
	[[ -z $PROF_PID ]] && return 0
	if kill -0 "$PROF_PID" 2>/dev/null; then
		PROF_RSS=$(awk '/^VmHWM:/ {print $2}' "/proc/$PROF_PID/status" 2>/dev/null || echo 0)
	else
		PROF_OK=0
		echo "overhead.sh: profiler for $tag died early:" >&2
		head -5 "$TMP/$tag.prof.err" >&2 || true
	fi
	stop "$PROF_PID" INT
	rm -f "$PERF_DATA"
}

# emit TAG METRIC VALUE: one measured value of this run.
emit() { printf '%s\t%s\t%s\t%s\t%s\n' "$RUN_WL" "$RUN_TOOL" "$RUN_REP" "$1" "$2" >>"$TMP/results.tsv"; }

# storm_metrics FILE: from a storm's result line, operations per CPU-second of the storm
# process (robust when other work shares the CPU) and per wall-clock second.
storm_metrics() {
	local line cpu wall
	line=$(grep '^result ' "$1" | tail -1)
	cpu=$(sed -n 's/.*cpu_ns_per_op=\([0-9.]*\).*/\1/p' <<<"$line")
	wall=$(sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
	[[ -n $cpu ]] && emit cpu_ops "$(awk -v c="$cpu" 'BEGIN { if (c > 0) printf "%.1f", 1e9 / c }')"
	[[ -n $wall ]] && emit wall_ops "$wall"
	echo "   $RUN_WL $RUN_TOOL rep $RUN_REP: ${wall:-?} ops/s, ${cpu:-?} CPU ns/op" >&2
}

# p99 of a wrk --latency output, in ms.
p99_of() {
	awk '$1 == "99%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1
		print v * f }' "$1"
}

# CPU time (ns) of all threads of TGID so far, from schedstat.
proc_cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}

# run_one WORKLOAD TOOL REP: one measured run; appends its metrics to $TMP/results.tsv
# (workload tool rep metric value) and the profiler's RSS and health to $TMP/prof.tsv.
run_one() {
	local wl=$1 tool=$2 rep=$3 tag="$1.$2.$3" target storm wpid up_pid srv_pid c0 c1 rps p99
	local run_s=$((WARM + MEAS))
	RUN_WL=$wl RUN_TOOL=$tool RUN_REP=$rep
	case $wl in
	pipe | syscall)
		[[ $wl == pipe ]] && storm=pingpong || storm=readloop
		start "$tag.w" taskset -c "$CPU" "$EX/$storm" -w $((WARM * 1000)) -t "$run_s"
		wpid=$START_PID
		attach "$tool" "$READY_PID" "$tag"
		wait "$wpid" || true
		detach "$tag"
		storm_metrics "$TMP/$tag.w.err"
		;;
	idle-pipe | idle-syscall)
		[[ $wl == idle-pipe ]] && storm=pingpong || storm=readloop
		start "$tag.idle" "$EX/sleeper" -i 100
		target=$READY_PID
		srv_pid=$START_PID
		start "$tag.w" taskset -c "$CPU" "$EX/$storm" -w $((WARM * 1000)) -t "$run_s"
		wpid=$START_PID
		attach "$tool" "$target" "$tag"
		wait "$wpid" || true
		detach "$tag"
		stop "$srv_pid"
		storm_metrics "$TMP/$tag.w.err"
		;;
	server)
		start "$tag.up" "$EX/upstream" -D 1
		up_pid=$START_PID
		start "$tag.srv" "$EX/syncserver" -w 16 -c 200 -u "$READY_PORT" -n 1 -k
		srv_pid=$START_PID
		target=$READY_PID
		attach "$tool" "$target" "$tag"
		# warm-up load while the profiler settles, then the measured load
		timeout $((WARM + 10)) wrk -t2 -c64 -d"${WARM}s" "http://127.0.0.1:$READY_PORT/" \
			>/dev/null 2>&1 || true
		c0=$(proc_cpu_ns "$target")
		timeout $((MEAS + 15)) wrk -t2 -c64 -d"${MEAS}s" --latency \
			"http://127.0.0.1:$READY_PORT/" >"$TMP/$tag.wrk" 2>&1 || true
		c1=$(proc_cpu_ns "$target")
		detach "$tag"
		stop "$srv_pid"
		stop "$up_pid"
		rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/$tag.wrk")
		p99=$(p99_of "$TMP/$tag.wrk")
		[[ -n $rps ]] && emit rps "$rps"
		[[ -n $p99 ]] && emit p99_ms "$p99"
		awk -v a="$c0" -v b="$c1" -v r="$rps" -v d="$MEAS" \
			'BEGIN { if (r > 0 && b > a) printf "%.1f\n", (b - a) / (r * d) / 1000 }' \
			>"$TMP/$tag.cpr"
		[[ -s $TMP/$tag.cpr ]] && emit cpu_us_per_req "$(cat "$TMP/$tag.cpr")"
		echo "   $wl $tool rep $rep: ${rps:-?} req/s, p99 ${p99:-?} ms," \
			"$(cat "$TMP/$tag.cpr" 2>/dev/null || echo ?) us CPU/req" >&2
		;;
	esac
	printf '%s\t%s\t%s\t%s\n' "$wl" "$tool" "$PROF_RSS" "$PROF_OK" >>"$TMP/prof.tsv"
	if [[ $tool == empty-bpf && -s $TMP/$tag.empty ]]; then
		awk -v wl="$wl" -v rep="$rep" '{ print wl "\t" rep "\t" $1 "\t" $2 "\t" $3 }' \
			"$TMP/$tag.empty" >>"$TMP/emptycost.tsv"
	fi
	if [[ $tool == waitscope ]]; then
		if jq -e .overhead "$TMP/$tag.json" >/dev/null 2>&1; then
			jq -r --arg wl "$wl" --arg rep "$rep" '.overhead as $o |
				($o.programs[] | select(.events > 0) |
				 [$wl, $rep, .name, .events, .ns_per_event]),
				[$wl, $rep, "total", $o.events, $o.bpf_ns_per_event],
				[$wl, $rep, "cpu_share", 0, $o.cpu_share],
				[$wl, $rep, "duration_s", 0, .duration_s] | @tsv' \
				"$TMP/$tag.json" >>"$TMP/selfcost.tsv"
		else
			echo "overhead.sh: no waitscope JSON for $tag" >&2
		fi
	fi
}

START_TS=$(date -u '+%Y-%m-%d %H:%M UTC')
: >"$TMP/results.tsv"
: >"$TMP/prof.tsv"
: >"$TMP/selfcost.tsv"
: >"$TMP/emptycost.tsv"
NT=${#TOOL_LIST[@]}
for ((rep = 1; rep <= REPS; rep++)); do
	for wl in "${WL_LIST[@]}"; do
		echo "== rep $rep/$REPS: $wl" >&2
		for ((k = 0; k < NT; k++)); do
			run_one "$wl" "${TOOL_LIST[$(((k + rep - 1) % NT))]}" "$rep"
		done
	done
done

# ---- report ----
# median(arr, n): sorts arr[1..n] in place and returns its median (awk has no sort).
AWK_MEDIAN='
function median(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && arr[j-1] > arr[j]; j--) {
		t = arr[j]; arr[j] = arr[j-1]; arr[j-1] = t }
	return (n % 2) ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2
}
'
report() {
	local tools_csv
	tools_csv=$(IFS=,; echo "${TOOL_LIST[*]}")
	echo "Median ratio with/without the profiler [min, max] over $REPS interleaved repetitions," \
		"each ratio taken within one repetition. Throughput rows: < 1 is a loss. Latency and" \
		"CPU-per-request rows: > 1 is worse. \"per CPU-s\" rows count operations per second of" \
		"the storm process's own CPU time: the profiler's handlers run in the traced task and are" \
		"charged to it, while CPU taken by other processes is not, so these rows stay readable on" \
		"a shared machine where the wall-clock rows do not."
	echo
	awk -F'\t' -v tools="$tools_csv" -v wls="$WORKLOADS" -v out="$TMP/medians.tsv" "$AWK_MEDIAN"'
	{ v[$1, $2, $3, $4] = $5; reps[$3] = 1; have[$1, $4] = 1 }
	END {
		nt = split(tools, T, ","); nw = split(wls, W, ",")
		wlabel["pipe"] = "context-switch storm (pingpong)"
		wlabel["syscall"] = "syscall storm (readloop)"
		wlabel["server"] = "server (syncserver + wrk -c64)"
		wlabel["idle-pipe"] = "untraced pingpong, profiler on idle sleeper"
		wlabel["idle-syscall"] = "untraced readloop, profiler on idle sleeper"
		nm = split("cpu_ops wall_ops rps p99_ms cpu_us_per_req", M, " ")
		mlabel["cpu_ops"] = "ops per CPU-s"; mlabel["wall_ops"] = "ops/s (wall)"
		mlabel["rps"] = "req/s"; mlabel["p99_ms"] = "p99 latency ms"
		mlabel["cpu_us_per_req"] = "server CPU us/req"
		hdr = "| workload | metric | without (median) |"; sep = "|---|---|---|"
		for (t = 2; t <= nt; t++) { hdr = hdr " " T[t] " |"; sep = sep "---|" }
		print hdr; print sep
		for (w = 1; w <= nw; w++) for (m = 1; m <= nm; m++) {
			if (!have[W[w], M[m]]) continue
			n = 0
			for (r in reps) if (v[W[w], "none", r, M[m]] > 0) base[++n] = v[W[w], "none", r, M[m]]
			line = "| " wlabel[W[w]] " | " mlabel[M[m]] " | " \
				(n ? sprintf(M[m] == "p99_ms" || M[m] == "cpu_us_per_req" ? "%.2f" : "%.0f", median(base, n)) : "-") " |"
			for (t = 2; t <= nt; t++) {
				n = 0; lo = 1e18; hi = -1e18
				for (r in reps) {
					a = v[W[w], T[t], r, M[m]]; b = v[W[w], "none", r, M[m]]
					if (a > 0 && b > 0) {
						x = a / b; q[++n] = x
						if (x < lo) lo = x
						if (x > hi) hi = x
					}
				}
				line = line " " (n ? sprintf("%.3f [%.3f, %.3f]", median(q, n), lo, hi) : "-") " |"
				if (n) printf "%s\t%s\t%s\t%.4f\n", W[w], T[t], M[m], median(q, n) > out
			}
			print line
		}
	}' "$TMP/results.tsv"
	awk -F'\t' '$4 == 0 { d[$2]++ } END { for (t in d) printf "\n%s died before the end of %d run(s): those runs are not counted.\n", t, d[t] }' \
		"$TMP/prof.tsv"
	echo
	echo "Profiler peak RSS (VmHWM, MiB; median [max] over all runs):"
	echo
	echo "| tool | peak RSS |"
	echo "|---|---|"
	awk -F'\t' "$AWK_MEDIAN"'$2 != "none" && $3 > 0 { n[$2]++; r[$2, n[$2]] = $3 / 1024 }
	END {
		for (t in n) {
			m = n[t]
			for (i = 1; i <= m; i++) a[i] = r[t, i]
			med = median(a, m) # sorts a
			printf "| %s | %.1f [%.1f] |\n", t, med, a[m]
		}
	}' "$TMP/prof.tsv" | sort
	if [[ -s $TMP/selfcost.tsv ]]; then
		echo
		echo "waitscope's own BPF cost, from its \`overhead\` section (BPF run-time stats; median" \
			"over repetitions of ns per handler run, and handler runs per second of the window):"
		echo
		echo "| workload | program | runs/s | ns/run |"
		echo "|---|---|---|---|"
		awk -F'\t' "$AWK_MEDIAN"'
		$3 == "duration_s" { dur[$1, $2] = $5; next }
		{ k = $1 SUBSEP $3; n[k]++; ns[k, n[k]] = $5; ev[k, n[k]] = $4; rp[k, n[k]] = $2 }
		END {
			for (k in n) {
				split(k, kk, SUBSEP); m = n[k]
				for (i = 1; i <= m; i++) { a[i] = ns[k, i]; d = dur[kk[1], rp[k, i]]
					b[i] = d > 0 ? ev[k, i] / d : 0 }
				med = median(a, m)
				medb = median(b, m)
				if (kk[2] == "cpu_share")
					printf "| %s | waitscope user-space CPU | | %.2f%% of one core |\n", kk[1], med * 100
				else
					printf "| %s | %s | %.0f | %.1f |\n", kk[1], kk[2], medb, med
				print kk[1] "\t" kk[2] "\t" med "\t" medb > "'"$TMP"'/selfmed.tsv"
			}
		}' "$TMP/selfcost.tsv" | sort
	fi
	if [[ -s $TMP/emptycost.tsv ]]; then
		echo
		echo "The floor: empty handlers on the same tracepoints (empty-bpf, BPF run-time stats on;" \
			"median ns per handler run):"
		echo
		echo "| workload | program | ns/run |"
		echo "|---|---|---|"
		awk -F'\t' "$AWK_MEDIAN"'{ k = $1 SUBSEP $3; n[k]++; ns[k, n[k]] = $5 }
		END {
			for (k in n) {
				split(k, kk, SUBSEP); m = n[k]
				for (i = 1; i <= m; i++) a[i] = ns[k, i]
				med = median(a, m)
				printf "| %s | %s | %.1f |\n", kk[1], kk[2], med
				print kk[1] "\t" kk[2] "\t" med > "'"$TMP"'/emptymed.tsv"
			}
		}' "$TMP/emptycost.tsv" | sort
	fi
	echo
	targets
}

# Issue 6 targets, from the medians above.
targets() {
	local m s
	m() { awk -F'\t' -v w="$1" -v t="$2" -v x="$3" '$1 == w && $2 == t && $3 == x { print $4 }' \
		"$TMP/medians.tsv" 2>/dev/null; }
	s() { awk -F'\t' -v w="$1" -v p="$2" '$1 == w && $2 == p { print $3 }' \
		"$TMP/selfmed.tsv" 2>/dev/null; }
	# handler runs per second of the window (all programs), from waitscope's own counts
	runs() { awk -F'\t' -v w="$1" '$1 == w && $2 == "total" { print $4 }' \
		"$TMP/selfmed.tsv" 2>/dev/null; }
	# What each untraced event costs the storm, all included (tracepoint dispatch, stats clock
	# reads, handler): the storm's lost CPU share (1 - ratio per CPU-s) over the handler runs
	# per second. The runs of a tool without stats scale with its ops rate.
	prog_runs() { awk -F'\t' -v w="$1" -v p="$2" '$1 == w && $2 == p { print $4 }' \
		"$TMP/selfmed.tsv" 2>/dev/null; }
	per_event() { # WORKLOAD TOOL [RUNS/S]: RUNS/S of waitscope's events that TOOL also hooks
		local r rw n
		r=$(m "$1" "$2" cpu_ops); rw=$(m "$1" waitscope cpu_ops); n=${3:-$(runs "$1")}
		[[ -n $r && -n $rw && -n $n ]] || return 0
		awk -v r="$r" -v rw="$rw" -v n="$n" 'BEGIN { if (n > 0 && rw > 0) printf "%.1f", 1e9 * (1 - r) / (n * r / rw) }'
	}
	verdict() { # LABEL VALUE AWK-CONDITION-ON-x
		local label=$1 val=$2 cond=$3
		if [[ -z $val ]]; then
			echo "| $label | not measured | - |"
		else
			awk -v x="$val" -v l="$label" "BEGIN { printf \"| %s | %.3f | %s |\n\", l, x, ($cond) ? \"met\" : \"**missed**\" }"
		fi
	}
	echo "Issue 6 targets (waitscope):"
	echo
	echo "| target | measured | |"
	echo "|---|---|---|"
	verdict "server throughput loss <= 2% (ratio >= 0.98)" "$(m server waitscope rps)" "x >= 0.98"
	verdict "server p99 increase <= 5% (ratio <= 1.05)" "$(m server waitscope p99_ms)" "x <= 1.05"
	local ws off rq
	ws=$(m pipe waitscope cpu_ops); off=$(m pipe offcputime cpu_ops); rq=$(m pipe runqlat cpu_ops)
	if [[ -n $ws && -n $off && -n $rq ]]; then
		awk -v w="$ws" -v o="$off" -v r="$rq" 'BEGIN { printf "| context-switch storm loss (per CPU-s) below offcputime and runqlat | %.1f%% vs %.1f%%, %.1f%% | %s |\n", (1-w)*100, (1-o)*100, (1-r)*100, (w > o && w > r) ? "met" : "**missed**" }'
	else
		echo "| context-switch storm loss below offcputime and runqlat | not measured | - |"
	fi
	verdict "sched_switch ns/event, traced storm (pipe) <= 150" "$(s pipe sched_switch)" "x <= 150"
	verdict "untraced sched_switch ns/event, BPF stats (idle-pipe) <= 50" "$(s idle-pipe sched_switch)" "x <= 50"
	e() { awk -F'\t' -v w="$1" -v p="$2" '$1 == w && $2 == p { print $3 }' \
		"$TMP/emptymed.tsv" 2>/dev/null; }
	verdict "(floor) empty sched_switch handler ns/event, BPF stats (idle-pipe) <= 50" "$(e idle-pipe sched_switch)" "x <= 50"
	verdict "(floor) empty sched_switch handler ns/event, BPF stats (pipe) <= 150" "$(e pipe sched_switch)" "x <= 150"
	verdict "untraced event, whole cost to the storm, waitscope (idle-pipe) <= 50 ns" "$(per_event idle-pipe waitscope)" "x <= 50"
	verdict "untraced event, whole cost to the storm, waitscope-nostats (idle-pipe) <= 50 ns" "$(per_event idle-pipe waitscope-nostats)" "x <= 50"
	# The peers' floor, for comparison: offcputime hooks sched_switch, runqlat also the wakeups.
	local sw wk wn
	sw=$(prog_runs idle-pipe sched_switch); wk=$(prog_runs idle-pipe sched_wakeup)
	wn=$(prog_runs idle-pipe sched_wakeup_new)
	if [[ -n $sw && -n $wk ]]; then
		verdict "(floor) untraced event, whole cost, empty-bpf (idle-pipe) <= 50 ns" "$(per_event idle-pipe empty-bpf)" "x <= 50"
		verdict "(for comparison) untraced event, whole cost, offcputime (idle-pipe) <= 50 ns" "$(per_event idle-pipe offcputime "$sw")" "x <= 50"
		verdict "(for comparison) untraced event, whole cost, runqlat (idle-pipe) <= 50 ns" "$(per_event idle-pipe runqlat "$(awk -v a="$sw" -v b="$wk" -v c="${wn:-0}" 'BEGIN { print a + b + c }')")" "x <= 50"
	fi
	verdict "untraced syscall storm (idle-syscall) ratio >= 0.98: no syscall hook by default" "$(m idle-syscall waitscope cpu_ops)" "x >= 0.98"
	local rss
	rss=$(awk -F'\t' '$2 == "waitscope" && $3 > max { max = $3 } END { if (max) print max / 1024 }' \
		"$TMP/prof.tsv")
	verdict "waitscope peak RSS <= 32 MiB" "$rss" "x <= 32"
}

machine() {
	echo "Machine: \`uname -r\` $(uname -r), $(nproc) CPUs," \
		"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)." \
		"Run $START_TS; storms pinned to CPU $CPU; REPS=$REPS MEAS=$MEAS WARM=$WARM."
	echo "Command: \`REPS=$REPS MEAS=$MEAS WARM=$WARM CPU=$CPU bench/overhead.sh" \
		"-W $WORKLOADS -T $TOOLS${OUT_FILE:+ -o $OUT_FILE}\`"
}

{
	machine
	echo
	report
} >"$TMP/report.md"
cat "$TMP/report.md"

if [[ -n $OUT_FILE ]]; then
	begin='<!-- overhead.sh:begin -->'
	end='<!-- overhead.sh:end -->'
	if [[ -f $OUT_FILE ]] && grep -qF "$begin" "$OUT_FILE" && grep -qF "$end" "$OUT_FILE"; then
		awk -v b="$begin" -v e="$end" -v rep="$TMP/report.md" '
			$0 == b { print; while ((getline l < rep) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$OUT_FILE" >"$TMP/out.md"
	else
		{ [[ -f $OUT_FILE ]] && cat "$OUT_FILE"; echo "$begin"; cat "$TMP/report.md"; echo "$end"; } \
			>"$TMP/out.md"
	fi
	cp "$TMP/out.md" "$OUT_FILE.tmp.$$" && mv "$OUT_FILE.tmp.$$" "$OUT_FILE"
	echo "overhead.sh: wrote $OUT_FILE" >&2
fi
