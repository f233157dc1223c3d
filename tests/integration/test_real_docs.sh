#!/bin/sh
# Documents other people made, on a machine with many fonts (issue 14):
# PDFs that Debian's -doc packages install, LibreOffice's own Writer,
# Impress and Calc templates, the same converted by LibreOffice to
# docx/pptx/ppt, and a multi-page, multi-sheet spreadsheet as ods, xlsx
# and xls (doc, rtf and odt: test_office.sh; OLE forms: test_ole.sh).  Each is released in the default mode (an image PDF with as many
# pages as it has) and in text mode with its text (words read without
# mugai: tests/integration/doc_words.py).
. "$(dirname "$0")/lib.sh"
if ! command -v soffice > /dev/null; then
    echo "not ok - LibreOffice (soffice) is not installed: scripts/setup-deps.sh installs it"
    exit 1
fi
nfonts=$(fc-list | wc -l)
check "more than 128 fonts installed ($nfonts)" [ "$nfonts" -gt 128 ]
TPL=/usr/lib/libreoffice/share/template
# scripts/setup-deps.sh installs the packages that ship these
PDFS="/usr/share/doc/libtasn1-doc/libtasn1.pdf /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"
TEMPLATES="$TPL/common/personal/CV.ott $TPL/common/presnt/Progress.otp $TPL/en-US/presnt/debian-presentation.otp
$TPL/common/wizard/styles/default.ots"
mkdir -p "$T/s"
for f in $PDFS $TEMPLATES; do
    check "document present: $f" test -s "$f"
    cp "$f" "$T/s/"
done

# LibreOffice outside mugai: other people's documents in Microsoft formats,
# and a spreadsheet of three sheets, each longer than a page
python3 - "$T/src" <<'PY'
import os, sys
os.makedirs(sys.argv[1])
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
def cell(v):
    return '<table:table-cell><text:p>%s</text:p></table:table-cell>' % v
sheets = []
for s, name in enumerate(("歳入", "歳出", "基金")):
    rows = "".join("<table:table-row>%s%s%s</table:table-row>" % (
        cell("%s項目%03d" % (name, r)), cell("Ledger%03d" % r), cell(str(1000 * s + r)))
        for r in range(150))
    sheets.append('<table:table table:name="%s">%s</table:table>' % (name, rows))
open(os.path.join(sys.argv[1], "ledger.fods"), "w", encoding="utf-8").write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document %s office:version="1.2" '
    'office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body>'
    '<office:spreadsheet>%s</office:spreadsheet></office:body></office:document>\n'
    % (NS, "".join(sheets)))
PY
lo() { # lo FORMAT FILE...
    fmt=$1; shift
    soffice --headless --norestore "-env:UserInstallation=file://$T/lo-profile" \
        --convert-to "$fmt" --outdir "$T/s" "$@" > /dev/null 2>&1
}
lo docx "$T/s/CV.ott"
lo pptx "$T/s/debian-presentation.otp"
lo ppt "$T/s/debian-presentation.otp"
lo ods "$T/src/ledger.fods"
lo xlsx "$T/src/ledger.fods"
lo xls "$T/src/ledger.fods"
MADE="CV.docx debian-presentation.pptx debian-presentation.ppt ledger.ods ledger.xlsx ledger.xls"
for f in $MADE; do
    check "converted by LibreOffice: $f" test -s "$T/s/$f"
done
ALL="libtasn1.pdf shared-mime-info-spec.pdf CV.ott Progress.otp debian-presentation.otp default.ots $MADE"

# pages FILE: the page count of a PDF
pages() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'; }

cd "$T/s"
# shellcheck disable=SC2086
sanitize -o "$T/img" $ALL
cd - > /dev/null
check "default mode: every document released as an image PDF" report_all \
    'r["verdict"] == "released" and len(r["artefacts"]) == 1 and r["artefacts"][0]["mode"] == "image-pdf"'
check "default mode: no sandbox violation" sh -c "! grep -q sandbox-violation '$T/report.jsonl'"
for f in libtasn1 shared-mime-info-spec; do
    check "$f.pdf: the image PDF has the original's $(pages "$T/s/$f.pdf") pages" \
        [ "$(pages "$T/img/$f.pdf")" = "$(pages "$T/s/$f.pdf")" ]
    # the text survives only as the invisible layer, in the one glyphless font
    check "$f.pdf: no font of the source, only the glyphless text layer" sh -c \
        "[ \"\$(pdffonts '$T/img/$f.pdf' | awk 'NR > 2 { print \$1 }' | sort -u)\" = GlyphLessFont ]"
done
# artefact_of SOURCE: the released file's name, from the report
artefact_of() {
    python3 -c "
import json, sys
for l in open('$T/report.jsonl', encoding='utf-8'):
    r = json.loads(l)
    if r['name'] == sys.argv[1]:
        print(r['artefacts'][0]['path'])" "$1"
}
# the multi-page ones
multipage() { # multipage SOURCE MIN
    out=$(artefact_of "$1")
    n=$(pages "$T/img/$out")
    [ "${n:-0}" -ge "$2" ] || { echo "  $1 -> $out: ${n:-no} pages, expected $2 or more"; return 1; }
}
check "Progress.otp: 4 slides, 4 pages" multipage Progress.otp 4
for f in debian-presentation.otp debian-presentation.pptx debian-presentation.ppt; do
    check "$f: 3 slides, 3 pages or more" multipage "$f" 3
done
for f in ledger.ods ledger.xlsx ledger.xls; do
    check "$f: three long sheets, several pages" multipage "$f" 3
done

cd "$T/s"
# shellcheck disable=SC2086
sanitize --mode text -o "$T/txt" $ALL
cd - > /dev/null
check "text mode: every document released as text" report_all \
    'r["verdict"] == "released" and len(r["artefacts"]) == 1 and r["artefacts"][0]["mode"] == "text"'
# has_words SOURCE [ORIGINAL]: the words doc_words.py reads from the source
# (or from the ORIGINAL it was converted from) are in the text mugai released
has_words() {
    out=$(artefact_of "$1")
    words=$(python3 "$MUGAI_SRC/tests/integration/doc_words.py" "${2:-$T/s/$1}")
    [ -n "$words" ] || { echo "  $1: no words to look for"; return 1; }
    for w in $words; do
        grep -q -- "$w" "$T/txt/$out" || { echo "  $1 -> $out: no '$w'"; return 1; }
    done
}
for f in libtasn1.pdf shared-mime-info-spec.pdf CV.ott debian-presentation.otp default.ots CV.docx debian-presentation.pptx ledger.ods \
         ledger.xlsx; do
    check "text mode: $f keeps its text" has_words "$f"
done
# the binary formats: the words of what they were converted from
check "text mode: debian-presentation.ppt keeps its text" has_words debian-presentation.ppt \
    "$T/s/debian-presentation.otp"
check "text mode: ledger.xls keeps its text" has_words ledger.xls "$T/s/ledger.ods"
check "text mode: every sheet of the spreadsheet" sh -c \
    "for f in '$T'/txt/ledger*.txt; do grep -q 歳入項目149 \"\$f\" && grep -q 歳出項目000 \"\$f\" && grep -q 基金項目149 \"\$f\" || exit 1; done"
finish
