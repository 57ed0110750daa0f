#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""pyasync: the same HTTP/1.0 server as pypool.py on one asyncio event loop (the 'after').

Per request: read it, one non-blocking HTTP call to the upstream on 127.0.0.1:UPSTREAM, answer
200. Prints 'ready pid=PID port=PORT' once listening.  Usage: pyasync.py -u UPSTREAM
"""
import argparse
import asyncio
import os

REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-u", "--upstream", type=int, required=True, help="upstream port")
    args = ap.parse_args()

    async def handle(reader, writer):
        try:
            await reader.read(4096)
            ur, uw = await asyncio.open_connection("127.0.0.1", args.upstream)
            uw.write(b"GET / HTTP/1.0\r\nHost: upstream\r\n\r\n")
            await uw.drain()
            await ur.read()
            uw.close()
            writer.write(REPLY)
            await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print("ready pid=%d port=%d" % (os.getpid(), srv.sockets[0].getsockname()[1]), flush=True)
    await srv.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
