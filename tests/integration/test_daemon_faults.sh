#!/bin/sh
# mugaid when the disk fails under it (an LD_PRELOAD shim makes fsync() of a
# chosen file fail with EIO): an upload that cannot be made durable gets 503
# and leaves nothing behind, also when an idle worker had started on it
# already; an artefact whose name cannot be made durable is not released;
# a verdict that cannot be made durable is not given and the job runs again
# at the next start; and the daemon serves on once the disk is well again.
# A filter killed at its timeout fails the job and is counted in /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
jobs_in() { find "$T/spool/$1" -mindepth 1 -maxdepth 1 | wc -l; }

cp -r "$MUGAI_TESTDB" "$T/db"
: > "$T/fail"
# the shim is not built with the sanitizers: let ASan builds load it first
MUGAID_ENV="MUGAI_FAILFS=$T/fail LD_PRELOAD=$MUGAI_BIN/mugai_failfs.so \
ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0"
# a job whose verdict is not committed runs again only after an hour here
# (test_commit_retry.sh shows the retries)
printf '[daemon]\ncommit_retry_min = 3600\ncommit_retry_max = 3600\n' > "$T/late.conf"
start --spool "$T/spool" --database "$T/db" --workers 1 --config "$T/late.conf"
printf '会議資料 memo\n' > "$T/memo.txt"

# the worker is idle, so it gets each upload before the intake is durable
for f in original meta.json; do
    echo "$f" > "$T/fail"
    code=$(curl -s -o "$T/r.json" -w '%{http_code}' -X POST --data-binary @"$T/memo.txt" \
        "$U/v1/jobs?filename=memo.txt&wait=10")
    check "fsync of $f fails: 503" test "$code" = 503
    check "  ... with reason spool-error" grep -q spool-error "$T/r.json"
    for i in $(seq 1 50); do
        [ "$(jobs_in incoming)$(jobs_in queue)$(jobs_in active)$(jobs_in done)" = 0000 ] && break
        sleep 0.1
    done
    check "  ... nothing left in the spool" \
        test "$(jobs_in incoming)$(jobs_in queue)$(jobs_in active)$(jobs_in done)" = 0000
done
check "the removal is logged" grep -q "could not be queued; removed" "$T/daemon.log"
check "no job was audited as received" sh -c "! grep -q '\"received\"' '$T/audit.jsonl'"

# the worker is busy (a 40-page PDF), so the next upload waits in the queue
# instead: its failed intake is cleaned up by the intake itself
"$MUGAI_BIN/mkpdf" "$T/busy.pdf" --pages 40
: > "$T/fail"
busy=$(curl -s -X POST --data-binary @"$T/busy.pdf" "$U/v1/jobs?filename=busy.pdf&mode=image-pdf" | json 'd["id"]')
echo original > "$T/fail"
code=$(curl -s -o "$T/r.json" -w '%{http_code}' -X POST --data-binary @"$T/memo.txt" \
    "$U/v1/jobs?filename=memo.txt")
: > "$T/fail"
check "worker busy, fsync of original fails: 503" test "$code" = 503
check "  ... nothing of it left in incoming/" test "$(jobs_in incoming)" = 0
wait_state "$busy" done || true
check "  ... and the busy job went on: released" test "$(job_state "$busy" 'd["verdict"]')" = released
check "  ... nothing but it in the spool" \
    test "$(jobs_in incoming)$(jobs_in queue)$(jobs_in active)$(jobs_in done)" = 0001

# the released name cannot be made durable: failed, nothing released
echo out > "$T/fail"
curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt&wait=30" > "$T/r.json"
id=$(json 'd["id"]' < "$T/r.json")
check "fsync of out/ fails: the job is failed" test "$(json 'd["verdict"]' < "$T/r.json")" = failed
check "  ... with no artefact" test "$(json 'len(d["artefacts"])' < "$T/r.json")" = 0
check "  ... and nothing in its out/" test -z "$(ls -A "$T/spool/done/$id/out")"
check "  ... and the audit log's last verdict for it says failed" \
    test "$(audit_lines verdict "$id" | tail -1 | json 'd["verdict"]')" = failed

# the verdict cannot be made durable: no verdict is given, the job waits
# in queue/ with an empty result.json (not taken for a recorded one), and
# the next start runs it again
echo result.json > "$T/fail"
code=$(curl -s -o "$T/r.json" -w '%{http_code}' -X POST --data-binary @"$T/memo.txt" \
    "$U/v1/jobs?filename=memo.txt&wait=30")
id=$(json 'd["id"]' < "$T/r.json")
check "fsync of result.json fails: 202, no verdict" test "$code" = 202
check "  ... the job waits in queue/" test -d "$T/spool/queue/$id"
check "  ... its result.json is empty" test ! -s "$T/spool/queue/$id/result.json"
check "  ... nothing is served for it" test "$(job_state "$id")" = queued
check "  ... the audit log says its verdict was not recorded" \
    test "$(audit_events "verdict not recorded" "$id")" = 1

# well again: the same daemon serves
: > "$T/fail"
curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt&wait=30" > "$T/r.json"
check "disk well again: released" test "$(json 'd["verdict"]' < "$T/r.json")" = released
check "the daemon is alive" kill -0 $PID
stop
start --spool "$T/spool" --database "$T/db" --workers 1
wait_state "$id" done || true
check "after a restart the job whose verdict was lost ran again: released" \
    test "$(job_state "$id" 'd.get("verdict")')" = released

# a filter that runs past [limits] filter_timeout is killed: the job fails,
# nothing is released, and /metrics counts it by reason
stop
MUGAID_ENV=""
printf '[limits]\nfilter_timeout = 1\n[policy]\npdf_dpi = 600\n' > "$T/slow.conf"
start --spool "$T/spool2" --database "$T/db" --config "$T/slow.conf" --workers 1
"$MUGAI_BIN/mkpdf" "$T/slow.pdf" --pages 40
curl -s -X POST --data-binary @"$T/slow.pdf" "$U/v1/jobs?filename=slow.pdf&mode=image-pdf&wait=60" > "$T/r.json"
check "a filter past its timeout: failed" test "$(json 'd["verdict"]' < "$T/r.json")" = failed
check "  ... for filter-timeout" test "$(json 'd["items"][0]["reason"].split(":")[0]' < "$T/r.json")" = filter-timeout
check "  ... with no artefact" test "$(json 'len(d["artefacts"])' < "$T/r.json")" = 0
check "  ... counted in /metrics" sh -c "curl -s '$U/metrics' | grep -q '^mugai_filter_failures_total{reason=\"filter-timeout\"} 1$'"
check "  ... and no other filter failure" test "$(curl -s "$U/metrics" | awk '/^mugai_filter_failures_total/ {n += $2} END {print n}')" = 1
check "/metrics has the signature database version" sh -c "curl -s '$U/metrics' | grep -q '^mugai_signature_db_version [0-9]'"
finish
