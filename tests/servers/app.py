# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A small WSGI app for the uWSGI fixture (tests/servers/uwsgi.sh).

WS_APP_MODE=upstream: each request calls the upstream on WS_UPSTREAM_PORT through http.client
with a timeout (CPython then waits in poll() on the upstream socket), one new connection per
request, as a plain sync client does.
WS_APP_MODE=pg: each request runs SELECT pg_sleep(0.02) through psycopg2 on one connection per
worker to PostgreSQL on 127.0.0.1:WS_PG_PORT (libpq waits in poll() on that socket).
"""
import http.client
import os

MODE = os.environ.get("WS_APP_MODE", "upstream")
UPSTREAM_PORT = int(os.environ.get("WS_UPSTREAM_PORT", "0"))
PG_PORT = int(os.environ.get("WS_PG_PORT", "0"))
_pg = None


def _call_upstream():
    conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT, timeout=5)
    try:
        conn.request("GET", "/")
        return conn.getresponse().read()
    finally:
        conn.close()


def _call_pg():
    global _pg
    import psycopg2

    if _pg is None:
        _pg = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres",
                               dbname="postgres", connect_timeout=5)
        _pg.autocommit = True
    with _pg.cursor() as cur:
        cur.execute("SELECT pg_sleep(0.02)")
        cur.fetchall()
    return b"pg ok\n"


def application(environ, start_response):
    body = _call_pg() if MODE == "pg" else _call_upstream()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
