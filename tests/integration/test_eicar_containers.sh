#!/bin/sh
# EICAR inside zip, nested zip, tar.gz, 7z and as a PDF attachment: blocked.
. "$(dirname "$0")/lib.sh"
eicar "$T/e.com"
python3 - "$T" <<'PY'
import io, sys, tarfile, zipfile, zlib
d = sys.argv[1]
E = open(d + "/e.com", "rb").read()
def zbytes(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in entries:
            z.writestr(n, data)
    return b.getvalue()
open(d + "/eicar.zip", "wb").write(zbytes([("notes.txt", b"clean text\n"), ("eicar.com", E)]))
inner = zbytes([("eicar.com", E)])
mid = zbytes([("inner.zip", inner), ("readme.txt", b"hi\n")])
open(d + "/nested.zip", "wb").write(zbytes([("mid.zip", mid)]))
with tarfile.open(d + "/eicar.tar.gz", "w:gz") as t:
    info = tarfile.TarInfo("dir/eicar.txt"); info.size = len(E)
    t.addfile(info, io.BytesIO(E))
# PDF with the EICAR file attached, Flate-compressed so only a real PDF parser finds it
body = zlib.compress(E)
objs = [b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Names [(eicar.com) 5 0 R] >>",
        b"<< /Type /Filespec /F (eicar.com) /EF << /F 6 0 R >> >>",
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(body)
        + body + b"\nendstream"]
out = io.BytesIO(); out.write(b"%PDF-1.7\n"); offs = []
for i, o in enumerate(objs, 1):
    offs.append(out.tell()); out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
x = out.tell()
out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
for o in offs: out.write(b"%010d 00000 n \n" % o)
out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x))
open(d + "/attachment.pdf", "wb").write(out.getvalue())
PY
check "PDF attachment does not hold EICAR in clear" sh -c "! grep -q EICAR '$T/attachment.pdf'"
(cd "$T" && 7z a -bd -y eicar.7z e.com >/dev/null && rm e.com)
sanitize -o "$T/out" "$T/eicar.zip" "$T/nested.zip" "$T/eicar.tar.gz" "$T/eicar.7z" "$T/attachment.pdf"
check "exit status 1" test "$RC" -eq 1
check "5 reports" test "$(wc -l < "$T/report.jsonl")" -eq 5
check "all blocked with the EICAR signature" report_all \
    'r["verdict"] == "blocked" and "Eicar-Test-Signature.UNOFFICIAL" in r["findings"]'
check "nothing released, not even the clean member of eicar.zip" test -z "$(files_under "$T/out")"
finish
