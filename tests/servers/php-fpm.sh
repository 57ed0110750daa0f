#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# PHP-FPM 8.2 (pm = static, 4 children, unix socket in DIR) behind nginx (nginx.sh) on
# 127.0.0.1:PORT; /app.php calls the upstream on UPSTREAM_PORT. Ready line: the php-fpm master
# (profile it with -f). Load: wrk -t 2 -c 32 -d SECS http://127.0.0.1:PORT/app.php
set -u
[ $# -eq 3 ] || { echo "usage: $0 DIR PORT UPSTREAM_PORT" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
port=$2
fpm=$(command -v php-fpm8.2 || command -v php-fpm) || { echo "php-fpm.sh: no php-fpm" >&2; exit 1; }
srv_init "$1"
chmod 755 "$SRV_DIR"
cat >"$SRV_DIR/fpm.conf" <<CONF
[global]
pid = $SRV_DIR/fpm.pid
error_log = $SRV_DIR/fpm.log
daemonize = no
[www]
user = nobody
group = nogroup
listen = $SRV_DIR/fpm.sock
listen.owner = nobody
listen.group = nogroup
listen.mode = 0660
pm = static
pm.max_children = 4
clear_env = yes
env[WS_UPSTREAM_PORT] = $3
CONF
setpriv --pdeathsig TERM "$fpm" --nodaemonize --fpm-config "$SRV_DIR/fpm.conf" -n \
	-d "opcache.enable=0" >"$SRV_DIR/fpm.out" 2>&1 &
fpm_pid=$!
srv_add $fpm_pid
for ((n = 0; n < 200; n++)); do
	[ -S "$SRV_DIR/fpm.sock" ] && break
	kill -0 $fpm_pid 2>/dev/null || srv_fail "php-fpm exited" "$SRV_DIR/fpm.log"
	sleep 0.05
done
mkdir -p "$SRV_DIR/nginx/www"
cp "$here/app.php" "$SRV_DIR/nginx/www/app.php"
# nginx.sh keeps its own directory; read its ready line through a fifo.
mkfifo "$SRV_DIR/nginx.fifo"
"$here/nginx.sh" "$SRV_DIR/nginx" "$port" "unix:$SRV_DIR/fpm.sock" >"$SRV_DIR/nginx.fifo" &
srv_add $!
read -r -t 20 line <"$SRV_DIR/nginx.fifo"
[[ $line == ready* ]] || srv_fail "nginx did not start" "$SRV_DIR/nginx/error.log"
srv_http_ok "$port" /app.php || srv_fail "php-fpm did not answer" "$SRV_DIR/fpm.log"
srv_ready $fpm_pid "$port"
