#!/usr/bin/env python3
"""TCP stream for lab checks, reporting "BYTES SHA256":
`stream.py recv PORT` (until the sender closes) or `stream.py send HOST PORT SECONDS` (as fast as it can)."""
import hashlib
import socket
import sys
import time

digest = hashlib.sha256()
total = 0
if sys.argv[1] == "recv":
    with socket.create_server(("0.0.0.0", int(sys.argv[2]))) as srv:
        srv.settimeout(30)
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(30)
            while chunk := conn.recv(1 << 20):
                digest.update(chunk)
                total += len(chunk)
else:
    block = bytes((i * 131 + 7) % 251 for i in range(1 << 16))
    deadline = time.monotonic() + float(sys.argv[4])
    with socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=30) as conn:
        n = 0
        while time.monotonic() < deadline:
            chunk = block[n % 251:] + block[:n % 251]  # every block different, the same on both sides
            conn.sendall(chunk)
            digest.update(chunk)
            total += len(chunk)
            n += 1
print(total, digest.hexdigest())
