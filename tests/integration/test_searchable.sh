#!/bin/sh
# Searchable image PDFs (issue 17): born-digital pages keep their text as an
# invisible layer placed where poppler found it; the PDF is still nothing
# but one image per page and one glyphless font.
. "$(dirname "$0")/lib.sh"
CMP="python3 $MUGAI_SRC/tests/integration/searchable_compare.py"
TASN1=/usr/share/doc/libtasn1-doc/libtasn1.pdf

# ratio_at_least MIN CMP-ARGS...: the compare script's "min=" line >= MIN
ratio_at_least() {
    min=$1; shift
    $CMP "$@" > "$T/cmp.txt"
    got=$(sed -n 's/^min=//p' "$T/cmp.txt")
    echo "  $1 $(basename "$3"): min=$got"
    python3 -c "import sys; sys.exit(0 if float('$got') >= float('$min') else 1)" || {
        sed 's/^/  /' "$T/cmp.txt" | head -20
        return 1
    }
}

# the output is an image PDF: one image per page, only the glyphless font,
# no active content
image_pdf_checks() { # NAME OUT.pdf SOURCE.pdf
    name=$1 out=$2 src=$3
    pages=$(pdfinfo "$src" | sed -n 's/^Pages: *//p')
    check "$name: as many pages as the source" sh -c "pdfinfo '$out' | grep -q '^Pages: *$pages\$'"
    check "$name: every page is one image" sh -c \
        "[ \"\$(pdfimages -list '$out' | awk 'NR > 2 { print \$1 }' | uniq -c | awk '\$1 == 1' | wc -l)\" -eq $pages ] &&
         [ \"\$(pdfimages -list '$out' | awk 'NR > 2' | wc -l)\" -eq $pages ]"
    check "$name: pdffonts lists only the glyphless font" sh -c \
        "[ \"\$(pdffonts '$out' | awk 'NR > 2 { print \$1 }' | sort -u)\" = GlyphLessFont ]"
    check "$name: qpdf finds no errors" sh -c "qpdf --check '$out' > /dev/null"
    qpdf --qdf --object-streams=disable "$out" "$T/qdf.pdf"
    for s in /JavaScript /JS /OpenAction /AA /Launch /URI /EmbeddedFile /AcroForm /Annots \
             /Metadata /XFA /RichMedia; do
        check "$name: no $s" sh -c "! grep -aq -- '$s' '$T/qdf.pdf'"
    done
}

# --- born-digital: a real multi-page manual ------------------------------
sanitize --json -o "$T/tasn1" "$TASN1"
check "libtasn1.pdf released as an image PDF" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "image-pdf"'
check "the report counts the pages with a text layer from the source" report_all \
    '"text layer: 36 from the source, 0 by OCR (0 vertical)" in r["items"][0]["filter_note"]'
out="$T/tasn1/libtasn1.pdf"
image_pdf_checks libtasn1 "$out" "$TASN1"
# pdftotext orders the lines of a page by its own heuristics, in part from
# font metrics the glyphless font does not have; its -layout mode orders
# them by position.  Every page must match in one of the two.
check "libtasn1: pdftotext of every page >= 98% similar to the source's" \
    ratio_at_least 0.98 text "$TASN1" "$out"
check "libtasn1: pdftotext -bbox-layout lines within 2 pt of the source's (>= 99%)" \
    ratio_at_least 0.99 boxes "$TASN1" "$out"

# --- born-digital: Japanese, horizontal and vertical ---------------------
"$MUGAI_BIN/mkjapanese" "$T/ja.pdf" --pages 2
"$MUGAI_BIN/mkjapanese" "$T/jav.pdf" --vertical
sanitize --json -o "$T/ja" "$T/ja.pdf" "$T/jav.pdf"
check "Japanese PDFs released" report_all 'r["verdict"] == "released"'
for f in ja jav; do
    image_pdf_checks "$f" "$T/ja/$f.pdf" "$T/$f.pdf"
    check "$f: pdftotext of every page >= 98% similar to the source's" \
        ratio_at_least 0.98 text "$T/$f.pdf" "$T/ja/$f.pdf"
    check "$f: every pdftotext -bbox-layout line within 2 pt of the source's" \
        ratio_at_least 1.0 boxes "$T/$f.pdf" "$T/ja/$f.pdf"
done
check "ja: the text layer holds the Japanese text" sh -c \
    "pdftotext '$T/ja/ja.pdf' - | grep -q '令和六年度の住民税の申告受付を次のとおり行います。'"
check "ja: no space inserted between CJK characters" python3 -c "
import re, subprocess, sys
t = subprocess.run(['pdftotext', '$T/ja/ja.pdf', '-'], capture_output=True, text=True).stdout
cjk = '[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]'
bad = re.findall(cjk + '[ \t]+' + cjk, t)
print('  spaces between CJK characters:', len(bad), bad[:3])
sys.exit(1 if bad or len(t) < 200 else 0)"

# --- a broken font map: the page text is private-use garbage -> OCR -------
# (every ToUnicode destination moved into U+E000..: what poppler reports is
# not the text that is shown)
"$MUGAI_BIN/mkjapanese" "$T/fm.pdf" --text-out "$T/fm.txt"
qpdf --qdf --object-streams=disable "$T/fm.pdf" "$T/fm-qdf.pdf"
python3 -c "
import re
s = open('$T/fm-qdf.pdf', 'rb').read()
s = re.sub(rb'(<[0-9a-fA-F]+> )<([0-9a-fA-F]{4})>',
           lambda m: m.group(1) + b'<%04x>' % (0xE000 + int(m.group(2), 16) % 0x1000), s)
open('$T/fm-bad.pdf', 'wb').write(s)"
fix-qdf "$T/fm-bad.pdf" > "$T/fontmap.pdf"
check "the broken font map yields private-use text" python3 -c "
import subprocess, sys
t = subprocess.run(['pdftotext', '$T/fontmap.pdf', '-'], capture_output=True, text=True).stdout
pua = sum(0xE000 <= ord(c) <= 0xF8FF for c in t)
sys.exit(0 if pua > 100 else 1)"
sanitize --json -o "$T/fm" "$T/fontmap.pdf"
check "broken font map: the page is read by OCR instead" report_all \
    'r["verdict"] == "released" and "text layer: 0 from the source, 1 by OCR" in r["items"][0]["filter_note"]'
check "broken font map: the OCR text >= 95% similar to the text shown" \
    ratio_at_least 0.95 ocr "$T/fm.txt" "$T/fm/fontmap.pdf"

# --- scanned: OCR (Tesseract, jpn+eng psm 3; jpn_vert psm 5 when vertical) --
# pages of Japanese text rendered to an 8-bit gray bitmap at 200 dpi and
# wrapped as an image-only PDF; --text-out is the text that was set
"$MUGAI_BIN/mkjapanese" "$T/scan.pdf" --scan 200 --text-out "$T/scan.txt"
"$MUGAI_BIN/mkjapanese" "$T/vscan.pdf" --vertical --scan 200 --text-out "$T/vscan.txt"
check "the scans have no text of their own" sh -c \
    "[ -z \"\$(pdftotext '$T/scan.pdf' - | tr -d '[:space:]')\" ] &&
     [ -z \"\$(pdftotext '$T/vscan.pdf' - | tr -d '[:space:]')\" ]"
sanitize --json -o "$T/ocr" "$T/scan.pdf" "$T/vscan.pdf"
check "scans released as image PDFs" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "image-pdf"'
check "the report counts the page read by OCR, and the vertical one" report_all \
    '"text layer: 0 from the source, 1 by OCR (%d vertical)" % (1 if r["name"] == "vscan.pdf" else 0) in r["items"][0]["filter_note"]'
for f in scan vscan; do
    image_pdf_checks "$f" "$T/ocr/$f.pdf" "$T/$f.pdf"
    check "$f: OCR text >= 95% similar to the text that was set" \
        ratio_at_least 0.95 ocr "$T/$f.txt" "$T/ocr/$f.pdf"
done

# text mode on a scan: the OCR text instead of nothing
sanitize --json --mode text -o "$T/ocrtext" "$T/scan.pdf"
check "text mode on a scan: released, by OCR" report_all \
    'r["verdict"] == "released" and "1 of them by OCR" in r["items"][0]["filter_note"]'
check "text mode on a scan: the OCR text >= 95% similar" python3 -c "
import sys
sys.path.insert(0, '$MUGAI_SRC/tests/integration')
import searchable_compare as c
r = c.ratio(open('$T/scan.txt').read(), open('$T/ocrtext/scan_pdf.txt').read())
print('  text mode OCR ratio %.4f' % r)
sys.exit(0 if r >= 0.95 else 1)"

# a page over the OCR deadline keeps its image and loses only its text; a
# deadline of 1 ms cannot be met (rendering the OCR bitmap alone takes longer)
printf '[limits]\nocr_page_timeout = 1\n' > "$T/late.conf"
sanitize --json --config "$T/late.conf" -o "$T/late" "$T/scan.pdf"
check "OCR deadline: released, with a note" report_all \
    'r["verdict"] == "released" and "OCR deadline passed, image without text: page 1" in r["items"][0]["filter_note"]'
check "OCR deadline: the page image, no text" sh -c \
    "[ \"\$(pdfimages -list '$T/late/scan.pdf' | awk 'NR > 2' | wc -l)\" -eq 1 ] &&
     [ -z \"\$(pdftotext '$T/late/scan.pdf' - | tr -d '[:space:]')\" ]"
check "OCR deadline: no font at all" sh -c "[ \"\$(pdffonts '$T/late/scan.pdf' | awk 'NR > 2' | wc -l)\" -eq 0 ]"

# ocr = off: a scan stays an image without text
printf '[policy]\nocr = off\n' > "$T/noocr.conf"
sanitize --json --config "$T/noocr.conf" -o "$T/noocr" "$T/scan.pdf"
check "ocr = off: no text layer on a scan" sh -c \
    "[ -z \"\$(pdftotext '$T/noocr/scan.pdf' - | tr -d '[:space:]')\" ]"

finish
