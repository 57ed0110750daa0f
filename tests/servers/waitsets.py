#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Ground truth for wait sets, read by hand from /proc (root): for every thread of PID and its
descendants, sample /proc/TID/syscall and, for the syscall it waits in most, decode the fds it
waits on: epoll_wait/epoll_pwait -> the epoll file's interest list (fdinfo "tfd:"), poll/ppoll ->
the pollfd array read from /proc/TGID/mem, select/pselect6 -> the read fd_set. Each fd is named by
kind: listener, client (accepted TCP, local port is a listener's), outbound:PORT, unix, pipe,
eventfd, timerfd, signalfd, epoll, file. usage: waitsets.py PID [SAMPLES=20]
"""
import collections
import os
import struct
import sys
import time

NAMES = {0: "read", 7: "poll", 23: "select", 45: "recvfrom", 130: "rt_sigsuspend",
         202: "futex", 232: "epoll_wait", 270: "pselect6", 271: "ppoll", 281: "epoll_pwait",
         288: "accept4", 43: "accept", 61: "wait4", 35: "nanosleep", 230: "clock_nanosleep",
         75: "fdatasync", 74: "fsync", 441: "epoll_pwait2", 17: "pread64", 1: "write"}


def tree(root):
    kids = collections.defaultdict(list)
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids[ppid].append(int(p))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids[p]
    return sorted(out)


def tcp_table():
    socks, listen_ports = {}, set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(f).readlines()[1:]:
            w = line.split()
            lport, rport = int(w[1].rsplit(":", 1)[1], 16), int(w[2].rsplit(":", 1)[1], 16)
            socks[w[9]] = (lport, rport, w[3])
            if w[3] == "0A":
                listen_ports.add(lport)
    unix = {line.split()[6] for line in open("/proc/net/unix").readlines()[1:]
            if len(line.split()) > 6}
    return socks, listen_ports, unix


def kind(tgid, fd, tables):
    socks, listen_ports, unix = tables
    try:
        link = os.readlink(f"/proc/{tgid}/fd/{fd}")
    except OSError:
        return f"{fd}:closed"
    if link.startswith("socket:["):
        ino = link[8:-1]
        if ino in socks:
            lport, rport, st = socks[ino]
            if st == "0A":
                return f"{fd}:listener:{lport}"
            if lport in listen_ports:
                return f"{fd}:client:{lport}"
            return f"{fd}:outbound:{rport}"
        return f"{fd}:unix" if ino in unix else f"{fd}:socket"
    for k in ("pipe", "eventfd", "timerfd", "signalfd", "eventpoll", "inotify"):
        if k in link:
            return f"{fd}:{k}"
    return f"{fd}:file"


def wait_set(tgid, nr, args, tables):
    try:
        if nr in (232, 281, 441):
            fds = [int(line.split()[1]) for line in open(f"/proc/{tgid}/fdinfo/{args[0]}")
                   if line.startswith("tfd:")]
            return f"epfd {args[0]}", [kind(tgid, fd, tables) for fd in fds]
        if nr in (7, 271):
            with open(f"/proc/{tgid}/mem", "rb") as m:
                m.seek(args[0])
                raw = m.read(8 * min(args[1], 64))
            return f"nfds {args[1]}", [kind(tgid, struct.unpack_from("iHH", raw, 8 * i)[0],
                                            tables) for i in range(len(raw) // 8)]
        if nr in (23, 270) and args[1]:
            with open(f"/proc/{tgid}/mem", "rb") as m:
                m.seek(args[1])
                bits = int.from_bytes(m.read((args[0] + 7) // 8), "little")
            return f"nfds {args[0]}", [kind(tgid, i, tables) for i in range(args[0])
                                       if bits >> i & 1]
    except (OSError, ValueError):
        return "unreadable", []
    return "", []


def main():
    root, samples = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 20
    tids = [(p, int(t)) for p in tree(root) for t in os.listdir(f"/proc/{p}/task")]
    seen = collections.defaultdict(collections.Counter)
    last = {}
    for _ in range(samples):
        tables = tcp_table()  # each round: short-lived sockets are named while they exist
        for tgid, tid in tids:
            try:
                w = open(f"/proc/{tgid}/task/{tid}/syscall").read().split()
            except OSError:
                continue
            if w[0] == "running":
                seen[tid]["running"] += 1
                continue
            nr = int(w[0])
            seen[tid][NAMES.get(nr, f"syscall_{nr}")] += 1
            last[(tid, nr)] = wait_set(tgid, nr, [int(a, 16) for a in w[1:7]], tables)
        time.sleep(0.05)
    for tgid, tid in tids:
        try:
            comm = open(f"/proc/{tgid}/task/{tid}/comm").read().strip()
            title = open(f"/proc/{tgid}/cmdline").read().replace("\0", " ").strip()[:40]
        except OSError:
            continue
        top = seen[tid].most_common()
        print(f"tid {tid} tgid {tgid} {comm} [{title}]: " +
              ", ".join(f"{n} {c}/{samples}" for n, c in top))
        for name, _ in top:
            nr = next((k for k, v in NAMES.items() if v == name), None)
            if nr is None or (tid, nr) not in last:
                continue
            what, fds = last[(tid, nr)]
            if what:
                print(f"    {name} {what}: " + " ".join(fds))


main()
