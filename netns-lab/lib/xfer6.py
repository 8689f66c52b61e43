#!/usr/bin/env python3
"""IPv6 TCP transfer for lab checks (xfer.py listens on IPv4 only): `xfer6.py recv PORT OUT` or `xfer6.py send ADDR PORT FILE` (30 s bounds)."""
import socket
import sys

if sys.argv[1] == "recv":
    with socket.create_server(("::", int(sys.argv[2])), family=socket.AF_INET6) as srv:
        srv.settimeout(30)
        conn, _ = srv.accept()
        with conn, open(sys.argv[3], "wb") as out:
            conn.settimeout(30)
            while chunk := conn.recv(65536):
                out.write(chunk)
else:
    with socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=30) as conn, open(sys.argv[4], "rb") as f:
        conn.sendall(f.read())
