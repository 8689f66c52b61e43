#!/usr/bin/env python3
"""Reads `tshark -T fields -e frame.time_epoch -e udp.payload` lines of UDP port 4500 (stdin) and checks every
ESP packet's (SPI, explicit IV): RFC 3948 puts ESP right in the UDP payload (a first word of 0 is IKE behind the
non-ESP marker, a single 0xff byte a NAT keepalive); then SPI (4), sequence number (4) and, for AES-GCM (RFC 4106
§3.1), the 8-byte explicit IV. Prints per SPI: packets, distinct IVs, repeated IVs (with the first few), and
whether the IV's low 32 bits equal the header's sequence number (our sealer uses the sequence number as IV).
`esp_ivs.py SPI:TIME ...` also prints, for that SPI, the packets after each time (epoch seconds)."""
import sys
from collections import defaultdict

marks = [(int(a, 16), t) for a, t in (m.split(":") for m in sys.argv[1:])]
ivs = defaultdict(dict)
after = defaultdict(int)
mismatch = defaultdict(int)
repeats = defaultdict(list)
packets = defaultdict(int)
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 2:
        continue
    t, payload = float(parts[0]), bytes.fromhex(parts[1].replace(":", ""))
    if len(payload) < 16 or payload[:4] == b"\0\0\0\0":
        continue
    spi = int.from_bytes(payload[0:4], "big")
    seq = int.from_bytes(payload[4:8], "big")
    iv = int.from_bytes(payload[8:16], "big")
    packets[spi] += 1
    if iv & 0xFFFFFFFF != seq:
        mismatch[spi] += 1
    if iv in ivs[spi]:
        repeats[spi].append(iv)
    else:
        ivs[spi][iv] = t
    for mspi, mt in marks:
        if spi == mspi and t > float(mt):
            after[(mspi, mt)] += 1
for spi in sorted(packets):
    print(f"spi 0x{spi:08x} packets {packets[spi]} distinct_ivs {len(ivs[spi])} repeated_ivs {len(repeats[spi])} "
          f"iv_is_sequence {'yes' if mismatch[spi] == 0 else 'no'} max_iv {max(ivs[spi])} first_repeats {repeats[spi][:3]}")
for mspi, mt in marks:
    print(f"after 0x{mspi:08x} {mt} {after[(mspi, mt)]}")
