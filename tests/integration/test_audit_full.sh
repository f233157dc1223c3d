#!/bin/sh
# The audit log on a full file system (a small tmpfs, filled; issue 13
# point 2): no record, no release.  Three text jobs are acknowledged but
# get no verdict and nothing is served for them while the audit log cannot
# be written; they wait and run again; /readyz answers 503 and /metrics
# counts the failures.  Once the disk has room they are released, each
# with its verdict line, and /readyz is 200 again.  Needs root (mount).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; wait; umount -l "$T/aud" 2>/dev/null || true; rm -rf "$T" || true' EXIT
metric() { curl -s "$U/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# until_metric NAME MIN: true once metric NAME >= MIN (polled, at most 30 s)
until_metric() {
    for _ in $(seq 1 300); do
        [ "$(metric "$1" || echo 0)" -ge "$2" ] 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
mkdir "$T/aud"
if ! mount -t tmpfs -o size=64k tmpfs "$T/aud"; then
    echo "cannot mount a tmpfs (this test needs root)"; exit 1
fi
dd if=/dev/zero of="$T/aud/fill" bs=4096 > /dev/null 2>&1 || true
check "the audit file system is full" sh -c "! printf x > '$T/aud/probe' 2>/dev/null || ! test -s '$T/aud/probe'"
rm -f "$T/aud/probe"
cp -r "$MUGAI_TESTDB" "$T/db"
cat > "$T/a.conf" <<EOC
[daemon]
commit_retry_min = 1
commit_retry_max = 2
[audit]
path = $T/aud/audit.jsonl
key_file = $T/audit.key
EOC
start --spool "$T/spool" --database "$T/db" --config "$T/a.conf" --workers 2
for i in 1 2 3; do
    printf '会議資料 %s\n' $i > "$T/memo$i.txt"
    curl -s -X POST --data-binary @"$T/memo$i.txt" "$U/v1/jobs?filename=memo$i.txt" > "$T/r$i.json"
done
ids=$(for i in 1 2 3; do json 'd["id"]' < "$T/r$i.json"; done | tr '\n' ' ')
check "three jobs acknowledged" test "$(echo $ids | wc -w)" = 3
check "each of them failed to commit and was queued again" until_metric mugai_commit_retries_total 3
check "/readyz answers 503" test "$(code "$U/readyz")" = 503
check "  ... saying why" sh -c "curl -s '$U/readyz' | grep -q 'audit log cannot be written'"
check "/metrics counts the audit write failures" test "$(metric mugai_audit_write_failures_total)" -ge 3
check "  ... and shows the audit log unwritable" test "$(metric mugai_audit_writable)" = 0
n=0
for id in $ids; do
    st=$(job_state "$id")
    [ "$st" = queued ] || [ "$st" = processing ] || [ "$st" = active ] && n=$((n + 1))
done
check "no job has a verdict" test "$n" = 3
check "nothing is served for them" sh -c "for id in $ids; do [ \$(curl -s -o /dev/null -w '%{http_code}' '$R/v1/jobs/'\$id'/artefacts/0') != 200 ] || exit 1; done"
check "nothing of them is in done/" test -z "$(ls -A "$T/spool/done")"

rm -f "$T/aud/fill"
for id in $ids; do wait_state "$id" done || true; done
check "room again: the three jobs are released" sh -c \
    "for id in $ids; do [ \"\$(curl -s '$U/v1/jobs/'\$id | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"verdict\"])')\" = released ] || exit 1; done"
check "  ... each with its verdict line" sh -c \
    "for id in $ids; do grep '\"event\":\"verdict\"' '$T/aud/audit.jsonl' | grep -q \$id || exit 1; done"
check "  ... by the same daemon" kill -0 "$PID"
check "/readyz is 200 again" test "$(code "$U/readyz")" = 200
check "the audit chain verifies" "$MUGAI" admin verify-audit --key "$T/audit.key" "$T/aud/audit.jsonl"
stop
umount "$T/aud"
finish
