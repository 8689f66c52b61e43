#!/usr/bin/env python3
"""Re-sends captured ESP payloads (hex, one per line) to HOST:4500, altered per MODE.

attack.py MODE HEXFILE HOST  with MODE one of: replay, bitflip, truncate, wrongspi.
Prints the number of datagrams sent. Uses only the standard library.
"""
import socket
import struct
import sys

mode, hexfile, host = sys.argv[1], sys.argv[2], sys.argv[3]
packets = [bytes.fromhex(line.strip()) for line in open(hexfile) if line.strip()]


def craft(p: bytes, i: int) -> bytes:
    if mode == "replay":
        return p
    if mode == "bitflip":
        # A sequence number far ahead of anything seen (so the replay check passes) and one flipped
        # ciphertext bit: only the ICV can reject it.
        seq = struct.unpack("!I", p[4:8])[0] + 100000 + i
        body = bytearray(p[:4] + struct.pack("!I", seq) + p[8:])
        body[20] ^= 0x01
        return bytes(body)
    if mode == "truncate":
        return p[:30]
    if mode == "wrongspi":
        return struct.pack("!I", 0xDEADBEEF) + p[4:]
    raise SystemExit(f"unknown mode {mode}")


with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.bind(("0.0.0.0", 4501))
    for i, p in enumerate(packets):
        s.sendto(craft(p, i), (host, 4500))
print(len(packets))
