#!/usr/bin/env python3
"""Generate the seed corpora of the fuzz harnesses (committed under corpus/).
usage: make-corpus.py [BINDIR]   (BINDIR with mkpdf adds a Japanese PDF)"""
import io, os, shutil, struct, subprocess, sys, tarfile, zipfile, zlib

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "samples"))
import generate  # noqa: E402

root = os.path.join(here, "corpus")
shutil.rmtree(root, ignore_errors=True)


def put(h, name, data):
    os.makedirs(os.path.join(root, h), exist_ok=True)
    with open(os.path.join(root, h, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


jp = "議事録 第1回\r\n令和6年度 予算\t金額\r\n"
for enc in ["utf-8", "utf-8-sig", "utf-16", "cp932", "euc-jp", "iso-2022-jp"]:
    put("text", enc + ".txt", jp.encode(enc))
put("text", "controls.txt", b"a\x01b\x1b[0m\x7f\xc2\x85\xe2\x80\xaefdp.exe\n")
put("text", "empty.txt", b"")
put("text", "binary.bin", bytes(range(256)))

put("html", "page.html", generate.open if False else
    "<html><head><title>t</title><script>x()</script></head><body><p>本文<a href='u'>l</a>"
    "</p><table><tr><td>1</td><td>2</td></tr></table><iframe>f</iframe></body></html>")
put("html", "sjis.html", b"<html><body><p>\x93\xfa\x96\x7b</p></body></html>")
put("html", "meta.html", "<meta charset='euc-jp'><p>".encode() + "日本".encode("euc-jp"))
put("html", "entities.html", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><p>&a;&a;&amp;&#x41;</p>")

# netpbm and svg (issue 14): every kind, and the hostile headers
for n, b in [("p1.pbm", b"P1\n# c\n3 2\n0 1 0\n1 0 1\n"), ("p4.pbm", b"P4 10 2\n\x40\x80\xff\x00"),
             ("p2.pgm", b"P2 2 1 10\n10 5\n"), ("p5-16.pgm", b"P5 2 1 65535\n\x00\x01\xff\xff"),
             ("p3.ppm", b"P3 1 1 255\n1 2 3\n"), ("p6.ppm", b"P6 2 1 255\n\x01\x02\x03\x04\x05\x06"),
             ("huge.ppm", b"P6 60000 60000 255\n\x00"), ("maxval0.pgm", b"P5 1 1 0\n\x00"),
             ("trunc.ppm", b"P6 4 4 255\n\x01\x02")]:
    put("netpbm", n, b)
put("svg", "plain.svg", "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 10'><rect width='10' "
    "height='10' fill='red' style='stroke:url(#g)'/><text y='9'>文字</text></svg>")
put("svg", "hostile.svg", "<?xml-stylesheet href='a.css'?><svg xmlns='http://www.w3.org/2000/svg' "
    "xmlns:xi='http://www.w3.org/2001/XInclude' width='8' height='8' onload='x()' xml:base='file:///'>"
    "<script>x()</script><style>@import url(a.css);</style><image href='file:///etc/passwd'/>"
    "<use href='b.svg#a'/><foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>p</p></foreignObject>"
    "<xi:include href='/etc/passwd' parse='text'/><set attributeName='href' to='x'/></svg>")
put("svg", "entities.svg", "<!DOCTYPE svg [<!ENTITY a 'aaaa'>]><svg xmlns='http://www.w3.org/2000/svg'>"
    "<text>&a;</text></svg>")

samples = os.path.join(root, ".samples")
generate.sys.argv = ["generate.py", samples] + ([sys.argv[1]] if len(sys.argv) > 1 else [])
generate.main()
for name in ["hostile.pdf", "truncated.pdf"] + (["japanese.pdf"] if len(sys.argv) > 1 else []):
    put("pdf_text", name, open(os.path.join(samples, name), "rb").read())
put("image", "photo.png", open(os.path.join(samples, "photo.png"), "rb").read())
put("image", "huge.png", generate.png(1, 1)[:16] + struct.pack(">II", 60000, 60000) +
    generate.png(1, 1)[24:])
put("image", "1x1.gif", bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c000000"
                                      "00010001000002024401003b"))
put("image", "2x2.bmp", b"BM" + struct.pack("<IHHI", 70, 0, 0, 54) +
    struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 24, 0, 16, 2835, 2835, 0, 0) + b"\xff\0\0\0\0\xff\0\0" * 2)
put("image", "jpeg-head.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")
put("unpack", "minutes.zip", open(os.path.join(samples, "minutes.zip"), "rb").read())
put("unpack", "eicar-free.zip", generate.zip_of([("a.txt", b"x"), ("../b.txt", b"y"),
                                                 ("/abs/c.txt", b"z")]))
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w:gz") as t:
    for n, kind, link in [("l", tarfile.SYMTYPE, "/etc"), ("h", tarfile.LNKTYPE, "/etc/shadow"),
                          ("d", tarfile.CHRTYPE, "")]:
        i = tarfile.TarInfo(n); i.type = kind; i.linkname = link
        t.addfile(i)
    i = tarfile.TarInfo("f.txt"); i.size = 3
    t.addfile(i, io.BytesIO(b"abc"))
put("unpack", "links.tar.gz", b.getvalue())
put("unpack", "single.gz", zlib.compress(b"hello") )
put("detect", "pdf.pdf", open(os.path.join(samples, "hostile.pdf"), "rb").read()[:400])
put("detect", "pe.exe", b"MZ" + b"\0" * 58 + struct.pack("<I", 64) + b"PE\0\0")
put("detect", "invoice.pdf\xe2\x80\xae.exe".encode("utf-8").decode("utf-8", "replace") + ".bin",
    "invoice\u202efdp.exe " + "text")
put("detect", "zip.zip", open(os.path.join(samples, "minutes.zip"), "rb").read())
put("detect", "a.exe.", b"a.exe. plain text")
# OLE compound files libmagic calls x-ole-storage: the directory reader (olecfb.c)
sys.path.insert(0, os.path.join(here, "..", "office"))
import make_ole_storage  # noqa: E402
make_ole_storage.PAD = 0
put("detect", "ole-contents", make_ole_storage.plain(["Contents"]))
put("detect", "ole-loop", make_ole_storage.plain(["Contents"], loop=True))
put("config", "mugai.conf", open(os.path.join(here, "..", "..", "conf", "mugai.conf"), "rb").read())
put("config", "bad.conf", b"[limits]\npdf_max_pages = -1\n[policy]\npdf = exe\n[x\n")
put("config", "sizes.conf", b"[limits]\ninput_max_size = 18446744073709551615G\nfilter_memory=1K\n")
for i, p in enumerate(["a/b.txt", "../x", "a//b", "/abs", "議事録/第1回.txt", "a\\b", ".", "a/./b",
                       "x" * 300, "ok (2).txt"]):
    put("release_path", "p%02d" % i, p)
# regression: a forged BMP data offset made gdk-pixbuf ask for 4 GiB (fuzz_image)
put("image", "regress-bmp-offset-oom.bmp", bytes.fromhex(
    "424d00940000000000" "1a800028000000" "00ffff00000094000000" "00001a130b00" "400010"))
for i, h in enumerate(["attachment; filename*=UTF-8''%E8%AD%B0%E4%BA%8B%E9%8C%B2.txt",
                       'form-data; name="file"; filename="a b.pdf"', "attachment; filename=x",
                       "filename*=UTF-8''%FF%FE", "/v1/jobs/0123456789abcdef0123456789abcdef",
                       "/v1/jobs/0123456789abcdef0123456789abcdef/artefacts/3",
                       "/v1/jobs/../../etc/passwd", "/v1/jobs/",
                       "/v1/jobs/0123456789abcdef0123456789abcdef/password",
                       "/v1/jobs/0123456789abcdef0123456789abcdef/release-original",
                       "/v1/jobs/0123456789abcdef0123456789abcdef/password/x"]):
    put("http", "h%02d" % i, h)
shutil.rmtree(samples)
# the mail harnesses (mime_unpack, mime_repack)
subprocess.check_call([sys.executable, os.path.join(here, "make-mail-corpus.py")])
