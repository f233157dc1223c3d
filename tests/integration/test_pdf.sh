#!/bin/sh
# PDFs: a hostile PDF comes out as an image PDF with none of its active
# content; a Japanese PDF comes out in text mode with its text intact.
. "$(dirname "$0")/lib.sh"
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" "$MUGAI_BIN" > /dev/null
check "hostile sample holds the active content" sh -c \
    "grep -aq /JavaScript '$T/s/hostile.pdf' && grep -aq /Launch '$T/s/hostile.pdf' && grep -aq /EmbeddedFile '$T/s/hostile.pdf'"

sanitize --mode image-pdf -o "$T/img" "$T/s/hostile.pdf"
check "hostile.pdf released as image PDF" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "image-pdf" and r["artefacts"][0]["path"] == "hostile.pdf"'
out="$T/img/hostile.pdf"
qpdf --qdf --object-streams=disable "$out" "$T/qdf.pdf"
for s in /JavaScript /JS /OpenAction /AA /Launch /URI /EmbeddedFile /AcroForm /Annots /Metadata \
         mugai-hostile-js XMP-SECRET malicious.example cmd.exe; do
    check "no $s in the expanded image PDF" sh -c "! grep -aq -- '$s' '$T/qdf.pdf'"
done
# its text layer (issue 17) is the page's text as poppler sees it, nothing else
check "the image PDF's text layer is the page text" sh -c \
    "[ \"\$(pdftotext '$out' - | tr -d '[:space:]')\" = \"\$(pdftotext '$T/s/hostile.pdf' - | tr -d '[:space:]')\" ]"
printf '[policy]\npdf_text_layer = off\n' > "$T/notext.conf"
sanitize --config "$T/notext.conf" --mode image-pdf -o "$T/img-notext" "$T/s/hostile.pdf"
check "pdf_text_layer = off: no text layer" sh -c \
    "[ -z \"\$(pdftotext '$T/img-notext/hostile.pdf' - | tr -d '[:space:]')\" ]"
check "one page, like the original" sh -c "pdfinfo '$out' | grep -q '^Pages: *1$'"
pdftoppm -r 20 -gray "$out" "$T/page"
check "the page image is not blank" python3 -c "
import sys
d = open('$T/page-1.pgm', 'rb').read().split(b'\n', 3)[3]
sys.exit(0 if min(d) < 128 else 1)"

sanitize -o "$T/auto" "$T/s/hostile.pdf"
check "auto mode renders PDFs to image PDF (default policy)" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "image-pdf"'

sanitize --mode text -o "$T/txt" "$T/s/japanese.pdf"
check "Japanese PDF released in text mode" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"] == "japanese_pdf.txt"'
check "Japanese text intact" grep -q "議事録" "$T/txt/japanese_pdf.txt"
check "pages separated by form feed" sh -c "tr -cd '\f' < '$T/txt/japanese_pdf.txt' | grep -q ."

sanitize --mode text -o "$T/t2" "$T/s/hostile.pdf"
check "hostile PDF in text mode: text only" sh -c \
    "grep -q 'Hostile sample' '$T/t2/hostile_pdf.txt' && ! grep -q 'app.alert' '$T/t2/hostile_pdf.txt'"
# an encrypted PDF: held without its password, rendered with it
qpdf --encrypt kaigi kaigi-owner 256 -- "$T/s/japanese.pdf" "$T/locked.pdf"
sanitize -o "$T/locked-held" "$T/locked.pdf"
check "encrypted PDF held without the password" report_all \
    'r["verdict"] == "held" and not r["artefacts"]'
sanitize --password kaigi -o "$T/locked-open" "$T/locked.pdf"
check "encrypted PDF released as image PDF with --password" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "image-pdf"'
finish
