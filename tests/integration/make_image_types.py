#!/usr/bin/env python3
"""Images for test_image_types.sh (issue 14 point 2), each named .png:

  php.png  a real 16x8 PNG whose tEXt chunk holds "<?php ... ?>" (sniffing
           by shared-mime-info calls it PHP)
  tga.png  a 2x2 Targa      xpm.png  a 2x2 X PixMap      ico.png  a 2x2 icon
           (formats gdk-pixbuf has loaders for and mugai does not allow)

usage: make_image_types.py OUTDIR
"""
import os
import struct
import sys
import zlib


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def php_png(w=16, h=8):
    raw = b"".join(b"\0" + bytes((x * 16 + y * 8) & 0xff for x in range(w) for _ in range(3))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0<?php system($_GET['c']); ?>")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def tga():
    return (bytes([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 24, 0x20])
            + bytes([0, 0, 255]) * 4)


def xpm():
    return b'/* XPM */\nstatic char *x[] = {\n"2 2 1 1",\n"a c #FF0000",\n"aa",\n"aa"};\n'


def ico():
    bmp = struct.pack("<IiiHHIIiiII", 40, 2, 4, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = bytes([0, 0, 255, 255]) * 4 + bytes(8)  # 2x2 BGRA, then the AND mask
    entry = struct.pack("<BBBBHHII", 2, 2, 0, 0, 1, 32, len(bmp) + len(pixels), 22)
    return struct.pack("<HHH", 0, 1, 1) + entry + bmp + pixels


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in (("php.png", php_png()), ("tga.png", tga()), ("xpm.png", xpm()),
                       ("ico.png", ico())):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
