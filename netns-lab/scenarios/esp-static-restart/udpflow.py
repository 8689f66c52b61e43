#!/usr/bin/env python3
"""Paced UDP flow for the restart lab. Each datagram carries its 8-byte index.
`udpflow.py send ADDR PORT PPS SECONDS STOPFILE` prints "sent N" (ends after SECONDS, or earlier once STOPFILE exists);
`udpflow.py recv PORT SECONDS` prints "received N distinct D last L" (L: highest index seen), ending after SECONDS
or when the sender's end marker (index 2^64-1) came."""
import os
import socket
import struct
import sys
import time

END = (1 << 64) - 1

if sys.argv[1] == "send":
    addr, port, pps, seconds, stop = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pad = bytes(200)
    start = time.monotonic()
    sent = 0
    while (now := time.monotonic()) - start < seconds and not os.path.exists(stop):
        due = int((now - start) * pps)
        while sent < due:
            try:
                s.sendto(struct.pack("!Q", sent) + pad, (addr, port))
            except OSError:
                pass  # no neighbour while the host restarts: the datagram is lost, the index used
            sent += 1
        time.sleep(0.005)
    for _ in range(5):
        try:
            s.sendto(struct.pack("!Q", END), (addr, port))
        except OSError:
            pass
        time.sleep(0.05)
    print("sent", sent)
else:
    port, seconds = int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("0.0.0.0", port))
    s.settimeout(0.5)
    deadline = time.monotonic() + seconds
    seen = set()
    received = 0
    ended = False
    while time.monotonic() < deadline and not ended:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        (index,) = struct.unpack("!Q", data[:8])
        if index == END:
            ended = True
            continue
        received += 1
        seen.add(index)
    print("received", received, "distinct", len(seen), "last", max(seen) if seen else -1)
