#!/bin/sh
# Font substitution inside the sandbox, on a machine with many fonts (issue
# 14 point 1): PDFs that name fonts without embedding them — Helvetica and
# Times-Roman, MS-Mincho and MS-Gothic as most Japanese office PDFs do — are
# rendered and read.  With more than 128 fonts fontconfig's sort goes
# through glibc's qsort, which calls sysinfo(): once a forbidden call, every
# such PDF failed with filter-sandbox-violation (SIGSYS).
. "$(dirname "$0")/lib.sh"
nfonts=$(fc-list | wc -l)
check "more than 128 fonts installed (scripts/setup-deps.sh; $nfonts here)" [ "$nfonts" -gt 128 ]
check "a Japanese fallback font (Noto CJK) is installed" sh -c "fc-list :lang=ja | grep -qi 'Noto Sans CJK'"
python3 "$MUGAI_SRC/tests/integration/make_font_pdfs.py" "$T/s"
check "the fonts are not embedded" sh -c \
    "pdffonts '$T/s/ms-fonts.pdf' | grep -q 'MS-Mincho.* no  no' && pdffonts '$T/s/standard-font.pdf' | grep -q 'Helvetica.* no  no'"

# dark pixels in the page image (a substituted font drew the text)
not_blank() { # PDF
    rm -f "$T"/page-*.pgm
    pdftoppm -r 30 -gray "$1" "$T/page" &&
    python3 -c "
import sys
d = open(sys.argv[1], 'rb').read().split(b'\n', 3)[3]
sys.exit(0 if sum(1 for b in d if b < 128) > 50 else 1)" "$T"/page-1.pgm
}

for f in standard-font ms-fonts; do
    sanitize -o "$T/img-$f" "$T/s/$f.pdf"
    check "$f.pdf released as image PDF" report_all \
        'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "image-pdf"'
    check "$f.pdf: no sandbox violation" sh -c "! grep -q sandbox-violation '$T/report.jsonl'"
    check "$f.pdf: the text was drawn" not_blank "$T/img-$f/$f.pdf"
    sanitize --mode text -o "$T/txt-$f" "$T/s/$f.pdf"
    check "$f.pdf released in text mode" report_all 'r["verdict"] == "released"'
done
check "standard fonts: the text" grep -q "Standard font, not embedded" "$T/txt-standard-font/standard-font_pdf.txt"
check "MS-Mincho: the text" grep -q "議事録" "$T/txt-ms-fonts/ms-fonts_pdf.txt"
check "MS-Gothic: the text" grep -q "明朝とゴシック" "$T/txt-ms-fonts/ms-fonts_pdf.txt"
finish
