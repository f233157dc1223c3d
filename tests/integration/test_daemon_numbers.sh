#!/bin/sh
# Numbers from outside are read whole and in range (src/core/numparse.c):
# "?wait=5x", a listen port "8080abc" and "--workers 4x" are refused with a
# clear error instead of being read as 5, 8080 and 4.  A mugaid that took
# the bad address would serve on: timeout stops it (the log then lacks the
# refusal, and the check fails).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

printf 'memo\n' > "$T/memo.txt"
start --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 1
for w in 5x -1 '' '%205' 0x10; do
    check "?wait='$w': 400" test "$(code -X POST --data-binary @"$T/memo.txt" \
        "$U/v1/jobs?filename=memo.txt&wait=$w")" = 400
done
check "nothing of the refused uploads was queued" test "$(audit_events received)" = 0
id=$(submit "$T/memo.txt" memo.txt)
check "?wait=30 still answers the job" test "$(job_state "$id" 'd["verdict"]')" = released
check "?wait=99999999999999999999 (over 64 bits) is refused: 400" \
    test "$(code -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?wait=99999999999999999999")" = 400
check "artefact 0 is served" test "$(code "$U/v1/jobs/$id/artefacts/0")" = 200
check "artefact '0x' is not artefact 0: 404" test "$(code "$U/v1/jobs/$id/artefacts/0x")" = 404
check "artefact '+0' is not artefact 0: 404" test "$(code "$U/v1/jobs/$id/artefacts/+0")" = 404
stop

set +e
P2=$(port)
timeout 30 "$MUGAID" --listen 127.0.0.1:8080abc --release-listen 127.0.0.1:$P2 \
    --spool "$T/spool2" --database "$MUGAI_TESTDB" --admin-socket "$T/a2.sock" > "$T/port.log" 2>&1
rc=$?
set -e
check "listen port 8080abc: mugaid refuses to start ($rc)" test "$rc" -ne 0
check "  ... naming the address" grep -q "bad listen address '127.0.0.1:8080abc'" "$T/port.log"
set +e
timeout 30 "$MUGAID" --listen 127.0.0.1:65536 --release-listen 127.0.0.1:$P2 \
    --spool "$T/spool3" --database "$MUGAI_TESTDB" --admin-socket "$T/a3.sock" > "$T/port2.log" 2>&1
rc=$?
timeout 30 "$MUGAID" --workers 4x --listen 127.0.0.1:$(port) --release-listen 127.0.0.1:$P2 \
    --admin-socket "$T/a4.sock" --spool "$T/spool4" --database "$MUGAI_TESTDB" > "$T/w.log" 2>&1
rcw=$?
"$MUGAI" submit --wait 5x "$T/memo.txt" > "$T/cli.log" 2>&1
rcc=$?
set -e
check "listen port 65536: refused ($rc)" grep -q "bad listen address" "$T/port2.log"
check "--workers 4x: refused ($rcw)" grep -q -- "--workers: 1 to 256" "$T/w.log"
check "mugai submit --wait 5x: exit 2 ($rcc), saying why" \
    sh -c "[ $rcc = 2 ] && grep -q -- '--wait wants a number' '$T/cli.log'"
finish
