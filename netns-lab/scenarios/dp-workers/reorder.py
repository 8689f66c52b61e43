#!/usr/bin/env python3
"""dp-workers: a UDP relay that reorders (and, when asked, duplicates) the ESP-in-UDP it forwards.

Usage: reorder.py LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT STATS_FILE

Every datagram to LISTEN goes on to TARGET. About one in five is held back and released after 1-6 later
datagrams (or 5 ms of quiet), so the receiver sees each SA's sequence numbers out of order, never by more than
~12 positions: far inside the replay window (no real duplicate, no loss). SIGUSR1 asks for 20 duplicates: the
next 20 ESP datagrams are sent twice, back to back. The counts (relayed, held, duplicated) are rewritten to
STATS_FILE as JSON after each batch. Stops on SIGTERM.
"""
import json
import random
import select
import signal
import socket
import sys

listen = (sys.argv[1], int(sys.argv[2]))
target = (sys.argv[3], int(sys.argv[4]))
stats_file = sys.argv[5]

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
sock.bind(listen)
sock.setblocking(False)

rng = random.Random(16)
held = []  # [countdown, datagram]
stats = {"relayed": 0, "held": 0, "duplicated": 0}
duplicates_wanted = 0
running = True


def on_usr1(_sig, _frame):
    global duplicates_wanted
    duplicates_wanted += 20


def on_term(_sig, _frame):
    global running
    running = False


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)


def send(data):
    try:
        sock.sendto(data, target)
    except BlockingIOError:
        select.select([], [sock], [], 0.01)
        sock.sendto(data, target)


def release(all_of_them=False):
    global held
    keep = []
    for entry in held:
        entry[0] -= 1
        if all_of_them or entry[0] <= 0:
            send(entry[1])
            stats["relayed"] += 1
        else:
            keep.append(entry)
    held = keep


def write_stats():
    with open(stats_file + ".tmp", "w") as f:
        json.dump(stats, f)
    import os
    os.replace(stats_file + ".tmp", stats_file)


while running:
    ready, _, _ = select.select([sock], [], [], 0.005)
    if not ready:
        release(all_of_them=True)
        write_stats()
        continue
    for _ in range(256):
        try:
            data = sock.recv(65535)
        except BlockingIOError:
            break
        esp = len(data) > 8 and data[:4] != b"\0\0\0\0"
        if esp and duplicates_wanted == 0 and len(held) < 8 and rng.random() < 0.2:
            held.append([rng.randint(1, 6), data])
            stats["held"] += 1
            continue
        send(data)
        stats["relayed"] += 1
        if esp and duplicates_wanted > 0:
            send(data)
            duplicates_wanted -= 1
            stats["duplicated"] += 1
        release()
    write_stats()

release(all_of_them=True)
write_stats()
