#!/usr/bin/env python3
"""Write one-page PDFs whose fonts are named but not embedded, so that the
renderer must substitute a font from the machine (fontconfig):

  standard-font.pdf  Helvetica and Times-Roman (Type1, WinAnsiEncoding)
  ms-fonts.pdf       MS-Mincho and MS-Gothic (Type0/CIDFontType2, Adobe-Japan1,
                     90ms-RKSJ-H: Shift_JIS text), as most Japanese office PDFs are

usage: make_font_pdfs.py OUTDIR
"""
import os
import sys


def pdf(objects):
    """objects: list of bytes (bodies of objects 1..n); 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def stream(content):
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def page_doc(fonts, content):
    """fonts: {name: object index}; the font objects follow the page's 4."""
    res = b" ".join(b"/%s %d 0 R" % (k.encode(), v) for k, v in fonts.items())
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << " + res + b" >> >> /Contents 4 0 R >>",
        stream(content),
    ]


def standard_font():
    content = (b"BT /F1 24 Tf 72 760 Td (Standard font, not embedded) Tj ET\n"
               b"BT /F2 18 Tf 72 720 Td (Helvetica and Times-Roman substituted) Tj ET\n")
    objs = page_doc({"F1": 5, "F2": 6}, content)
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                b"/Encoding /WinAnsiEncoding >>")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman "
                b"/Encoding /WinAnsiEncoding >>")
    return pdf(objs)


def cid_font(objs, base, desc_index):
    """a Type0 font over a non-embedded CIDFontType2 (objects desc_index, +1)"""
    objs.append(b"<< /Type /Font /Subtype /Type0 /BaseFont /" + base +
                b" /Encoding /90ms-RKSJ-H /DescendantFonts [%d 0 R] >>" % desc_index)


def ms_fonts():
    mincho = "議事録　令和六年度".encode("shift_jis")
    gothic = "会議資料　明朝とゴシック".encode("shift_jis")

    def lit(b):
        return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    content = (b"BT /F1 24 Tf 72 760 Td " + lit(mincho) + b" Tj ET\n"
               b"BT /F2 24 Tf 72 720 Td " + lit(gothic) + b" Tj ET\n")
    objs = page_doc({"F1": 5, "F2": 6}, content)
    cid_font(objs, b"MS-Mincho", 7)
    cid_font(objs, b"MS-Gothic", 8)
    for base, fd in ((b"MS-Mincho", 9), (b"MS-Gothic", 10)):
        objs.append(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /" + base +
                    b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) "
                    b"/Supplement 2 >> /FontDescriptor %d 0 R /DW 1000 >>" % fd)
    for base, flags in ((b"MS-Mincho", 6), (b"MS-Gothic", 4)):
        objs.append(b"<< /Type /FontDescriptor /FontName /" + base +
                    b" /Flags %d /FontBBox [0 -141 1000 859] /ItalicAngle 0 "
                    b"/Ascent 859 /Descent -141 /CapHeight 769 /StemV 78 >>" % flags)
    return pdf(objs)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in (("standard-font.pdf", standard_font()), ("ms-fonts.pdf", ms_fonts())):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
