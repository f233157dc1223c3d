#!/bin/sh
# Office documents made by LibreOffice from Japanese text (docx, xlsx, pptx,
# odt, doc, rtf) in each mode: image-pdf (no text layer, non-blank pages),
# text (the Japanese text intact), cdr (opens in LibreOffice, text intact);
# and hostile OOXML (macros, a vbaProject under a plain name, a remote
# template, DDE, billion laughs): nothing active in any released artefact.
. "$(dirname "$0")/lib.sh"
if ! command -v soffice > /dev/null; then
    echo "not ok - LibreOffice (soffice) is not installed: scripts/setup-deps.sh installs it"
    exit 1
fi
PROFILE="$T/lo-profile"
lo() { # lo FORMAT OUTDIR FILE...: LibreOffice, outside mugai, for fixtures and checks
    fmt=$1; out=$2; shift 2
    soffice --headless --norestore "-env:UserInstallation=file://$PROFILE" \
        --convert-to "$fmt" --outdir "$out" "$@" > /dev/null 2>&1
}

python3 "$MUGAI_SRC/tests/office/make_office_docs.py" "$T/src"
mkdir -p "$T/docs"
lo docx "$T/docs" "$T/src/doc.fodt"
lo doc "$T/docs" "$T/src/doc.fodt"
lo rtf "$T/docs" "$T/src/doc.fodt"
lo odt "$T/docs" "$T/src/doc.fodt"
lo xlsx "$T/docs" "$T/src/sheet.fods"
lo pptx "$T/docs" "$T/src/slides.fodp"
DOCS="doc.docx doc.doc doc.rtf doc.odt sheet.xlsx slides.pptx"
for f in $DOCS; do
    check "fixture $f made by LibreOffice" test -s "$T/docs/$f"
done

# markers each document must carry through text and cdr (see make_office_docs.py)
markers() {
    case $1 in
    doc.*) echo "無害化テスト文書です 住民票の写し 課税台帳 令和八年度" ;;
    sheet.*) echo "住民税 12345 固定資産税" ;;
    slides.*) echo "防災訓練のお知らせ 避難所一覧" ;;
    esac
}
has_markers() { # has_markers FILE NAME
    for m in $(markers "$2"); do
        grep -q "$m" "$1" || { echo "  $1: no '$m'"; return 1; }
    done
}

# --- image-pdf -------------------------------------------------------------
mkdir -p "$T/img"
cd "$T/docs"
sanitize --mode image-pdf -o "$T/img" $DOCS
cd - > /dev/null
check "image-pdf: every document released" report_all \
    'r["verdict"] == "released" and r["items"][0]["filter"] == "office-pdf,pdf-image" and r["artefacts"][0]["mode"] == "image-pdf"'
check "image-pdf: LibreOffice ran in its own mount namespace with seccomp" report_all \
    '"mountns" in r["items"][0]["sandbox"] and "seccomp" in r["items"][0]["sandbox"]'
for f in $DOCS; do
    b=${f%.*}; e=${f##*.}
    # doc.docx -> doc.pdf, doc.doc -> "doc (2).pdf" ...: read the name from the report
    pdf=$(python3 -c "
import json,sys
for l in open('$T/report.jsonl', encoding='utf-8'):
    r = json.loads(l)
    if r['name'] == '$f': print(r['artefacts'][0]['path'])")
    out="$T/img/$pdf"
    # the document's text survives only as the invisible text layer (issue 17)
    check "image-pdf $f: a text layer, in the glyphless font only" sh -c \
        "[ -n \"\$(pdftotext '$out' - | tr -d '[:space:]')\" ] &&
         [ \"\$(pdffonts '$out' | awk 'NR > 2 { print \$1 }' | sort -u)\" = GlyphLessFont ]"
    pdftoppm -r 72 -gray -f 1 -l 1 "$out" "$T/page-$b-$e"
    check "image-pdf $f: the first page image is not blank" python3 -c "
import glob, sys
d = open(glob.glob('$T/page-$b-$e*.pgm')[0], 'rb').read().split(b'\n', 3)[3]
sys.exit(0 if min(d) < 128 else 1)"
done

# --- text ------------------------------------------------------------------
mkdir -p "$T/txt"
for f in $DOCS; do
    sanitize --mode text -o "$T/txt/$f.d" "$T/docs/$f"
    check "text $f: released" report_all 'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "text"'
    check "text $f: the Japanese text intact" has_markers "$(ls "$T/txt/$f.d"/*.txt)" "$f"
done
sanitize --mode text -o "$T/txt/x" "$T/docs/sheet.xlsx"
check "text xlsx: sheets by name, cells as TSV" sh -c \
    "grep -q '^# 予算' '$T/txt/x/sheet_xlsx.txt' && grep -q '^住民税	12345$' '$T/txt/x/sheet_xlsx.txt' && grep -q '^# 歳入' '$T/txt/x/sheet_xlsx.txt'"
check "text docx/xlsx/pptx: read directly, no LibreOffice" sh -c "
    for f in doc.docx sheet.xlsx slides.pptx; do
        $MUGAI sanitize --json --database $MUGAI_TESTDB --mode text -o $T/txt/direct-\$f $T/docs/\$f |
            grep -q '\"filter\":\"ooxml-text\"' || exit 1
    done"

# --- cdr -------------------------------------------------------------------
mkdir -p "$T/cdr" "$T/cdr-check"
for f in $DOCS; do
    sanitize --mode cdr -o "$T/cdr/$f.d" "$T/docs/$f"
    check "cdr $f: released" report_all 'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "cdr"'
    out=$(ls "$T/cdr/$f.d"/*)
    case $f in
    doc.*) want=docx ;; sheet.*) want=xlsx ;; slides.*) want=pptx ;;
    esac
    check "cdr $f: an editable .$want" sh -c "case '$out' in *.$want) exit 0;; esac; exit 1"
    mkdir -p "$T/cdr-check/$f"
    lo pdf "$T/cdr-check/$f" "$out"
    pdftotext "$T/cdr-check/$f"/*.pdf "$T/cdr-check/$f/text.txt" 2> /dev/null || true
    check "cdr $f: LibreOffice opens the result, the text survived" \
        has_markers "$T/cdr-check/$f/text.txt" "$f"
done

# --- names: a document and a spreadsheet of the same name (issue 14) ---------
mkdir -p "$T/same-name"
cp "$T/docs/doc.docx" "$T/same-name/notice_ja.docx"
cp "$T/docs/sheet.xlsx" "$T/same-name/notice_ja.xlsx"
sanitize -o "$T/names" "$T/same-name/notice_ja.docx" "$T/same-name/notice_ja.xlsx"
check "names: both image PDFs tell which original they came from" sh -c \
    "[ $RC -eq 0 ] && test -s '$T/names/notice_ja_docx.pdf' && test -s '$T/names/notice_ja_xlsx.pdf' && [ \$(ls '$T/names' | wc -l) -eq 2 ]"
check "names: each report names the artefact of its own original" report_all \
    'r["artefacts"][0]["path"] == r["name"].replace(".", "_") + ".pdf"'

# --- hostile OOXML -----------------------------------------------------------
python3 "$MUGAI_SRC/tests/office/make_hostile_office.py" "$T/docs/doc.docx" "$T/docs/sheet.xlsx" "$T/h"
check "macro.docm really holds a macro" sh -c "unzip -p '$T/h/macro.docm' word/vbaProject.bin | grep -aq 'Attribute VB_Name'"
check "vba-plain.docx hides it under a plain name" sh -c "unzip -p '$T/h/vba-plain.docx' word/media/image1.png | grep -aq 'Attribute VB_Name'"
check "remote-tpl.docx has an external template" sh -c "unzip -p '$T/h/remote-tpl.docx' word/_rels/settings.xml.rels | grep -q 'TargetMode=\"External\"'"
# every released byte, with the ZIP artefacts (docx/xlsx/pptx) expanded
all_released() { # all_released DIR -> one stream
    find "$1" -type f | while read -r a; do
        cat "$a"
        unzip -p "$a" 2> /dev/null || true
    done
}
for mode in image-pdf text cdr; do
    sanitize --mode "$mode" -o "$T/h-$mode" "$T/h/macro.docm" "$T/h/vba-plain.docx" \
        "$T/h/remote-tpl.docx" "$T/h/dde.xlsx" "$T/h/laughs.docx"
    check "$mode: the hostile documents other than laughs are released" report_all \
        'r["verdict"] == ("released" if r["name"] != "laughs.docx" else r["verdict"])'
    check "$mode: billion laughs is not released" report_all \
        'r["name"] != "laughs.docx" or (r["verdict"] in ("blocked", "failed") and not r["artefacts"])'
    all_released "$T/h-$mode" > "$T/released-$mode.bin"
    check "$mode: something was released" test -s "$T/released-$mode.bin"
    for s in vbaProject 'Attribute VB_Name' 'TargetMode="External"' AutoOpen DDEAUTO \
             evil.example 'cmd|' activeX oleObject customUI; do
        check "$mode: no '$s' in any released artefact" sh -c "! grep -aq -- '$s' '$T/released-$mode.bin'"
    done
done
check "cdr: the docm comes out as a plain .docx" test -f "$T/h-cdr/macro_docm.docx"
check "cdr: the macro-enabled type is gone" sh -c "! unzip -p '$T/h-cdr/macro_docm.docx' '[[]Content_Types].xml' | grep -q macroEnabled"
check "cdr: the report says what was removed" report_all \
    'r["name"] != "macro.docm" or ("removed" in r["items"][0]["filter_note"] and "macro-enabled" in r["items"][0]["filter_note"])'
mkdir -p "$T/h-open"
lo pdf "$T/h-open" "$T/h-cdr/macro_docm.docx" "$T/h-cdr/remote-tpl.docx"
check "cdr: the disarmed docm opens, text intact" sh -c "pdftotext '$T/h-open/macro_docm.pdf' - | grep -q 住民票の写し"
check "cdr: the disarmed remote-template docx opens, hyperlink text kept" sh -c \
    "pdftotext '$T/h-open/remote-tpl.pdf' - | grep -q リンク文字"
check "text: the DDE field result text is kept, not its command" sh -c \
    "grep -q DDE結果 '$T/h-text/macro_docm.txt' && ! grep -q calc '$T/h-text/macro_docm.txt'"

# legacy binary Office with macros: never rebuilt (cdr -> image-pdf)
python3 - "$T/docs/doc.doc" "$T/h/legacy-macro.doc" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
# rename a directory entry to "Macros" (UTF-16LE, NUL-terminated): what
# detect looks for; the file stays a readable Word document
name = "Macros".encode("utf-16-le") + b"\0\0"
i = data.find("CompObj".encode("utf-16-le"))
assert i > 0
data[i - 2:i - 2 + len(name)] = name
open(sys.argv[2], 'wb').write(data)
PY
sanitize --mode cdr -o "$T/legacy" "$T/h/legacy-macro.doc"
check "legacy doc with macros: cdr refused, image-pdf instead" report_all \
    'r["items"][0]["type"].get("macros") is True and r["items"][0]["action"] == "image-pdf" and "macros" in r["items"][0]["note"]'

finish
