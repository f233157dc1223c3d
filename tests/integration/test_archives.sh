#!/bin/sh
# Archives: hostile archives end with nothing outside the output, a clear
# reason and bounded memory; CP932 names; encrypted archives held (PPAP).
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/sentinel" "$T/h"
python3 "$MUGAI_SRC/tests/integration/make_hostile_archives.py" "$T/h" "$T/sentinel"
db="--database $MUGAI_TESTDB"
rss_limit_kib=$((256 * 1024))

for f in overlap-bomb.zip zeros-1g.zip recursive-bomb.zip nested-40.zip; do
    set +e
    python3 "$MUGAI_SRC/tests/integration/measure.py" "$T/m.json" \
        "$MUGAI" sanitize --json $db -o "$T/out-$f" "$T/h/$f" 2> "$T/err"
    rc=$?
    set -e
    cp "$T/m.json.stdout" "$T/report.jsonl"
    check "$f: exit status 1" test "$rc" -eq 1
    check "$f: blocked with a reason" report_all 'r["verdict"] == "blocked" and len(r["reason"]) > 10'
    check "$f: nothing released" test -z "$(files_under "$T/out-$f" 2>/dev/null)"
    python3 -c "import json,sys; m=json.load(open('$T/m.json')); print('  %s: %.2f s, peak RSS %d KiB, reason: %s' % ('$f', m['wall'], m['maxrss_kib'], json.loads(open('$T/report.jsonl').readline())['reason']))"
    check "$f: peak RSS under 256 MiB" python3 -c "import json; exit(0 if json.load(open('$T/m.json'))['maxrss_kib'] < $rss_limit_kib else 1)"
done

# path traversal, links and devices: the safe members are released, the
# dangerous entries are skipped with a reason, nothing lands outside OUTDIR
for f in traversal.zip symlink-write.tar hardlink.tar device.tar; do
    sanitize -o "$T/out" "$T/h/$f"
    echo "  $f: $(python3 -c "import json; r=json.loads(open('$T/report.jsonl').readline()); print(r['verdict'], [(i['path'], i['verdict'], i['reason']) for i in r['items']])")"
    check "$f: no crash (exit 0 or 1)" test "$RC" -le 1
done
check "nothing written through the symlink" test -z "$(ls -A "$T/sentinel")"
check "no escape beside the output" sh -c "! find '$T' -name escape.txt -o -name absolute.txt -o -name pwned.txt | grep -v '^$T/out/' | grep -q ."
check "no link, device or FIFO released" test -z "$(find "$T/out" ! -type f ! -type d)"
check "no hard-linked copy of /etc/shadow" sh -c "! grep -rqs 'root:' '$T/out'"
check "traversal member released inside OUTDIR" test -f "$T/out/traversal/ok/inside.txt"

# Japanese names: CP932 without the UTF-8 flag
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" > /dev/null
sanitize -o "$T/jp" "$T/s/minutes.zip"
check "CP932 zip released" test "$RC" -eq 0
check "member under its UTF-8 name" test -f "$T/jp/minutes/議事録/第1回議事録.txt"
check "member content intact" grep -q "議事録 第1回" "$T/jp/minutes/議事録/第1回議事録.txt"

# PPAP: password-protected zips
eicar "$T/eicar.com"
(cd "$T" && printf '会議資料です\n' > memo.txt \
    && zip -q -P himitsu ppap-eicar.zip eicar.com && zip -q -P himitsu ppap-clean.zip memo.txt \
    && rm eicar.com memo.txt)
sanitize -o "$T/p1" "$T/ppap-eicar.zip" "$T/ppap-clean.zip"
check "encrypted zips held without the password" report_all 'r["verdict"] == "held" and "encrypted" in r["reason"]'
check "held: nothing released" test -z "$(files_under "$T/p1" 2>/dev/null)"
sanitize -o "$T/p2" --password wrong "$T/ppap-clean.zip"
check "wrong password: still held (wrong-password)" report_all 'r["verdict"] == "held" and "wrong-password" in r["reason"]'
sanitize -o "$T/p3" --password himitsu "$T/ppap-eicar.zip"
check "EICAR zip with the password: blocked" report_all 'r["verdict"] == "blocked" and "Eicar-Test-Signature.UNOFFICIAL" in r["findings"]'
sanitize -o "$T/p4" --password himitsu "$T/ppap-clean.zip"
check "clean zip with the password: released" sh -c "[ $RC -eq 0 ] && grep -q 会議資料 '$T/p4/ppap-clean/memo.txt'"
finish
