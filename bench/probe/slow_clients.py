#!/usr/bin/env python3
"""Slow-client attack: open N connections that never finish their request head (half of
them send part of a head, half send nothing), wait, and count how many the server still
holds open. Then check whether a normal request is still answered.

Usage: bench/probe/slow_clients.py HOST:PORT [--sockets 300] [--wait 15]
Prints: sockets opened, still open after the wait, closed by the server, and whether a
normal GET /healthz was answered during the attack.
"""
import argparse
import select
import socket
import time
import urllib.request


def closed(s):
    """Whether the server has closed the socket (reading whatever it sent first)."""
    while True:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            return False
        try:
            if not s.recv(65536):
                return True
        except OSError:
            return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("--sockets", type=int, default=300)
    ap.add_argument("--wait", type=float, default=15.0)
    a = ap.parse_args()
    host, port = a.addr.rsplit(":", 1)
    socks = []
    for i in range(a.sockets):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect((host, int(port)))
        except OSError:
            s.close()
            continue
        if i % 2 == 0:
            s.sendall(b"GET / HTTP/1.1\r\nHost: nsx\r\nX-Slow: 1\r\n")
        s.setblocking(False)
        socks.append(s)
    opened = len(socks)
    time.sleep(a.wait)
    open_now = sum(1 for s in socks if not closed(s))
    try:
        with urllib.request.urlopen(f"http://{a.addr}/healthz", timeout=10) as r:
            served = r.status == 200
    except OSError:
        served = False
    print(
        f"sockets={opened} wait={a.wait:g}s still_open={open_now} "
        f"closed_by_server={opened - open_now} healthz_answered={served}"
    )
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
