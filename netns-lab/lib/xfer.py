#!/usr/bin/env python3
"""TCP transfer for lab checks: `xfer.py recv PORT OUT` or `xfer.py send HOST PORT FILE`."""
import socket
import sys

if sys.argv[1] == "recv":
    with socket.create_server(("0.0.0.0", int(sys.argv[2]))) as srv:
        srv.settimeout(30)
        conn, _ = srv.accept()
        with conn, open(sys.argv[3], "wb") as out:
            conn.settimeout(30)
            while chunk := conn.recv(65536):
                out.write(chunk)
else:
    with socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=30) as conn, open(sys.argv[4], "rb") as f:
        conn.sendall(f.read())
