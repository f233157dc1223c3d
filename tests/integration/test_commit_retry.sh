#!/bin/sh
# Acknowledged jobs whose verdict cannot be committed (issue 13 point 9)
# are not left until a restart: they go back to the queue, count in
# mugai_queue_depth and run again with backoff ([daemon] commit_retry_min,
# commit_retry_max) until the disk takes them; then the same daemon
# releases them.  Once with the failfs shim (fsync of result.json fails),
# once with the spool on a small tmpfs filled while jobs wait, then freed
# (needs root for the mount).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; wait; umount -l "$T/sp" 2>/dev/null || true; rm -rf "$T" || true' EXIT
metric() { curl -s "$U/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# until_metric NAME MIN: true once metric NAME >= MIN (polled, at most 30 s)
until_metric() {
    for _ in $(seq 1 300); do
        [ "$(metric "$1" || echo 0)" -ge "$2" ] 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
verdict() { job_state "$1" 'd.get("verdict")'; }
# long_wait ID: until the job is done (at most a minute: a long job runs again)
long_wait() { for _ in 1 2 3 4 5 6; do wait_state "$1" done && return 0; done; return 0; }
cp -r "$MUGAI_TESTDB" "$T/db"
printf '[daemon]\ncommit_retry_min = 1\ncommit_retry_max = 2\n' > "$T/r.conf"
# the same with the audit log off the spool's file system
printf '[audit]\npath = %s\n' "$T/audit2.jsonl" | cat "$T/r.conf" - > "$T/r2.conf"
printf '会議資料 memo\n' > "$T/memo.txt"

# 1. the disk fails the verdict's fsync
: > "$T/fail"
MUGAID_ENV="MUGAI_FAILFS=$T/fail LD_PRELOAD=$MUGAI_BIN/mugai_failfs.so \
ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0"
start --spool "$T/spool" --database "$T/db" --config "$T/r.conf" --workers 1
echo result.json > "$T/fail"
a=$(curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt" | json 'd["id"]')
b=$(curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo2.txt" | json 'd["id"]')
check "fsync of result.json fails: both jobs are tried again, more than once" until_metric mugai_commit_retries_total 4
check "  ... they count in mugai_queue_depth" until_metric mugai_queue_depth 1
check "  ... neither has a verdict" sh -c "[ '$(verdict "$a")' = None ] && [ '$(verdict "$b")' = None ]"
check "  ... the waits are logged with their backoff" grep -q "runs again in 2 s" "$T/daemon.log"
: > "$T/fail"
wait_state "$a" done || true
wait_state "$b" done || true
check "the disk well again: both released by the same daemon, no restart" \
    sh -c "[ '$(verdict "$a")' = released ] && [ '$(verdict "$b")' = released ] && kill -0 $PID"
check "  ... the queue is empty" test "$(metric mugai_queue_depth)" = 0
check "  ... nothing left in queue/ or active/" test -z "$(find "$T/spool/queue" "$T/spool/active" -mindepth 1)"
stop
MUGAID_ENV=""

# 2. the spool's file system fills while two acknowledged jobs wait behind
# a long one (200 pages to render), then is freed
mkdir "$T/sp"
if ! mount -t tmpfs -o size=64m tmpfs "$T/sp"; then
    echo "cannot mount a tmpfs (this test needs root)"; exit 1
fi
start --spool "$T/sp/spool" --database "$T/db" --config "$T/r2.conf" --workers 1
"$MUGAI_BIN/mkpdf" "$T/busy.pdf" --pages 200
busy=$(curl -s -X POST --data-binary @"$T/busy.pdf" "$U/v1/jobs?filename=busy.pdf&mode=image-pdf" | json 'd["id"]')
c=$(curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=c.txt" | json 'd["id"]')
d=$(curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=d.txt" | json 'd["id"]')
dd if=/dev/zero of="$T/sp/fill" bs=65536 > /dev/null 2>&1 || true
check "both small jobs acknowledged behind the long one, before the disk filled" \
    sh -c "[ -d '$T/sp/spool/queue/$c' ] && [ -d '$T/sp/spool/queue/$d' ]"
check "disk full: the jobs fail to commit and are queued again" until_metric mugai_commit_retries_total 3
check "  ... they count in mugai_queue_depth" until_metric mugai_queue_depth 2
check "  ... neither small job has a verdict" sh -c "[ '$(verdict "$c")' = None ] && [ '$(verdict "$d")' = None ]"
rm -f "$T/sp/fill"
for j in $c $d $busy; do long_wait "$j"; done
check "room again: the same daemon releases them" \
    sh -c "[ '$(verdict "$c")' = released ] && [ '$(verdict "$d")' = released ] && kill -0 $PID"
check "  ... and the long job" test "$(verdict "$busy")" = released
check "  ... the queue is empty" test "$(metric mugai_queue_depth)" = 0
check "the audit chain verifies" "$MUGAI" admin verify-audit "$T/audit2.jsonl"
stop
umount "$T/sp"
finish
