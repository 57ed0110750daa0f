#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""unixload: HTTP/1.1 load over a unix stream socket (wrk speaks TCP only).

CONNS threads each loop: connect to PATH, send the request line, wait GAP_MS, send the rest
of the headers (a slow client: the server waits on the accepted socket), read the reply until
the server closes. Prints 'ready pid=PID' once started and the request count on exit.
Usage: unixload.py PATH [-c CONNS] [-g GAP_MS] [-d SECONDS]
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("-c", "--conns", type=int, default=8)
    ap.add_argument("-g", "--gap-ms", type=float, default=10.0)
    ap.add_argument("-d", "--duration", type=float, default=60.0)
    args = ap.parse_args()
    stop = threading.Event()
    done = [0] * args.conns
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def client(i):
        while not stop.is_set():
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.connect(args.path)
                    s.sendall(b"GET / HTTP/1.1\r\n")
                    time.sleep(args.gap_ms / 1000)
                    s.sendall(b"Host: unix\r\nConnection: close\r\n\r\n")
                    while s.recv(4096):
                        pass
                done[i] += 1
            except OSError:
                time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.conns)]
    for t in threads:
        t.start()
    print("ready pid=%d" % os.getpid(), flush=True)
    stop.wait(args.duration)
    stop.set()
    print("requests %d" % sum(done), file=sys.stderr)


if __name__ == "__main__":
    main()
