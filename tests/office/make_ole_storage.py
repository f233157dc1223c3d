#!/usr/bin/env python3
"""OLE compound files (CFB, version 3, 512-byte sectors) for test_ole.sh.

  relocate SRC DST   rewrite SRC (a .xls/.doc/.ppt LibreOffice made) with its
                     directory and FAT moved past the first 1.25 MiB: libmagic,
                     given the first 1 MiB as mugai gives it, can no longer read
                     the directory and says application/x-ole-storage, as it
                     does for many real files.  The streams are untouched.
  plain DST NAME...  a CFB whose root holds one 4 KiB stream per NAME (the
                     directory past 1.25 MiB too)
  loop DST           the same with one stream, "Contents", and a directory
                     chain that points back at itself
"""
import struct
import sys

SS = 512
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
PAD = (1280 * 1024) // SS  # sectors of padding before the directory


def header(nfat_sectors, fat_ids, first_dir, first_minifat=END, nminifat=0):
    h = bytearray(512)
    h[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", h, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", h, 44, nfat_sectors, first_dir, 0)
    struct.pack_into("<IIIII", h, 56, 4096, first_minifat, nminifat, END, 0)
    for i in range(109):
        struct.pack_into("<I", h, 76 + 4 * i, fat_ids[i] if i < len(fat_ids) else FREE)
    return bytes(h)


def emit(sectors, fat, dir_bytes, pad, first_minifat=END, nminifat=0, loop=False):
    """sectors: list of 512-byte data sectors whose FAT entries are fat;
    the directory (dir_bytes) goes after pad free sectors, the FAT last."""
    sectors = list(sectors) + [bytes(SS)] * pad
    fat = list(fat) + [FREE] * pad
    ndir = (len(dir_bytes) + SS - 1) // SS
    first_dir = len(sectors)
    dir_bytes = dir_bytes.ljust(ndir * SS, b"\0")
    for i in range(ndir):
        sectors.append(dir_bytes[i * SS:(i + 1) * SS])
        fat.append(first_dir + i + 1 if i + 1 < ndir else (first_dir if loop else END))
    nfat = 1
    while (len(sectors) + nfat) > nfat * (SS // 4):
        nfat += 1
    fat_ids = list(range(len(sectors), len(sectors) + nfat))
    fat += [FATSECT] * nfat
    fat += [FREE] * (nfat * (SS // 4) - len(fat))
    table = struct.pack("<%dI" % len(fat), *fat)
    for i in range(nfat):
        sectors.append(table[i * SS:(i + 1) * SS])
    assert nfat <= 109
    return header(nfat, fat_ids, first_dir, first_minifat, nminifat) + b"".join(sectors)


def entry(name, kind, left=NOSTREAM, right=NOSTREAM, child=NOSTREAM, start=END, size=0):
    e = bytearray(128)
    n = name.encode("utf-16le")
    e[0:len(n)] = n
    struct.pack_into("<HBB", e, 64, len(n) + 2, kind, 1)
    struct.pack_into("<III", e, 68, left, right, child)
    struct.pack_into("<II", e, 116, start, size)
    return bytes(e)


def plain(names, loop=False):
    sectors, fat, ents = [], [], []
    for i, name in enumerate(names):
        first = len(sectors)
        data = (name.encode() * 4096)[:4096]
        for k in range(8):
            sectors.append(data[k * SS:(k + 1) * SS])
            fat.append(first + k + 1 if k < 7 else END)
        # a right-leaning chain of siblings under the root
        ents.append(entry(name, 2, right=i + 2 if i + 1 < len(names) else NOSTREAM,
                          start=first, size=4096))
    root = entry("Root Entry", 5, child=1 if names else NOSTREAM)
    return emit(sectors, fat, root + b"".join(ents), PAD, loop=loop)


def relocate(src):
    b = open(src, "rb").read()
    assert b[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and struct.unpack("<H", b[30:32])[0] == 9
    nfat, first_dir = struct.unpack("<II", b[44:52])
    first_minifat, nminifat, first_difat, ndifat = struct.unpack("<IIII", b[60:76])
    assert ndifat == 0 and nfat <= 109, "large files with a DIFAT chain are not handled"
    nsect = (len(b) - 512 + SS - 1) // SS
    sect = [b[512 + i * SS:512 + (i + 1) * SS].ljust(SS, b"\0") for i in range(nsect)]
    fat_ids = struct.unpack("<%dI" % nfat, b[76:76 + 4 * nfat])
    fat = []
    for fid in fat_ids:
        fat += struct.unpack("<128I", sect[fid])
    fat = fat[:nsect]
    dirs, s = [], first_dir
    while s != END:
        dirs.append(s)
        s = fat[s]
    dir_bytes = b"".join(sect[d] for d in dirs)
    for s in list(dirs) + list(fat_ids):  # the old directory and FAT: free, blank
        fat[s] = FREE
        sect[s] = bytes(SS)
    return emit(sect, fat, dir_bytes, PAD, first_minifat, nminifat)


def main():
    cmd, dst = sys.argv[1], sys.argv[2]
    if cmd == "relocate":
        data = relocate(sys.argv[3])
    elif cmd == "plain":
        data = plain(sys.argv[3:])
    elif cmd == "loop":
        data = plain(["Contents"], loop=True)
    else:
        sys.exit("usage: make_ole_storage.py relocate DST SRC | plain DST NAME... | loop DST")
    with open(dst, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
