# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared by the server scripts: a private directory, children stopped in reverse order on
# SIGTERM/SIGINT/SIGHUP or any exit, and the "ready pid=N port=P" protocol of tests/lib/itest.c.
# Each server is started under `setpriv --pdeathsig` so it also dies if this script is killed.

SRV_DIR=
SRV_PIDS=()
SRV_SIGS=()

srv_log() { echo "$(basename "$0"): $*" >&2; }

# srv_init DIR: create (or reuse) the private directory; it is removed when the script ends.
srv_init()
{
	SRV_DIR=$1
	mkdir -p "$SRV_DIR" || exit 1
	trap 'srv_stop; exit 0' TERM INT HUP
	trap 'srv_stop' EXIT
}

# srv_add PID [SIGNAL]: stop PID with SIGNAL (default TERM) when the script ends.
srv_add()
{
	SRV_PIDS+=("$1")
	SRV_SIGS+=("${2:-TERM}")
}

srv_stop()
{
	local i pid n

	trap - TERM INT HUP EXIT
	for ((i = ${#SRV_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${SRV_PIDS[i]}
		kill -s "${SRV_SIGS[i]}" "$pid" 2>/dev/null || continue
		for ((n = 0; n < 100; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -s KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	SRV_PIDS=()
	[ -n "$SRV_DIR" ] && rm -rf "$SRV_DIR"
}

# srv_fail MESSAGE [LOGFILE]: say why on stderr (with the log's tail) and stop everything.
srv_fail()
{
	srv_log "$1"
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2" >&2
	exit 1
}

# srv_wait_port PORT PID [SECONDS=20]: until 127.0.0.1:PORT accepts, false if PID dies first.
srv_wait_port()
{
	local n

	for ((n = 0; n < ${3:-20} * 20; n++)); do
		kill -0 "$2" 2>/dev/null || return 1
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# srv_http_ok PORT [PATH=/]: one HTTP/1.0 GET answers 200.
srv_http_ok()
{
	local line

	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "${2:-/}" >&3
	read -r -t 10 line <&3
	exec 3>&-
	[[ $line == "HTTP/1."?" 200"* ]]
}

# srv_ready PID PORT [MORE]: the ready line, then wait for a stop signal or a child's death.
srv_ready()
{
	echo "ready pid=$1 port=$2${3:+ $3}"
	wait -n "${SRV_PIDS[@]}"
	srv_log "a server process exited"
	exit 1
}
