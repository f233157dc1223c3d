# daemon.sh - helpers for the tests that run mugaid (sourced after lib.sh).
MUGAID="$MUGAI_BIN/mugaid"
PIDS=""
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; rm -rf "$T"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# start ARGS... : start mugaid on two free loopback ports and wait for
# /healthz; sets IN, OUT, PID, U, R.  $MUGAID_ENV (VAR=value ...) is put in
# its environment only.
start() {
    IN=$(port); OUT=$(port)
    # shellcheck disable=SC2086
    env ${MUGAID_ENV:-} "$MUGAID" --listen 127.0.0.1:$IN --release-listen 127.0.0.1:$OUT "$@" \
        >> "$T/daemon.log" 2>&1 &
    PID=$!
    PIDS="$PIDS $PID"
    U="http://127.0.0.1:$IN"; R="http://127.0.0.1:$OUT"
    for i in $(seq 1 100); do
        curl -fs "$U/healthz" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "daemon did not start"; cat "$T/daemon.log"; return 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
# submit FILE NAME [QUERY]: POST FILE to $U as NAME with ?wait=30 (and
# &QUERY); prints the job id
submit() { curl -s -X POST --data-binary @"$1" "$U/v1/jobs?filename=$2&wait=30${3:+&$3}" | json 'd["id"]'; }
# job_state ID [EXPR]: the job's state from $U, or a python expression over
# its JSON d
job_state() { curl -s "$U/v1/jobs/$1" | json "${2:-d[\"state\"]}" 2>/dev/null; }
# wait_state ID STATE: true once the job is in STATE (polled for at most
# 10 s; the caller checks the outcome)
wait_state() {
    for _ in $(seq 1 100); do
        [ "$(job_state "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
# audit_lines EVENT [JOB] [FILE]: the audit records of EVENT (for JOB) in
# FILE ($T/audit.jsonl); audit_events: how many
audit_lines() { grep "\"event\":\"$1\"${2:+.*\"job\":\"$2\"}" "${3:-$T/audit.jsonl}" || true; }
audit_events() { audit_lines "$@" | grep -c . || true; }
