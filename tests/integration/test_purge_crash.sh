#!/bin/sh
# purge killed (kill -9, by the failfs shim) at each of its steps (issue 13
# point 4): record first, delete second.  A job is never gone without its
# `purged` record; a purge interrupted after the job left done/ is finished
# at the next start (recorded, then deleted), even when the restarted
# daemon's retention would keep the job.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
SOCK="$T/adm.sock"
cp -r "$MUGAI_TESTDB" "$T/db"
printf '会議資料 memo\n' > "$T/memo.txt"
printf '[daemon]\nretention_days = 0\n' > "$T/zero.conf"
printf '[daemon]\nretention_days = 30\n' > "$T/keep.conf"
: > "$T/ctl"
MUGAID_ENV="MUGAI_FAILFS=$T/ctl LD_PRELOAD=$MUGAI_BIN/mugai_failfs.so \
ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0"
# anywhere ID: the job's directory wherever it is in the spool
anywhere() { find "$T/spool" -name "$1"; }
# alive PID: running (not a zombie)
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }

for point in "rename ID" "fsync done" "fsync audit.jsonl" "unlink original" "unlink meta.json"; do
    start --spool "$T/spool" --database "$T/db" --config "$T/keep.conf" --admin-socket "$SOCK"
    id=$(submit "$T/memo.txt" memo.txt)
    stop
    # retention 0: the purge at start takes the job, and dies at the point
    # (before it listens); a daemon that comes up was not killed
    echo "kill $point" | sed "s/ID/$id/" > "$T/ctl"
    p=$(port)
    # shellcheck disable=SC2086
    env $MUGAID_ENV "$MUGAID" --listen 127.0.0.1:$p --release-listen 127.0.0.1:$(port) \
        --spool "$T/spool" --database "$T/db" --config "$T/zero.conf" --admin-socket "$SOCK" \
        >> "$T/daemon.log" 2>&1 &
    PID=$!; PIDS="$PIDS $PID"
    while alive "$PID" && ! curl -fs "http://127.0.0.1:$p/healthz" > /dev/null 2>&1; do
        sleep 0.1
    done
    killed=yes
    if alive "$PID"; then killed=no; kill -9 "$PID"; fi
    wait "$PID" 2>/dev/null || true
    check "purge killed after '$point'" test "$killed" = yes
    : > "$T/ctl"
    start --spool "$T/spool" --database "$T/db" --config "$T/keep.conf" --admin-socket "$SOCK"
    check "  ... after the restart (retention 30 days) the purge is finished: 404" \
        test "$(code "$U/v1/jobs/$id")" = 404
    check "  ... nothing of the job left in the spool" test -z "$(anywhere "$id")"
    check "  ... and its 'purged' record is in the audit log" test "$(audit_events purged "$id")" -ge 1
    stop
done
check "the audit chain verifies" "$MUGAI" admin verify-audit "$T/audit.jsonl"
finish
