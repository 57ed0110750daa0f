#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# uWSGI prefork (master + 4 workers, python3 plugin) on 127.0.0.1:PORT serving app.py.
#   uwsgi.sh DIR PORT upstream UPSTREAM_PORT   handler calls the upstream via http.client
#   uwsgi.sh DIR PORT pg PG_PORT               handler runs SELECT pg_sleep(0.02) via psycopg2
# Ready line: the master (profile it with -f). Load: wrk -t 2 -c 32 -d SECS http://127.0.0.1:PORT/
set -u
[ $# -eq 4 ] || { echo "usage: $0 DIR PORT upstream|pg PORT2" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
port=$2
case $3 in
upstream) export WS_APP_MODE=upstream WS_UPSTREAM_PORT=$4 ;;
pg) export WS_APP_MODE=pg WS_PG_PORT=$4 ;;
*) echo "uwsgi.sh: mode must be upstream or pg" >&2; exit 2 ;;
esac
srv_init "$1"
# Debian's python3 plugin embeds /usr/lib/python3.11: keep a pyenv environment out of it.
unset PYTHONHOME PYTHONPATH
setpriv --pdeathsig TERM uwsgi --plugin python3 --master --processes 4 --die-on-term \
	--http-socket "127.0.0.1:$port" --chdir "$here" --wsgi-file "$here/app.py" --need-app \
	--disable-logging --logto "$SRV_DIR/uwsgi.log" --listen 128 --add-header "Connection: close" &
pid=$!
srv_add $pid
srv_wait_port "$port" $pid || srv_fail "uwsgi did not listen" "$SRV_DIR/uwsgi.log"
srv_http_ok "$port" || srv_fail "uwsgi did not answer" "$SRV_DIR/uwsgi.log"
srv_ready $pid "$port"
