#!/bin/sh
# One client cannot make the intake unavailable (issue 13 point 10): 300
# connections from 127.0.0.1, each trickling an upload's header a byte a
# second, while a client from 127.0.0.2 (the loopback range is all local)
# gets /healthz and completes an upload.  [daemon] per_address_connections
# bounds what one address holds; connection_timeout closes a connection
# that sends nothing.  max_waiters = 0 makes the listener's connection
# limit 256, which the 300 would fill without the per-address limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
SLOW="$MUGAI_SRC/tests/integration/slow_clients.py"
PER_ADDRESS=16
SLOW_COUNT=300

cp -r "$MUGAI_TESTDB" "$T/db"
printf '[daemon]\nmax_waiters = 0\nper_address_connections = %d\nconnection_timeout = 3\n' \
    $PER_ADDRESS > "$T/slow.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/slow.conf" --workers 1
printf 'memo from the other client\n' > "$T/memo.txt"

mkdir "$T/slow"
python3 "$SLOW" "$IN" $SLOW_COUNT 127.0.0.1 "$T/slow" > "$T/slow.json" &
slow=$!; PIDS="$PIDS $slow"
for _ in $(seq 1 600); do [ -e "$T/slow/ready" ] && break; sleep 0.1; done
check "the slow clients are connected and trickling" test -e "$T/slow/ready"
kept=$(cat "$T/slow/ready" 2>/dev/null || echo none)
echo "  connections mugaid kept open from 127.0.0.1: $kept of $SLOW_COUNT"
check "  ... at most per_address_connections ($PER_ADDRESS) kept" test "$kept" -le $PER_ADDRESS

# another address, while the slow ones trickle on (curl bounded in time)
check "/healthz from 127.0.0.2 answers meanwhile" \
    test "$(curl -s --max-time 20 --interface 127.0.0.2 "$U/healthz")" = ok
# (max_waiters = 0: the ?wait is answered at once, 202; then polled)
st=$(curl -s --max-time 60 --interface 127.0.0.2 -o "$T/up.json" -w '%{http_code}' -X POST \
    --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt")
check "an upload from 127.0.0.2 is taken meanwhile ($st)" test "$st" = 202
id=$(json 'd["id"]' < "$T/up.json" 2>/dev/null || echo none)
: > "$T/job.json"
for _ in $(seq 1 300); do
    [ "$st" = 202 ] || break
    curl -s --max-time 20 --interface 127.0.0.2 -o "$T/job.json" "$U/v1/jobs/$id" || break
    [ "$(json 'd["state"]' < "$T/job.json" 2>/dev/null)" = done ] && break
    sleep 0.1
done
check "  ... and completes: released" test "$(json 'd["verdict"]' < "$T/job.json" 2>/dev/null)" = released
check "the slow clients still trickle" kill -0 $slow
touch "$T/slow/stop"
wait $slow || true
echo "  slow clients: $(cat "$T/slow.json")"

# a connection that sends nothing is closed after connection_timeout
# (the read below waits for mugaid, bounded by MAX_SECONDS of its own)
idle=$(python3 - "$IN" <<'PY'
import socket, sys
s = socket.socket(); s.bind(("127.0.0.3", 0)); s.settimeout(60)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.send(b"GET /healthz HTTP/1.1\r\n")
try:
    print("closed" if s.recv(4096) == b"" else "answered")
except socket.timeout:
    print("still open")
PY
)
check "a connection that stops sending is closed by mugaid ($idle)" test "$idle" = closed
check "mugaid still serves 127.0.0.1 afterwards" test "$(curl -s --max-time 20 "$U/healthz")" = ok
finish
