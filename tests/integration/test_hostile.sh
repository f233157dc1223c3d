#!/bin/sh
# The hostile corpus (issue 6), generated here: for every file, nothing
# dangerous is released, the reason is clear, memory stays bounded and
# nothing is written outside the output directory.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/h" "$T/sentinel"
python3 - "$T/h" <<'PY'
import io, os, struct, sys, zipfile, zlib
d = sys.argv[1]
def put(n, b): open(os.path.join(d, n), "wb").write(b)
def chunk(k, data):
    return struct.pack(">I", len(data)) + k + data + struct.pack(">I", zlib.crc32(k + data) & 0xffffffff)
# PNG declaring 60000 x 60000 pixels (10.8 GB decoded) with a tiny IDAT
put("huge.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
def pdf(objs):
    out = io.BytesIO(); out.write(b"%PDF-1.7\n"); offs = []
    for i, o in enumerate(objs, 1):
        offs.append(out.tell()); out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    x = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offs: out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x))
    return out.getvalue()
page = lambda box: [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R >>" % box,
                    b"<< /Length 20 >>\nstream\n0 0 1 rg 9 9 99 99 re f\nendstream"]
put("page-200in.pdf", pdf(page((14400, 14400))))
small = pdf(page((300, 300)))
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("payload.js", "WScript.Shell.Run('calc')")
put("pdf-with-zip.pdf", small + b.getvalue())
put("script.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
put("image.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
put("update.hta", b"<html><hta:application/><script language='VBScript'>CreateObject(\"WScript.Shell\").Run \"calc\"</script></html>")
put("invoice.js", b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');")
lnk = b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + b"\x00" * 56
put("document.pdf.lnk", lnk)
put("document2.pdf", lnk)
put("report.pdf", b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x00" * 200)
PY
"$MUGAI_BIN/mkpdf" "$T/h/pages-300.pdf" --pages 300 > /dev/null
printf '[limits]\npdf_max_pages = 100\n' > "$T/small.conf"

set +e
python3 "$MUGAI_SRC/tests/integration/measure.py" "$T/m.json" \
    "$MUGAI" sanitize --json --database "$MUGAI_TESTDB" -o "$T/out" \
    "$T"/h/*.hta "$T"/h/*.js "$T"/h/*.lnk "$T/h/document2.pdf" "$T/h/report.pdf" "$T/h/huge.png" \
    "$T/h/page-200in.pdf" 2> "$T/err"
set -e
cp "$T/m.json.stdout" "$T/report.jsonl"
check "droppers, spoofed types, huge image, huge page: all blocked with a reason" report_all \
    'r["verdict"] == "blocked" and len(r["reason"]) > 8 and r["artefacts"] == []'
check "60000x60000 PNG refused before decoding" grep -q "image-too-large" "$T/report.jsonl"
check "200-inch page refused" grep -q "pdf-page-too-large" "$T/report.jsonl"
check "peak RSS under 512 MiB" python3 -c "import json; exit(0 if json.load(open('$T/m.json'))['maxrss_kib'] < 512 * 1024 else 1)"
check "nothing released" test -z "$(files_under "$T/out" 2>/dev/null)"

# an SVG with a script (also named .jpg) is drawn without it (issue 14)
sanitize -o "$T/o1" "$T"/h/*.svg "$T"/h/*.jpg
check "SVG with a script: released as PNG, the script removed" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"].endswith(".png") and "removed: 1 element(s)" in r["items"][0]["filter_note"]'
check "no script in the PNGs" sh -c "! grep -aq alert '$T/o1'/*.png"

sanitize -o "$T/o2" "$T/h/pdf-with-zip.pdf"
check "PDF with a ZIP appended: released as image PDF" report_all 'r["verdict"] == "released"'
check "the appended ZIP is gone" sh -c "! grep -aq -e payload.js -e 'PK' '$T/o2/pdf-with-zip.pdf'"

sanitize --config "$T/small.conf" -o "$T/o3" "$T/h/pages-300.pdf"
check "300 pages over pdf_max_pages = 100: blocked" report_all \
    'r["verdict"] == "blocked" and "pdf-too-many-pages" in r["reason"]'
set +e
python3 "$MUGAI_SRC/tests/integration/measure.py" "$T/m2.json" \
    "$MUGAI" sanitize --json --mode text --database "$MUGAI_TESTDB" -o "$T/o4" "$T/h/pages-300.pdf"
set -e
cp "$T/m2.json.stdout" "$T/report.jsonl"
check "300 pages in text mode: released" report_all 'r["verdict"] == "released"'
check "300 pages: 299 form feeds" sh -c "[ \$(tr -cd '\f' < '$T/o4/pages-300_pdf.txt' | wc -c) -ge 299 ]"
check "300 pages: peak RSS under 512 MiB" python3 -c "import json; exit(0 if json.load(open('$T/m2.json'))['maxrss_kib'] < 512 * 1024 else 1)"
check "nothing written outside the output directories" test -z "$(ls -A "$T/sentinel")"
finish
