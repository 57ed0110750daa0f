#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""pyprefork: a gunicorn-style pre-fork HTTP/1.0 server (sync workers) in Python.

The master creates the listening socket, forks WORKERS worker processes and then waits in
select() on a pipe with a 1 s timeout, as gunicorn's arbiter does. Each worker waits in select()
on the listener and its pipe, accepts, reads the request, makes one blocking HTTP call to the
upstream on 127.0.0.1:UPSTREAM, answers 200 and closes the connection (gunicorn's sync worker
does not keep connections alive). Prints 'ready pid=MASTER port=PORT workers=PID,...'.
Usage: pyprefork.py -u UPSTREAM [-w WORKERS]
"""
import argparse
import os
import select
import signal
import socket
import sys
import urllib.request

REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def worker(lsock, url, pipe_r):
    lsock.setblocking(False)
    while True:
        ready, _, _ = select.select([lsock, pipe_r], [], [], 1.0)
        if pipe_r in ready:
            os._exit(0)
        if lsock not in ready:
            continue
        try:
            conn, _ = lsock.accept()
        except BlockingIOError:
            continue  # another worker took it
        try:
            conn.setblocking(True)
            conn.recv(4096)
            with urllib.request.urlopen(url) as r:
                r.read()
            conn.sendall(REPLY)
        except OSError:
            pass
        finally:
            conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-u", "--upstream", type=int, required=True, help="upstream port")
    ap.add_argument("-w", "--workers", type=int, default=4, help="worker processes (default 4)")
    args = ap.parse_args()
    url = "http://127.0.0.1:%d/" % args.upstream

    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1024)
    pipe_r, pipe_w = os.pipe()
    pids = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            os.close(pipe_w)
            worker(lsock, url, pipe_r)
        pids.append(pid)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready pid=%d port=%d workers=%s" % (os.getpid(), lsock.getsockname()[1],
                                               ",".join(map(str, pids))), flush=True)
    while not stop:
        try:
            select.select([pipe_r], [], [], 1.0)  # the arbiter's sleep
        except InterruptedError:
            pass
    os.close(pipe_w)  # workers see EOF on the pipe and exit
    for pid in pids:
        os.waitpid(pid, 0)
    sys.exit(0)


if __name__ == "__main__":
    main()
