#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""pypool: a Python thread-pool HTTP/1.0 server, the 'before' picture in another language.

The main thread accepts connections and submits each to a fixed ThreadPoolExecutor of WORKERS
threads (a dispatcher in front of a pool, as in Java executors); a worker reads the request,
makes one blocking HTTP call to the upstream on 127.0.0.1:UPSTREAM, and answers 200.
Prints 'ready pid=PID port=PORT' once listening.  Usage: pypool.py -u UPSTREAM [-w WORKERS]
"""
import argparse
import os
import socket
import urllib.request
from concurrent.futures import ThreadPoolExecutor

REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-u", "--upstream", type=int, required=True, help="upstream port")
    ap.add_argument("-w", "--workers", type=int, default=4, help="pool threads (default 4)")
    args = ap.parse_args()
    url = "http://127.0.0.1:%d/" % args.upstream

    def handle(conn):
        try:
            conn.recv(4096)
            with urllib.request.urlopen(url) as r:
                r.read()
            conn.sendall(REPLY)
        except OSError:
            pass
        finally:
            conn.close()

    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1024)
    print("ready pid=%d port=%d" % (os.getpid(), lsock.getsockname()[1]), flush=True)
    pool = ThreadPoolExecutor(args.workers)
    while True:
        conn, _ = lsock.accept()
        pool.submit(handle, conn)


if __name__ == "__main__":
    main()
