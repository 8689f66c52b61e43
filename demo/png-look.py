#!/usr/bin/env python3
# make demo, step 9: what a PNG shows, as numbers — png-look.py FILE prints "WIDTHxHEIGHT COLOURS INKED_PERCENT":
# the picture's size, how many distinct colours it has and the share of pixels that differ from the most common
# colour (the background). A blank screenshot has 1 colour and 0 % inked. Reads 8-bit RGB/RGBA, non-interlaced
# PNGs (what headless Chromium writes): zlib, then the PNG scanline filters. Exit 1 for anything else.
import struct
import sys
import zlib
from collections import Counter


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def main(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        sys.exit(f"{path}: no IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        sys.exit(f"{path}: depth {depth}, colour type {colour}, interlace {interlace}: not 8-bit RGB(A)")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    pixels = Counter()
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + b) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                row[i] = (row[i] + paeth(a, b, c)) & 0xFF
        pixels.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp))
        prev = row
    total = width * height
    background = pixels.most_common(1)[0][1] if pixels else total
    print(f"{width}x{height} {len(pixels)} {100.0 * (total - background) / max(total, 1):.1f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: png-look.py FILE.png")
    main(sys.argv[1])
