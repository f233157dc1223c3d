#!/usr/bin/env python3
"""Generate the sample inputs used by the README demo and the integration tests.

Nothing here is downloaded; hostile samples are built from their well-known
patterns (the EICAR test string, PDF actions, a fake PE header) so that no
real malware is ever stored in the repository.

usage: generate.py OUTDIR [BINDIR]   (BINDIR holds mkpdf for the Japanese PDF)
"""
import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def pdf_from_objects(objs, root=1, trailer_extra=b""):
    """A PDF with a correct xref table from a list of object bodies (1-based)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, root, trailer_extra, xref))
    return out.getvalue()


def hostile_pdf():
    """OpenAction JavaScript, Launch action, link annotation with URI, page /AA,
    AcroForm, XMP metadata and an embedded file."""
    content = b"BT /F1 24 Tf 72 720 Td (Hostile sample: click here) Tj ET\n" \
              b"0 0 1 rg 72 600 200 40 re f\n"
    embedded = b"Set s = CreateObject(\"WScript.Shell\"): s.Run \"calc\"  ' attached script"
    xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><secret>XMP-SECRET</secret></x:xmpmeta>"
    objs = [
        # 1 catalog
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /EmbeddedFiles 9 0 R "
        b"/JavaScript 12 0 R >> /AcroForm << /Fields [] >> /Metadata 11 0 R "
        b"/AA << /WC 5 0 R >> >>",
        # 2 pages
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        # 3 page
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 8 0 R >> >> /Annots [6 0 R 7 0 R] "
        b"/AA << /O 5 0 R >> >>",
        # 4 content
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        # 5 JavaScript action
        b"<< /Type /Action /S /JavaScript /JS (app.alert('mugai-hostile-js');) >>",
        # 6 link annotation with URI
        b"<< /Type /Annot /Subtype /Link /Rect [72 600 272 640] /Border [0 0 0] "
        b"/A << /S /URI /URI (http://malicious.example/payload) >> >>",
        # 7 link annotation with Launch
        b"<< /Type /Annot /Subtype /Link /Rect [72 500 272 540] "
        b"/A << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc.exe) >> >> >>",
        # 8 font
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        # 9 embedded files name tree
        b"<< /Names [(payload.exe) 10 0 R] >>",
        # 10 filespec
        b"<< /Type /Filespec /F (payload.exe) /EF << /F 13 0 R >> >>",
        # 11 XMP
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp) + xmp +
        b"\nendstream",
        # 12 JavaScript name tree
        b"<< /Names [(init) 5 0 R] >>",
        # 13 embedded file stream
        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(embedded) + embedded +
        b"\nendstream",
    ]
    return pdf_from_objects(objs)


def png(width, height, rgb=(200, 30, 30), extra_chunks=(), trailer=b""):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                              8, 2, 0, 0, 0))
    for kind, data in extra_chunks:
        out += chunk(kind, data)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"") + trailer


def zip_cp932(entries):
    """A ZIP whose names are CP932 without the UTF-8 flag (Japanese Windows)."""
    buf = io.BytesIO()
    orig = zipfile.ZipInfo._encodeFilenameFlags

    def enc(self):
        return self.filename.encode("cp932"), self.flag_bits & ~0x800
    zipfile.ZipInfo._encodeFilenameFlags = enc
    try:
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in entries:
                z.writestr(name, data)
    finally:
        zipfile.ZipInfo._encodeFilenameFlags = orig
    return buf.getvalue()


def zip_of(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def epub_book(chapters):
    """An EPUB 2 book: mimetype first and stored, one XHTML file per chapter."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", "<?xml version='1.0'?><container version='1.0' "
                   "xmlns='urn:oasis:names:tc:opendocument:xmlns:container'><rootfiles><rootfile "
                   "full-path='book.opf' media-type='application/oebps-package+xml'/></rootfiles>"
                   "</container>")
        ids = range(len(chapters))
        z.writestr("book.opf", "<?xml version='1.0'?><package xmlns='http://www.idpf.org/2007/opf' "
                   "version='2.0' unique-identifier='i'><metadata xmlns:dc='http://purl.org/dc/"
                   "elements/1.1/'><dc:identifier id='i'>mugai-sample</dc:identifier><dc:title>"
                   "sample</dc:title><dc:language>ja</dc:language></metadata><manifest>"
                   + "".join("<item id='c%d' href='c%d.xhtml' media-type='application/xhtml+xml'/>"
                             % (i, i) for i in ids) + "</manifest><spine>"
                   + "".join("<itemref idref='c%d'/>" % i for i in ids) + "</spine></package>")
        for i, body in zip(ids, chapters):
            z.writestr("c%d.xhtml" % i, "<?xml version='1.0' encoding='utf-8'?><html xmlns='http://"
                       "www.w3.org/1999/xhtml'><head><title>c</title></head><body>%s</body></html>"
                       % body)
    return buf.getvalue()


def main():
    out = sys.argv[1]
    bindir = sys.argv[2] if len(sys.argv) > 2 else None
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    minutes = "議事録 第1回 会議\n日時: 令和6年4月1日\n出席者: 総務課, 情報政策課\n"
    put("議事録.txt", minutes.replace("\n", "\r\n").encode("cp932"))
    put("予算.csv", "科目,金額\r\n人件費,1200000\r\n委託料,350000\r\n".encode("cp932"))
    put("お知らせ.html", ("<html><head><meta charset='utf-8'><title>お知らせ</title>"
                          "<script>alert('x')</script><style>p{}</style></head><body>"
                          "<h1>窓口の受付時間</h1><p>平日 8:30〜17:15</p>"
                          "<iframe src='http://malicious.example/'></iframe></body></html>"
                          ).encode("utf-8"))
    put("hostile.pdf", hostile_pdf())
    put("photo.png", png(64, 48, extra_chunks=[(b"tEXt", b"Comment\x00SECRET-METADATA")],
                         trailer=b"PK\x03\x04 appended data after IEND"))
    # formats Dangerzone converts: a drawing with a script, a scan, a book
    put("配置図.svg", ("<svg xmlns='http://www.w3.org/2000/svg' width='160' height='60' "
                      "onload=\"alert('x')\"><script>alert('x')</script>"
                      "<rect width='160' height='60' fill='#ffffff'/>"
                      "<text x='8' y='38' font-size='24'>配置図 A-1</text>"
                      "<image href='http://malicious.example/t.png' width='9' height='9'/></svg>"
                      ).encode("utf-8"))
    put("scan.pgm", b"P5\n# scanner\n32 16\n255\n" + bytes(x * 8 for x in range(32)) * 16)
    put("案内.epub", epub_book(["<h1>窓口のご案内</h1><p>受付は平日 8:30〜17:15 です。</p>"
                               "<script>document.write('x')</script>",
                               "<h1>持ち物</h1><p>本人確認書類</p>"
                               "<img src='http://malicious.example/t.png'/>"]))
    put("minutes.zip", zip_cp932([("議事録/第1回議事録.txt", minutes.encode("utf-8")),
                                  ("資料/予算.csv", "科目,金額\n".encode("utf-8"))]))
    # hostile patterns
    put("invoice.pdf.exe", b"MZ" + b"\x00" * 58 + struct.pack("<I", 64) + b"PE\x00\x00")
    put("請求書.pdf", b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" +
        b"\x00" * 200)
    put("eicar.zip", zip_of([("readme.txt", b"clean"), ("eicar.com", EICAR)]))
    put("truncated.pdf", hostile_pdf()[:300])
    put("empty.txt", b"")
    if bindir and os.path.exists(os.path.join(bindir, "mkpdf")):
        subprocess.run([os.path.join(bindir, "mkpdf"), os.path.join(out, "japanese.pdf"),
                        "--pages", "2"], check=True)


if __name__ == "__main__":
    main()
