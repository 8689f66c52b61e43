#!/usr/bin/env python3
"""port-mtu: a paced burst of numbered UDP datagrams and its receiver.

  udpburst.py recv ADDR PORT COUNT SECONDS    -> prints "RECEIVED WHOLE" (distinct datagrams, of them intact)
  udpburst.py send ADDR PORT COUNT SIZE RATE  -> sends COUNT datagrams of SIZE bytes at RATE per second

Each datagram carries its number and a pattern derived from it, so the receiver counts a datagram only
once and only when every byte arrived (a datagram whose IP fragments were reassembled wrongly fails).
"""
import socket
import sys
import time


def payload(seq: int, size: int) -> bytes:
    head = seq.to_bytes(4, "big")
    body = bytes((seq + i) & 0xFF for i in range(size - 4))
    return head + body


def recv(addr: str, port: int, count: int, seconds: float) -> None:
    """Until COUNT datagrams, 3 s of silence after the first one, or SECONDS in all: a sender that a busy
    machine starts late or slows down is waited for, a lost datagram is not."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # 64 MiB (SO_RCVBUFFORCE: root in the guest's namespace): a receiver descheduled on a busy machine
    # must not lose what the overlay delivered.
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)
    s.bind((addr, port))
    s.settimeout(0.2)
    seen, whole = set(), 0
    deadline = time.monotonic() + seconds
    last = None
    while len(seen) < count and time.monotonic() < deadline:
        if last is not None and time.monotonic() - last > 3:
            break
        try:
            data = s.recv(65535)
        except socket.timeout:
            continue
        last = time.monotonic()
        seq = int.from_bytes(data[:4], "big")
        if seq in seen:
            continue
        seen.add(seq)
        whole += data == payload(seq, len(data))
    print(len(seen), whole, flush=True)


def send(addr: str, port: int, count: int, size: int, rate: float) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    for seq in range(count):
        wait = start + seq / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        s.sendto(payload(seq, size), (addr, port))
    print(count, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
