#!/bin/sh
# The audit log of the real mugaid and `mugai admin verify-audit` (issue 13,
# point 3): a keyed chain (HMAC-SHA-256, key file 0600 beside the log,
# created at first start), anchors of the head in [audit] anchor_file (as
# syslog gets them); an edited last line, a removed tail and a chain
# rewritten without the key are all BROKEN, and mugaid does not chain onto
# an edited or cut tail; a torn last line (a crash mid-write) is repaired at
# start and recorded as such.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
A="$T/audit.jsonl"
verify() { set +e; "$MUGAI" admin verify-audit "$@" > "$T/v.out" 2>&1; VRC=$?; set -e; sed 's/^/    /' "$T/v.out"; }
# mugaid with this audit log refuses to start: exit status non-zero, quickly
refuses() {
    set +e
    timeout 30 "$MUGAID" --config "$T/mugai.conf" --listen 127.0.0.1:$(port) \
        --release-listen 127.0.0.1:$(port) --spool "$T/spool" --database "$T/db" \
        > "$T/refused.log" 2>&1
    rc=$?
    set -e
    sed 's/^/    /' "$T/refused.log"
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
}
last_line_edit() { # last_line_edit FROM TO: in the last line of the audit log
    python3 - "$A" "$1" "$2" <<'PY'
import sys
p, a, b = sys.argv[1:]
lines = open(p, "rb").read().split(b"\n")[:-1]
assert a.encode() in lines[-1], lines[-1]
lines[-1] = lines[-1].replace(a.encode(), b.encode(), 1)
open(p, "wb").write(b"\n".join(lines) + b"\n")
PY
}

cp -r "$MUGAI_TESTDB" "$T/db"
cat > "$T/mugai.conf" <<EOF2
[audit]
anchor_every = 2
anchor_file = $T/anchors.log
syslog = true
EOF2
printf 'memo\n' > "$T/memo.txt"
printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$T/eicar.com"

start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 1
check "the key file is created beside the log, mode 0600" test "$(stat -c %a "$A.key")" = 600
for f in memo.txt memo.txt eicar.com; do
    curl -s -X POST --data-binary @"$T/$f" "$U/v1/jobs?filename=$f&wait=30" > /dev/null
done
stop
check "the last record is the blocked verdict" sh -c "tail -1 '$A' | grep -q '\"verdict\":\"blocked\"'"
check "every record carries seq, prev and mac" python3 - "$A" <<'PY'
import json, sys
for i, l in enumerate(open(sys.argv[1]), 1):
    d = json.loads(l)
    assert d["seq"] == i and len(d["prev"]) == 64 and len(d["mac"]) == 64, l
    assert l.rstrip("\n").endswith('"mac":"%s"}' % d["mac"]), l
PY
check "anchors were written: every 2 records and at stop" \
    test "$(grep -c 'mugai-audit-anchor chain=' "$T/anchors.log")" -ge 3
n=$(wc -l < "$A")
check "the last anchor names the last record" grep -q "seq=$n mac=$(tail -1 "$A" | json 'd["mac"]') (close)" "$T/anchors.log"
verify --anchors "$T/anchors.log" "$A"
check "verify-audit --anchors: OK" sh -c "[ $VRC -eq 0 ] && grep -q 'OK: $n records' '$T/v.out'"
cp "$A" "$T/audit.good"

# 1. the last line edited: the blocked verdict made "released"
last_line_edit '"verdict":"blocked"' '"verdict":"released"'
verify "$A"
check "edited last line: verify-audit BROKEN at line $n, exit 1" \
    sh -c "[ $VRC -eq 1 ] && grep -q 'BROKEN: line $n:.*MAC' '$T/v.out'"
check "edited last line: mugaid refuses to start" refuses
check "  ... and says why" grep -q "does not verify" "$T/refused.log"
check "  ... and writes nothing onto it" test "$(wc -l < "$A")" -eq "$n"

# 2. the last two lines dropped
head -n $((n - 2)) "$T/audit.good" > "$A"
verify "$A"
check "tail removed: without anchors the chain alone holds (as documented)" test $VRC -eq 0
verify --anchors "$T/anchors.log" "$A"
check "tail removed: verify-audit --anchors BROKEN" \
    sh -c "[ $VRC -eq 1 ] && grep -q 'tail was removed' '$T/v.out'"
check "tail removed: mugaid refuses to start (its anchor file knows more)" refuses
check "  ... and says why" grep -q "anchor file" "$T/refused.log"

# 3. the whole chain rewritten without the key (SHA-256 links, as before)
python3 - "$T/audit.good" "$A" <<'PY'
import hashlib, json, sys
prev = "0" * 64
out = []
for l in open(sys.argv[1]):
    d = json.loads(l)
    d.pop("mac")
    d["prev"] = prev
    if d.get("verdict") == "blocked":
        d["verdict"] = "released"
    s = json.dumps(d, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    prev = hashlib.sha256(s.encode()).hexdigest()
    out.append(s + "\n")
open(sys.argv[2], "w").write("".join(out))
PY
verify "$A"
check "chain rewritten without the key: BROKEN at line 1" \
    sh -c "[ $VRC -eq 1 ] && grep -q 'BROKEN: line 1:' '$T/v.out'"

# 4. a torn last line (the crash cut a write): repaired at start, recorded
cp "$T/audit.good" "$A"
printf '{"event":"received","job":"01234567' >> "$A"
verify "$A"
check "torn line: verify-audit names it" sh -c "[ $VRC -eq 1 ] && grep -q 'not terminated' '$T/v.out'"
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 1
curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt&wait=30" > /dev/null
stop
check "torn line: mugaid started, repaired it and said so" grep -q "last line was torn" "$T/daemon.log"
check "torn line: recorded as 'audit repaired' with its length" \
    sh -c "grep -q '\"event\":\"audit repaired\".*\"torn_bytes\":35' '$A'"
check "  ... the records before it kept" sh -c "head -n $n '$A' | cmp -s - '$T/audit.good'"
verify --anchors "$T/anchors.log" "$A"
check "torn line repaired: verify-audit --anchors OK, the repair reported" \
    sh -c "[ $VRC -eq 0 ] && grep -q '1 torn line' '$T/v.out'"

# 5. the key is needed, and only the right one verifies
verify --key /nonexistent "$A"
check "verify-audit without the key: exit 1" test $VRC -eq 1
finish
