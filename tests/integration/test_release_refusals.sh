#!/bin/sh
# release-original never hands over what mugai refused or could not see
# (issue 13 point 8): 409 with the reason for an archive whose members
# were blocked (run.bat, evil.js, evil.hta beside a clean memo, the job
# itself released); for a held job (a PPAP zip whose encrypted member is
# EICAR: the rescan cannot see inside) and a failed job (a damaged PDF)
# unless [daemon] allow_release_uninspected = true, and then the audit
# record says "uninspected".  A clean job's original is released as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
SOCK="$T/adm.sock"
# why TEXT: the refusal's message in $T/ro.json holds TEXT (grep -E)
why() { json 'd["error"]["message"]' < "$T/ro.json" | grep -Eq "$1"; }
# release ID: POST release-original over the admin socket; the answer in
# $T/ro.json, the status printed
release() {
    curl -s -o "$T/ro.json" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
        -d '{"approver":"山田","reason":"課長承認"}' "http://localhost/v1/jobs/$1/release-original"
}

cp -r "$MUGAI_TESTDB" "$T/db"
mkdir -p "$T/z"
eicar "$T/z/eicar.com"
printf '会議資料\n' > "$T/z/memo.txt"
printf '@echo off\r\ndel /q *\r\n' > "$T/z/run.bat"
printf 'WScript.Echo("x");\n' > "$T/z/evil.js"
printf '<html><script>alert(1)</script></html>\n' > "$T/z/evil.hta"
(cd "$T/z" && zip -q -P secret ../ppap.zip eicar.com && zip -q ../mixed.zip memo.txt run.bat evil.js evil.hta)
printf '%%PDF-1.4\n1 0 obj garbage\n%%%%EOF\n' > "$T/bad.pdf"
cp "$T/z/memo.txt" "$T/memo.txt"

printf '[daemon]\nallow_release_original = true\n' > "$T/a.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/a.conf" --admin-socket "$SOCK"
ppap=$(submit "$T/ppap.zip" ppap.zip)
mixed=$(submit "$T/mixed.zip" mixed.zip)
bad=$(submit "$T/bad.pdf" bad.pdf)
memo=$(submit "$T/memo.txt" memo.txt)
check "the PPAP zip is held, the damaged PDF failed, the mixed zip released with blocked members" \
    test "$(job_state "$ppap" 'd["verdict"]') $(job_state "$bad" 'd["verdict"]') $(job_state "$mixed" 'd["verdict"], sorted(i["path"] for i in d["items"] if i["verdict"] == "blocked")')" = \
    "held failed released ['mixed.zip/evil.hta', 'mixed.zip/evil.js', 'mixed.zip/run.bat']"

check "release-original of the released archive with blocked members: 409" test "$(release "$mixed")" = 409
check "  ... the reason names a blocked item" why "item 'mixed.zip/[a-z]+[.][a-z]+' was blocked"
check "release-original of the held PPAP zip (EICAR inside): 409" test "$(release "$ppap")" = 409
check "  ... the reason says it could not be inspected" why "item 'ppap.zip' is held.*allow_release_uninspected = false"
check "release-original of the failed job: 409" test "$(release "$bad")" = 409
check "  ... the reason says it could not be inspected" why "bad.pdf' is failed.*allow_release_uninspected"
check "nothing of them was released or listed" sh -c \
    "for j in $ppap $mixed $bad; do curl -s '$U/v1/jobs/'\$j | python3 -c 'import json,sys; sys.exit(any(a.get(\"original\") for a in json.load(sys.stdin)[\"artefacts\"]))' || exit 1; done"
check "  ... and no original sits in their release areas" sh -c \
    "! ls '$T/spool/done/$ppap/out' '$T/spool/done/$bad/out' | grep -q -e ppap -e bad.pdf && ! ls '$T/spool/done/$mixed/out' | grep -q mixed.zip"
check "  ... and the audit log has no 'original released' record" test "$(audit_events "original released")" = 0
check "a clean released job's original: 200" test "$(release "$memo")" = 200
check "  ... its record does not say uninspected" \
    test "$(audit_lines "original released" "$memo" | json 'd.get("uninspected", False)')" = False
stop

# allowed: held and failed jobs may be released, recorded as uninspected;
# blocked items never
printf '[daemon]\nallow_release_original = true\nallow_release_uninspected = true\n' > "$T/b.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/b.conf" --admin-socket "$SOCK"
check "allow_release_uninspected: the archive with blocked members still 409" test "$(release "$mixed")" = 409
check "allow_release_uninspected: the held job's original: 200" test "$(release "$ppap")" = 200
check "  ... the original is listed" test "$(json '[a["original"] for a in d["artefacts"] if a.get("original")]' < "$T/ro.json")" = "[True]"
check "  ... its audit record says uninspected" \
    test "$(audit_lines "original released" "$ppap" | json 'd.get("uninspected")')" = True
check "allow_release_uninspected: the failed job's original: 200, recorded as uninspected" sh -c \
    "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$SOCK' -X POST -d '{\"approver\":\"a\",\"reason\":\"b\"}' http://localhost/v1/jobs/$bad/release-original)\" = 200 ] && grep '\"event\":\"original released\"' '$T/audit.jsonl' | grep '$bad' | grep -q '\"uninspected\":true'"
check "the audit chain verifies" "$MUGAI" admin verify-audit "$T/audit.jsonl"
check "check-config knows allow_release_uninspected" sh -c "'$MUGAI' check-config --config '$T/b.conf' > /dev/null"
finish
