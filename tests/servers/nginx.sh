#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# nginx (master + 2 workers) on 127.0.0.1:PORT with a private prefix DIR serving a static page;
# with FASTCGI (e.g. unix:/path/fpm.sock), *.php goes to that FastCGI server. Ready line: the
# master (profile it with -f). Load: wrk -t 2 -c 32 -d SECS http://127.0.0.1:PORT/
set -u
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 DIR PORT [FASTCGI]" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
port=$2
fastcgi=${3:-}
srv_init "$1"
mkdir -p "$SRV_DIR/www" "$SRV_DIR/tmp"
chmod 755 "$SRV_DIR" "$SRV_DIR/www"
echo "waitscope nginx fixture" >"$SRV_DIR/www/index.html"
php=
if [ -n "$fastcgi" ]; then
	php="location ~ \\.php\$ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
			fastcgi_pass $fastcgi;
		}"
fi
cat >"$SRV_DIR/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
pid $SRV_DIR/nginx.pid;
error_log $SRV_DIR/error.log warn;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $SRV_DIR/tmp/body;
	proxy_temp_path $SRV_DIR/tmp/proxy;
	fastcgi_temp_path $SRV_DIR/tmp/fastcgi;
	uwsgi_temp_path $SRV_DIR/tmp/uwsgi;
	scgi_temp_path $SRV_DIR/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		root $SRV_DIR/www;
		${php}
	}
}
CONF
setpriv --pdeathsig TERM nginx -p "$SRV_DIR" -e "$SRV_DIR/error.log" -c "$SRV_DIR/nginx.conf" &
pid=$!
srv_add $pid
srv_wait_port "$port" $pid || srv_fail "nginx did not listen" "$SRV_DIR/error.log"
srv_ready $pid "$port"
