#!/bin/sh
# mugaid's commit point: a job's verdict is final once its result.json is
# complete and every artefact it names is in out/.  The move into done/ has
# no fsync of its own, so after a crash a finished job may lie in queue/ or
# active/: the next start moves it to done/ without running it again, and
# writes its verdict line once more, marked "recovered".  A job
# whose result.json is empty or torn, whose artefact is missing, or that has
# a password waiting runs again.  Each case is set up by hand after a
# kill -9, as the disk could hold it after a power cut.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
# the verdict lines of a job from its runs, and those marked recovered
verdicts() { audit_lines verdict "$1" | grep -vc '"recovered":true' || true; }
recovered() { audit_lines verdict "$1" | grep -c '"recovered":true' || true; }
state() { job_state "$1" 'd["state"] + " " + str(d.get("verdict"))'; }

cp -r "$MUGAI_TESTDB" "$T/db"
printf '会議資料 recovery memo\n' > "$T/memo.txt"
start --spool "$T/spool" --database "$T/db" --workers 1
committed_q=$(submit "$T/memo.txt" committed-q.txt)
committed_a=$(submit "$T/memo.txt" committed-a.txt)
no_artefact=$(submit "$T/memo.txt" no-artefact.txt)
torn=$(submit "$T/memo.txt" torn.txt)
empty=$(submit "$T/memo.txt" empty.txt)
password=$(submit "$T/memo.txt" password.txt)
for id in $committed_q $committed_a $no_artefact $torn $empty $password; do
    check "job $id released before the kill" test "$(state "$id")" = "done released"
done
ino_q=$(stat -c %i "$T/spool/done/$committed_q/out/committed-q.txt")
ino_a=$(stat -c %i "$T/spool/done/$committed_a/out/committed-a.txt")
kill -9 $PID
wait $PID 2>/dev/null || true

# as the disk could hold them: finished, but not (durably) in done/
mv "$T/spool/done/$committed_q" "$T/spool/queue/"
mv "$T/spool/done/$committed_a" "$T/spool/active/"
mv "$T/spool/done/$no_artefact" "$T/spool/queue/"
rm "$T/spool/queue/$no_artefact/out/no-artefact.txt"
mv "$T/spool/done/$torn" "$T/spool/queue/"
python3 - "$T/spool/queue/$torn/result.json" <<'PY'
import sys
p = sys.argv[1]; b = open(p, "rb").read(); open(p, "wb").write(b[:len(b) // 2])
PY
mv "$T/spool/done/$empty" "$T/spool/queue/"
: > "$T/spool/queue/$empty/result.json"
mv "$T/spool/done/$password" "$T/spool/queue/"
printf 'secret' > "$T/spool/queue/$password/password"

start --spool "$T/spool" --database "$T/db" --workers 1
for i in $(seq 1 100); do
    [ -z "$(find "$T/spool/queue" "$T/spool/active" -mindepth 1 -maxdepth 1)" ] && break
    sleep 0.1
done
check "queue/ and active/ are empty after the start" \
    test -z "$(find "$T/spool/queue" "$T/spool/active" -mindepth 1 -maxdepth 1)"
for id in $committed_q $committed_a; do
    check "recorded verdict ($id): done, released" test "$(state "$id")" = "done released"
    check "  ... not run again: one verdict line from its run" test "$(verdicts "$id")" = 1
    check "  ... and one marked recovered (the first may not have been durable)" \
        test "$(recovered "$id")" = 1
done
check "  ... its artefact is the same file (queue/)" \
    test "$(stat -c %i "$T/spool/done/$committed_q/out/committed-q.txt")" = "$ino_q"
check "  ... its artefact is the same file (active/)" \
    test "$(stat -c %i "$T/spool/done/$committed_a/out/committed-a.txt")" = "$ino_a"
check "  ... and the log says why" grep -q "job $committed_q: its verdict was recorded before the stop" "$T/daemon.log"
for id in $no_artefact $torn $empty $password; do
    check "not recorded ($id): run again, released" test "$(state "$id")" = "done released"
    check "  ... a second verdict line, none marked recovered" \
        test "$(verdicts "$id")$(recovered "$id")" = 20
done
check "the missing artefact is there again" test -s "$T/spool/done/$no_artefact/out/no-artefact.txt"
check "the password was used once and removed" test ! -e "$T/spool/done/$password/password"
check "the audit chain verifies" "$MUGAI_BIN/mugai" admin verify-audit "$T/audit.jsonl"
finish
