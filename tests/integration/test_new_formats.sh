#!/bin/sh
# Formats Dangerzone converts (issue 14 point 4), through `mugai sanitize`
# and the sandboxed filters: netpbm (PBM, PGM, PPM) and SVG become PNGs,
# EPUB an image PDF (its text in --mode text); their hostile variants are
# refused with a reason or come out without their active parts.
# (On main before this change all three types were blocked: SVG as a
# dangerous extension, EPUB and netpbm as unknown types.)
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/in"
python3 - "$T" <<'PY'
import os, struct, sys, zipfile, zlib
t = sys.argv[1]
d = os.path.join(t, "in")
def put(n, b): open(os.path.join(d, n), "wb").write(b)
def chunk(k, data):
    return struct.pack(">I", len(data)) + k + data + struct.pack(">I", zlib.crc32(k + data) & 0xffffffff)
# a green PNG and a secret outside the inputs, for the drawing to point at
green = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
         + chunk(b"IDAT", zlib.compress((b"\0" + b"\0\xff\0" * 4) * 4)) + chunk(b"IEND", b""))
open(os.path.join(t, "green.png"), "wb").write(green)
open(os.path.join(t, "secret.txt"), "w").write("XXXXXXXXXXXXXXXX")
# netpbm
put("photo.ppm", b"P6\n# SECRET-COMMENT\n3 2\n255\n" + bytes([255, 0, 0, 0, 255, 0, 0, 0, 255] * 2)
    + b"SECRET-TRAILER")
put("scan.pbm", b"P4\n16 2\n\xf0\x0f\x0f\xf0")
put("gray.pgm", b"P2\n2 1\n65535\n0 65535\n")
put("huge.ppm", b"P6\n60000 60000\n255\n" + b"\0" * 64)
put("trunc.pgm", b"P5\n8 8\n255\n" + b"\x10" * 20)
put("maxval0.pgm", b"P5\n1 1\n0\n\0")
put("maxval70000.ppm", b"P6\n1 1\n70000\n" + b"\0" * 6)
# SVG: every way in to the green picture and the secret
svg = ("<?xml version='1.0'?>\n"
       "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"
       " xmlns:xi='http://www.w3.org/2001/XInclude' width='60' height='40'"
       " onload=\"alert('mugai-onload')\">"
       "<script>alert('mugai-script')</script>"
       "<rect width='60' height='40' fill='#ffffff'/>"
       "<image x='0' y='0' width='20' height='20' href='file://%s/green.png'/>"
       "<image x='20' y='0' width='20' height='20' xlink:href='%s/green.png'/>"
       "<image x='40' y='0' width='20' height='20' href='http://127.0.0.1:9/green.png'/>"
       "<image width='1' height='1' href='file:///etc/passwd'/>"
       "<foreignObject x='0' y='20' width='60' height='20'><div xmlns='http://www.w3.org/1999/xhtml'"
       " style='background:#00ff00;width:60px;height:20px'>x</div></foreignObject>"
       "<text x='0' y='38' font-size='16'><xi:include href='file://%s/secret.txt'"
       " parse='text'/></text>"
       "<rect x='25' y='25' width='10' height='10' fill='#0000ff'/></svg>") % (t, t, t)
put("drawing.svg", svg.encode())
put("logo.jpg", svg.encode())    # an SVG named .jpg: the content decides
# text: pango starts a thread of its own (sandbox: prctl PR_SET_NAME)
put("text.svg", "<svg xmlns='http://www.w3.org/2000/svg' width='120' height='40'><rect width='120'"
    " height='40' fill='#ffffff'/><text x='4' y='30' font-size='24'>図面 A</text></svg>".encode())
put("laughs.svg", b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'ha'><!ENTITY b '&a;&a;&a;&a;'>]>"
    b"<svg xmlns='http://www.w3.org/2000/svg'><text>&b;</text></svg>")
put("big.svg", b"<svg xmlns='http://www.w3.org/2000/svg' width='90000' height='90000'/>")
# EPUB with scripts and references outside the book
def epub(name, chapters):
    with zipfile.ZipFile(os.path.join(d, name), "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", "<?xml version='1.0'?><container version='1.0' "
                   "xmlns='urn:oasis:names:tc:opendocument:xmlns:container'><rootfiles><rootfile "
                   "full-path='OEBPS/content.opf' media-type='application/oebps-package+xml'/>"
                   "</rootfiles></container>")
        items = "".join("<item id='c%d' href='c%d.xhtml' media-type='application/xhtml+xml'/>"
                        % (i, i) for i in range(len(chapters)))
        spine = "".join("<itemref idref='c%d'/>" % i for i in range(len(chapters)))
        z.writestr("OEBPS/content.opf", "<?xml version='1.0'?><package xmlns='http://www.idpf.org/"
                   "2007/opf' version='2.0' unique-identifier='id'><metadata xmlns:dc='http://purl."
                   "org/dc/elements/1.1/'><dc:identifier id='id'>x</dc:identifier><dc:title>t"
                   "</dc:title></metadata><manifest>" + items + "</manifest><spine>" + spine
                   + "</spine></package>")
        for i, c in enumerate(chapters):
            z.writestr("OEBPS/c%d.xhtml" % i, "<?xml version='1.0' encoding='utf-8'?><html xmlns="
                       "'http://www.w3.org/1999/xhtml'><head><title>c</title>"
                       "<script>document.write('MUGAI-SCRIPT-RAN')</script></head><body>" + c
                       + "</body></html>")
# a zip bomb: 64 MiB of spaces in one chapter, about 64 KiB compressed
with zipfile.ZipFile(os.path.join(d, "bomb.epub"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
    z.writestr("OEBPS/c0.xhtml", b"<html>" + b" " * (64 << 20) + b"</html>")
# the first chapter is Japanese only: its page is blank unless CJK text is drawn
epub("book.epub", ["<h1>お知らせ</h1><p>無害化された電子書籍です。</p>"
                   "<script>var s = 'MUGAI-SCRIPT-SOURCE';</script>",
                   "<h1>Chapter Two</h1><p>Second chapter.</p>"
                   "<img src='file:///etc/passwd'/><img src='http://127.0.0.1:9/t.png'/>"])
PY

# $T/pixel FILE X Y: a PNG's pixel as RRGGBB (8-bit RGB, RGBA or grey, any
# filter); X Y = -1 -1: the darkest channel value in the picture (RR)
cat > "$T/pixel.py" <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
x, y = int(sys.argv[2]), int(sys.argv[3])
assert b[:8] == b"\x89PNG\r\n\x1a\n"
w, h, depth, ctype = struct.unpack(">IIBB", b[16:26])
assert depth == 8
bpp = {0: 1, 2: 3, 6: 4}[ctype]
data, o = b"", 8
while o < len(b):
    n = struct.unpack(">I", b[o:o + 4])[0]
    if b[o + 4:o + 8] == b"IDAT":
        data += b[o + 8:o + 8 + n]
    o += 12 + n
raw, rows, prev = zlib.decompress(data), [], bytearray(w * bpp)
for r in range(h):
    f, line = raw[r * (w * bpp + 1)], bytearray(raw[r * (w * bpp + 1) + 1:(r + 1) * (w * bpp + 1)])
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        c = prev[i - bpp] if i >= bpp else 0
        p = a + prev[i] - c
        pred = [0, a, prev[i], (a + prev[i]) // 2,
                a if abs(p - a) <= abs(p - prev[i]) and abs(p - a) <= abs(p - c)
                else prev[i] if abs(p - prev[i]) <= abs(p - c) else c][f]
        line[i] = (line[i] + pred) & 0xff
    rows.append(line)
    prev = line
if x < 0:  # "-1 -1": the darkest channel value of the whole picture
    print("%02x" % min(min(r[i] for i in range(len(r)) if ctype != 6 or i % 4 != 3) for r in rows))
    sys.exit(0)
px = rows[y][x * bpp:(x + 1) * bpp]
print("%02x%02x%02x" % ((px[0],) * 3 if ctype == 0 else tuple(px[:3])))
PY
printf '#!/bin/sh\nexec python3 "%s/pixel.py" "$@"\n' "$T" > "$T/pixel"
chmod +x "$T/pixel"

# artefact NAME: the released path (under -o) of input NAME in the last
# report (whatever the naming scheme: photo.png or photo_ppm.png)
artefact() {
    python3 - "$T/report.jsonl" "$1" <<'PY'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if r["name"] == sys.argv[2] and r["artefacts"]:
        print(r["artefacts"][0]["path"])
PY
}

sanitize -o "$T/out" "$T/in/photo.ppm" "$T/in/scan.pbm" "$T/in/gray.pgm"
photo="$T/out/$(artefact photo.ppm)"
scan="$T/out/$(artefact scan.pbm)"
check "netpbm: each released as a PNG by the sandboxed netpbm filter" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"].startswith(r["name"][:4]) and r["artefacts"][0]["path"].endswith(".png") and r["artefacts"][0]["mode"] == "reencode" and r["items"][0]["filter"] == "netpbm" and "seccomp" in r["items"][0]["sandbox"]'
check "photo.ppm -> PNG, red first pixel" sh -c "[ \$('$T/pixel' '$photo' 0 0) = ff0000 ]"
check "photo.png: blue third pixel" sh -c "[ \$('$T/pixel' '$photo' 2 1) = 0000ff ]"
check "no comment or trailing bytes in photo.png" sh -c "! grep -aq SECRET '$photo'"
check "scan.pbm: 1 bits black" sh -c "[ \$('$T/pixel' '$scan' 0 0) = 000000 ] && [ \$('$T/pixel' '$scan' 4 0) = ffffff ]"

for f in huge.ppm trunc.pgm maxval0.pgm maxval70000.ppm; do
    sanitize -o "$T/out-$f" "$T/in/$f"
    check "$f: nothing released" sh -c "[ $RC -eq 1 ] && [ -z \"\$(ls -A '$T/out-$f' 2>/dev/null)\" ]"
done
sanitize -o "$T/o" "$T/in/huge.ppm"
check "60000x60000 PPM blocked before any pixel" report_all \
    'r["verdict"] == "blocked" and "image-too-large" in r["reason"]'
sanitize -o "$T/o" "$T/in/trunc.pgm"
check "truncated PGM failed" report_all 'r["verdict"] == "failed" and "netpbm-truncated" in r["reason"]'
sanitize -o "$T/o" "$T/in/maxval0.pgm" "$T/in/maxval70000.ppm"
check "maxval 0 and 70000 failed" report_all \
    'r["verdict"] == "failed" and "netpbm-bad-maxval" in r["reason"]'

sanitize -o "$T/svg" "$T/in/drawing.svg" "$T/in/logo.jpg"
drawing="$T/svg/$(artefact drawing.svg)"
check "SVG (and an SVG named .jpg) released as PNG" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"][:4] in ("draw", "logo") and r["artefacts"][0]["path"].endswith(".png") and r["items"][0]["filter"] == "svg" and "mountns" in r["items"][0]["sandbox"]'
check "the filter says what it removed" report_all \
    '"removed: 3 element(s), 1 event handler(s), 4 reference(s)" in r["items"][0]["filter_note"]'
check "drawn: the blue square" sh -c "[ \$('$T/pixel' '$drawing' 30 30) = 0000ff ]"
for xy in "10 10" "30 10" "50 10" "5 25" "55 25"; do
    check "nothing loaded or drawn at $xy (files, URL, foreignObject)" \
        sh -c "[ \$('$T/pixel' '$drawing' $xy) = ffffff ]"
done
check "no XInclude'd text (row 35 white)" sh -c \
    "for x in 0 4 8 12 16 20; do [ \$('$T/pixel' '$drawing' \$x 35) = ffffff ] || exit 1; done"
check "no script in the PNG" sh -c "! grep -aq -e mugai-script -e mugai-onload '$drawing'"
sanitize -o "$T/svg-text" "$T/in/text.svg"
text_png="$T/svg-text/$(artefact text.svg)"
check "SVG with Japanese text: released" report_all 'r["verdict"] == "released"'
check "the text is drawn" sh -c "[ \$('$T/pixel' '$text_png' -1 -1) \< 40 ]"
sanitize -o "$T/svg2" "$T/in/laughs.svg" "$T/in/big.svg"
check "SVG with entities, oversized SVG: blocked with a reason" report_all \
    'r["verdict"] == "blocked" and ("svg-dtd" in r["reason"] or "image-too-large" in r["reason"]) and not r["artefacts"]'

sanitize -o "$T/epub" "$T/in/book.epub"
book="$T/epub/$(artefact book.epub)"
check "EPUB released as an image PDF (epub-pdf, then pdf-image)" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"].startswith("book") and r["artefacts"][0]["path"].endswith(".pdf") and r["artefacts"][0]["mode"] == "image-pdf" and r["items"][0]["filter"] == "epub-pdf,pdf-image"'
check "two chapters, two pages or more" sh -c "[ \$(pdfinfo '$book' | sed -n 's/^Pages: *//p') -ge 2 ]"
check "the image PDF has no font of the book, only the glyphless text layer" sh -c \
    "[ \"\$(pdffonts '$book' | awk 'NR > 2 { print \$1 }' | sort -u)\" = GlyphLessFont ]"
pdftoppm -r 30 -gray -f 1 -l 1 "$book" "$T/page" || true
check "the first page (Japanese text only) is not blank" python3 -c "
import glob, sys
d = open(glob.glob('$T/page*.pgm')[0], 'rb').read().split(b'\n', 3)[3]
sys.exit(0 if min(d) < 128 else 1)"
sanitize --mode text -o "$T/epub-t" "$T/in/book.epub"
book_txt="$T/epub-t/$(artefact book.epub)"
check "EPUB in text mode: book.txt" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"].startswith("book") and r["artefacts"][0]["path"].endswith(".txt") and r["items"][0]["filter"] == "epub-pdf,pdf-text"'
check "its Japanese text" grep -q "無害化された電子書籍です" "$book_txt"
check "both chapters" grep -q "Chapter Two" "$book_txt"
check "no script ran or shows" sh -c "! grep -q MUGAI-SCRIPT '$book_txt'"
sanitize -o "$T/bomb" "$T/in/bomb.epub"
check "EPUB zip bomb blocked before MuPDF inflates it" report_all \
    'r["verdict"] == "blocked" and "epub-too-large" in r["reason"] and not r["artefacts"]'
printf '[policy]\nepub = block\nsvg = block\n' > "$T/block.conf"
sanitize --config "$T/block.conf" -o "$T/blocked" "$T/in/book.epub" "$T/in/drawing.svg"
check "[policy] epub = block, svg = block" report_all \
    'r["verdict"] == "blocked" and "policy: [policy]" in r["reason"]'
finish
