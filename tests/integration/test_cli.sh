#!/bin/sh
# The CLI contract: exit codes, --json shape, fail closed without signatures,
# check-config naming the wrong line.
. "$(dirname "$0")/lib.sh"
printf 'plain text\n' > "$T/a.txt"

set +e
"$MUGAI" > /dev/null 2>&1; rc=$?
set -e
check "no command: exit 2" test "$rc" -eq 2
set +e
"$MUGAI" sanitize "$T/a.txt" > /dev/null 2>&1; rc=$?
set -e
check "sanitize without -o: exit 2" test "$rc" -eq 2
set +e
"$MUGAI" sanitize --mode bogus -o "$T/o" "$T/a.txt" > /dev/null 2>&1; rc=$?
set -e
check "bad --mode: exit 2" test "$rc" -eq 2

mkdir -p "$T/emptydb"
set +e
"$MUGAI" sanitize --database "$T/emptydb" -o "$T/o1" "$T/a.txt" > /dev/null 2> "$T/err"; rc=$?
set -e
check "empty signature database: exit 2" test "$rc" -eq 2
check "the error names the database directory" grep -q "$T/emptydb" "$T/err"
check "nothing written without a database" test -z "$(files_under "$T/o1" 2>/dev/null)"
set +e
"$MUGAI" sanitize --database "$T/nope" -o "$T/o2" "$T/a.txt" > /dev/null 2> "$T/err"; rc=$?
set -e
check "missing signature database: exit 2 naming it" sh -c "[ $rc -eq 2 ] && grep -q '$T/nope' '$T/err'"

sanitize -o "$T/o3" "$T/a.txt" "$T/does-not-exist.txt"
check "a missing input: exit 1, a failed report for it" sh -c "[ $RC -eq 1 ] && grep -q 'cannot open' '$T/report.jsonl'"
check "report has the contract's keys" report_all \
    'all(k in r for k in ("input", "verdict", "reason", "findings", "items", "artefacts"))'

printf '[limits]\narchive_max_depth = 3\n\n[policy]\npdf = exe\n' > "$T/bad.conf"
set +e
"$MUGAI" check-config --config "$T/bad.conf" > /dev/null 2> "$T/err"; rc=$?
set -e
check "check-config: bad value exit 2" test "$rc" -eq 2
check "check-config names line 5 and the key" grep -q "bad.conf:5: \[policy\] pdf" "$T/err"
check "shipped conf/mugai.conf is valid" "$MUGAI" check-config --config "$MUGAI_SRC/conf/mugai.conf"
"$MUGAI" check-config --dump > "$T/d1"
"$MUGAI" check-config --dump --config "$MUGAI_SRC/conf/mugai.conf" > "$T/d2"
check "shipped config equals the embedded defaults" cmp -s "$T/d1" "$T/d2"

# scan only: a Shift_JIS CSV comes out byte for byte when the policy allows it
python3 -c "open('$T/kazei.csv', 'wb').write('氏名,税額\r\n山田太郎,12000\r\n'.encode('cp932'))"
sanitize --mode scan -o "$T/scan-off" "$T/kazei.csv"
check "scan-only off by default: converted to UTF-8 text, the report says why" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "text" and "allow_scan_only" in r["items"][0]["note"]'
printf '[policy]\nallow_scan_only = true\n' > "$T/scan.conf"
"$MUGAI_BIN/mkpdf" "$T/doc.pdf" --pages 1
eicar "$T/eicar.txt"
sanitize --config "$T/scan.conf" --mode scan -o "$T/scan-on" "$T/kazei.csv" "$T/doc.pdf" "$T/eicar.txt"
check "scan-only on: the CSV released as mode scan" report_all \
    'r["name"] != "kazei.csv" or (r["verdict"] == "released" and r["artefacts"][0]["mode"] == "scan")'
check "scan-only on: the CSV is byte for byte the original (Shift_JIS)" cmp -s "$T/kazei.csv" "$T/scan-on/kazei.csv"
check "scan-only on: a PDF is still rendered to an image PDF" report_all \
    'r["name"] != "doc.pdf" or (r["artefacts"][0]["mode"] == "image-pdf" and "plain text" in r["items"][0]["note"])'
check "scan-only on: EICAR still blocked" report_all \
    'r["name"] != "eicar.txt" or (r["verdict"] == "blocked" and not r["artefacts"])'
check "scan-only on: nothing released for EICAR" test ! -e "$T/scan-on/eicar.txt"
(cd "$T" && zip -q kazei.zip kazei.csv)
sanitize --config "$T/scan.conf" --mode scan -o "$T/scan-zip" "$T/kazei.zip"
check "scan-only on: a CSV inside a ZIP comes out byte for byte" cmp -s "$T/kazei.csv" "$T/scan-zip/kazei/kazei.csv"
finish
