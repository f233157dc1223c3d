#!/usr/bin/env python3
"""slow_clients.py PORT COUNT SOURCE DIR: COUNT connections to 127.0.0.1:PORT
from the loopback address SOURCE, each trickling the header of an upload one
byte a second and never finishing it.  Writes DIR/ready (how many mugaid
kept open after two rounds) and runs until DIR/stop exists (at most
MAX_SECONDS); then prints a JSON summary.  Loopback addresses only."""
import json
import os
import socket
import sys
import time

MAX_SECONDS = 120
HEADER = b"POST /v1/jobs?filename=slow.bin HTTP/1.1\r\nHost: mugai\r\nX-Slow: " + b"a" * 4000

port, count, source, where = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
if not source.startswith("127."):
    sys.exit("loopback addresses only")
socks = []
for _ in range(count):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    s.setblocking(False)
    socks.append([s, 0])
opened = len(socks)


def round_():
    """one byte more to every open connection; drop those mugaid closed"""
    for e in list(socks):
        s, off = e
        try:
            if s.recv(4096) == b"":
                raise ConnectionError
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            socks.remove(e)
            continue
        try:
            s.send(HEADER[off % len(HEADER):off % len(HEADER) + 1])
            e[1] = off + 1
        except OSError:
            s.close()
            socks.remove(e)


start = time.monotonic()
for _ in range(2):
    round_()
    time.sleep(1)
with open(os.path.join(where, "ready.tmp"), "w") as f:
    f.write("%d\n" % len(socks))
os.rename(os.path.join(where, "ready.tmp"), os.path.join(where, "ready"))
kept = len(socks)
while not os.path.exists(os.path.join(where, "stop")) and time.monotonic() - start < MAX_SECONDS:
    round_()
    time.sleep(1)
print(json.dumps({"tried": count, "connected": opened, "kept_open": kept,
                  "open_at_end": len(socks)}))
for s, _ in socks:
    s.close()
