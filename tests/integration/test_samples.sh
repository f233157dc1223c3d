#!/bin/sh
# The README demo's samples: each gets the verdict a municipal administrator
# would expect, and what is released is clean.
. "$(dirname "$0")/lib.sh"
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" "$MUGAI_BIN" > /dev/null
sanitize -o "$T/out" "$T"/s/*
check "exit status 1 (some samples are blocked)" test "$RC" -eq 1
expect() { # expect NAME VERDICT REASON-SUBSTRING
    check "$1: $2${3:+ ($3)}" report_all \
        "r['name'] != '$1' or (r['verdict'] == '$2' and '$3' in r['reason'])"
}
expect 議事録.txt released ""
expect 予算.csv released ""
expect お知らせ.html released ""
expect hostile.pdf released ""
expect photo.png released ""
expect minutes.zip released ""
expect 配置図.svg released ""
expect scan.pgm released ""
expect 案内.epub released ""
expect japanese.pdf released ""
expect invoice.pdf.exe blocked dangerous-extension
expect 請求書.pdf blocked ""
expect eicar.zip blocked Eicar-Test-Signature
expect truncated.pdf failed ""
expect empty.txt blocked empty
check "請求書.pdf: extension/content mismatch recorded" report_all \
    "r['name'] != '請求書.pdf' or r['type']['mismatch'] is True"
check "CP932 text converted to UTF-8" grep -q "議事録 第1回 会議" "$T/out/議事録.txt"
check "CSV keeps its name and is UTF-8" grep -q "人件費" "$T/out/予算.csv"
check "HTML: text without script" sh -c "grep -q '窓口の受付時間' '$T/out/お知らせ_html.txt' && ! grep -q alert '$T/out/お知らせ_html.txt'"
check "PNG: metadata and trailing data gone" sh -c "! grep -aq -e SECRET-METADATA -e 'appended data' '$T/out/photo.png'"
check "SVG, netpbm, EPUB: PNG, PNG, image PDF, the drawing's script gone" report_all \
    "r['name'] not in ('配置図.svg', 'scan.pgm', '案内.epub') or (r['artefacts'][0]['path'].endswith({'配置図.svg': '.png', 'scan.pgm': '.png', '案内.epub': '.pdf'}[r['name']]) and b'alert' not in open('$T/out/' + r['artefacts'][0]['path'], 'rb').read())"
check "artefact hashes match the files" python3 - "$T/report.jsonl" "$T/out" <<'PY'
import hashlib, json, os, sys
ok = True
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    for a in r["artefacts"]:
        data = open(os.path.join(sys.argv[2], a["path"]), "rb").read()
        ok &= hashlib.sha256(data).hexdigest() == a["sha256"] and len(data) == a["size"]
sys.exit(0 if ok else 1)
PY
finish
