#!/bin/sh
# OLE compound files that libmagic names only application/x-ole-storage
# (issue 14 point 3) are routed by the streams in their root storage:
# Workbook -> Excel, WordDocument -> Word, "PowerPoint Document" ->
# PowerPoint, then the legacy-macro check and the office path.  Before, such
# an .xls was blocked as unknown-type.  Any other OLE file stays blocked,
# with a reason.  Fixtures: LibreOffice's .xls/.doc/.ppt with the directory
# moved past the first MiB (tests/office/make_ole_storage.py), and hand-made
# compound files.
. "$(dirname "$0")/lib.sh"
if ! command -v soffice > /dev/null; then
    echo "not ok - LibreOffice (soffice) is not installed: scripts/setup-deps.sh installs it"
    exit 1
fi
OLE="$MUGAI_SRC/tests/office/make_ole_storage.py"
python3 "$MUGAI_SRC/tests/office/make_office_docs.py" "$T/src"
soffice --headless --norestore "-env:UserInstallation=file://$T/lo-profile" \
    --convert-to xls --outdir "$T/lo" "$T/src/sheet.fods" > /dev/null 2>&1
soffice --headless --norestore "-env:UserInstallation=file://$T/lo-profile" \
    --convert-to doc --outdir "$T/lo" "$T/src/doc.fodt" > /dev/null 2>&1
soffice --headless --norestore "-env:UserInstallation=file://$T/lo-profile" \
    --convert-to ppt --outdir "$T/lo" "$T/src/slides.fodp" > /dev/null 2>&1
mkdir -p "$T/s"
for f in sheet.xls doc.doc slides.ppt; do
    python3 "$OLE" relocate "$T/s/$f" "$T/lo/$f"
done
python3 "$OLE" plain "$T/s/other.xls" Contents
python3 "$OLE" plain "$T/s/both.doc" WordDocument Workbook
python3 "$OLE" plain "$T/s/macro.xls" Workbook _VBA_PROJECT_CUR VBA
python3 "$OLE" loop "$T/s/loop.xls"
# what mugai's detection sees: libmagic over the first MiB
for f in sheet.xls doc.doc slides.ppt other.xls both.doc macro.xls loop.xls; do
    check "fixture $f: libmagic says application/x-ole-storage" sh -c \
        "head -c 1048576 '$T/s/$f' | file -b --mime-type - | grep -qx application/x-ole-storage"
done

# field FILE: one report field of the report line for FILE
field() {
    python3 - "$T/report.jsonl" "$1" "$2" <<'PY'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if r["name"] == sys.argv[2]:
        print(eval(sys.argv[3]))
PY
}

cd "$T/s"
sanitize -o "$T/img" sheet.xls doc.doc slides.ppt
cd - > /dev/null
check "Excel, Word, PowerPoint in OLE form: released as image PDF" report_all \
    'r["verdict"] == "released" and r["items"][0]["filter"] == "office-pdf,pdf-image" and r["artefacts"][0]["mode"] == "image-pdf"'
check "routed by the directory: Workbook is Excel" [ "$(field sheet.xls 'r["type"]["mime"]')" = application/vnd.ms-excel ]
check "routed by the directory: WordDocument is Word" [ "$(field doc.doc 'r["type"]["mime"]')" = application/msword ]
check "routed by the directory: PowerPoint Document is PowerPoint" \
    [ "$(field slides.ppt 'r["type"]["mime"]')" = application/vnd.ms-powerpoint ]
for f in sheet_xls doc_doc slides_ppt; do
    check "$f: the image PDF has pages" sh -c "pdfinfo '$T/img/$f.pdf' | grep -q '^Pages: *[1-9]'"
done

cd "$T/s"
sanitize --mode text -o "$T/txt" sheet.xls doc.doc slides.ppt
cd - > /dev/null
check "text mode: released" report_all 'r["verdict"] == "released"'
check "text mode: the spreadsheet's text" sh -c "grep -q 住民税 '$T/txt/sheet_xls.txt' && grep -q 12345 '$T/txt/sheet_xls.txt'"
check "text mode: the document's text" grep -q 無害化テスト文書です "$T/txt/doc_doc.txt"
check "text mode: the slides' text" grep -q 防災訓練のお知らせ "$T/txt/slides_ppt.txt"

cd "$T/s"
sanitize -o "$T/blocked" other.xls both.doc loop.xls
cd - > /dev/null
check "other OLE files: blocked, nothing released" report_all \
    'r["verdict"] == "blocked" and not r["artefacts"] and r["reason"].startswith("unknown-type: application/x-ole-storage (OLE compound file: ")'
check "no Office stream: the reason says so" sh -c \
    "grep -q 'no WordDocument, Workbook or PowerPoint Document stream' '$T/report.jsonl'"
check "Word and Excel streams at once: refused" sh -c \
    "grep -q 'more than one application' '$T/report.jsonl'"
check "a looping directory chain: refused" grep -q 'directory chain loops' "$T/report.jsonl"
check "nothing written for them" sh -c "[ -z \"\$(ls -A '$T/blocked' 2>/dev/null)\" ]"

# the legacy-macro check still applies after routing: no cdr, image-pdf instead
cd "$T/s"
sanitize --mode cdr -o "$T/cdr" macro.xls
cd - > /dev/null
check "Excel with a VBA storage in OLE form: image-pdf path, never rebuilt" report_all \
    'r["type"]["mime"] == "application/vnd.ms-excel" and r["items"][0]["filter"] == "office-pdf,pdf-image"'
finish
