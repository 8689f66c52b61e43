#!/usr/bin/env python3
"""Turns capture.sh's pcap and the initiator's charon log into test fixtures.

For each connection (cbc, gcm, bad; told apart by the 10.250.N.x address pair) it writes
  <conn>/NN-<EXCHANGE>-<request|response>.hex   the UDP payload as captured, one hex line
                                                (port 4500 datagrams keep the 4-byte non-ESP marker)
  <conn>/keys.txt                               name = hex, from charon's ike/chd level-4 log
Only the standard library is used; the pcap is read by hand (classic pcap, Ethernet/IPv4/UDP).
"""
import os, re, struct, sys

EXCHANGES = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}
CONNS = {0: "cbc", 1: "gcm", 2: "bad"}
# charon's level-4 labels -> our fixture key names
LABELS = {
    "shared Diffie Hellman secret": "dh_shared_secret", "SKEYSEED": "skeyseed",
    "Sk_d secret": "sk_d", "Sk_ai secret": "sk_ai", "Sk_ar secret": "sk_ar",
    "Sk_ei secret": "sk_ei", "Sk_er secret": "sk_er", "Sk_pi secret": "sk_pi", "Sk_pr secret": "sk_pr",
    "seed": "child_seed", "encryption initiator key": "child_encr_i", "encryption responder key": "child_encr_r",
    "integrity initiator key": "child_integ_i", "integrity responder key": "child_integ_r",
    "secret": "psk",
}


def packets(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if struct.unpack(">H", frame[12:14])[0] != 0x0800:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        src = ip[12:16]
        udp = ip[ihl:]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield src, sport, dport, udp[8:ulen]


def write_packets(pcap, out):
    counters = {}
    for src, sport, dport, payload in packets(pcap):
        ike = payload
        if 4500 in (sport, dport):
            if ike[:4] != b"\0\0\0\0":
                continue  # ESP in UDP, not IKE
            ike = ike[4:]
        if len(ike) < 28:
            continue  # NAT-T keepalive
        conn = CONNS.get(src[2])
        exchange = EXCHANGES.get(ike[18], "EXCHANGE%d" % ike[18])
        kind = "response" if ike[19] & 0x20 else "request"
        n = counters.get(conn, 0) + 1
        counters[conn] = n
        os.makedirs(os.path.join(out, conn), exist_ok=True)
        name = "%02d-%s-%s.hex" % (n, exchange, kind)
        with open(os.path.join(out, conn, name), "w") as f:
            f.write(payload.hex() + "\n")
        print(conn, name, sport, dport, len(payload))


def parse_log(path):
    """Yields one dict per IKE_SA, in the order the initiator derived them."""
    head = re.compile(r"^\S+ (\d+)\[(IKE|CHD)\] (.+?) => (\d+) bytes @")
    row = re.compile(r"^\S+ (\d+)\[(IKE|CHD)\] +\d+: ((?:[0-9A-F]{2} )+)")
    blocks, current, pending = [], None, {}
    for line in open(path, errors="replace"):
        m = head.match(line)
        if m:
            thread, label = m.group(1), m.group(3)
            key = LABELS.get(label)
            if key == "dh_shared_secret":
                current = {}
                blocks.append(current)
            pending[thread] = None
            if key and current is not None and key not in current:
                current[key] = bytearray()
                pending[thread] = current[key]
            continue
        m = row.match(line)
        if m and pending.get(m.group(1)) is not None:
            pending[m.group(1)].extend(bytes.fromhex(m.group(3).replace(" ", "")[:32]))
    return blocks


def main():
    out = sys.argv[1]
    write_packets(os.path.join(out, "ike.pcap"), out)
    for i, block in enumerate(parse_log(os.path.join(out, "charon-initiator.log"))):
        with open(os.path.join(out, CONNS[i], "keys.txt"), "w") as f:
            f.write("# keys of IKE_SA '%s' as charon (initiator) logged them at ike/chd level 4\n" % CONNS[i])
            for k, v in block.items():
                f.write("%s = %s\n" % (k, bytes(v).hex()))


main()
