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
finish
