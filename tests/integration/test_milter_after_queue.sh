#!/bin/sh
# The recommended placement: Postfix queues the message first and hands it
# to a second smtpd on loopback that carries mugai-milter.  With mugaid
# stopped the message is deferred (4xx from the milter's smtpd), nothing is
# delivered; once the intake answers again, postqueue -f delivers the
# rebuilt message.  mugaid itself runs here and is stopped; what answers
# after it is the stand-in (mail_helpers.py stub) until mugaid runs mail
# jobs: that step of the pipeline comes with its wiring.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
stop   # mugaid stopped: its port is closed
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT" after
STUB_PID=
trap 'milter_stop; postfix_stop; [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null; rm -rf "$T"' EXIT
milter_start --server "$U"

cat > "$T/m.eml" <<'EOF'
From: sender@example.jp
To: rcpt@example.lg.jp
Subject: after-queue
Content-Type: text/plain

body
EOF
r=$(mail_send "$T/m.eml"); echo "  answer: $r"
check "accepted into the queue (the client is never held)" test "$r" = sent
check "mugaid stopped: deferred" wait_deferred 1
grep -o 'status=deferred.*' "$PF/maillog" | head -1 | sed 's/^/  /'
check "the deferral is the milter's 4xx" grep -q 'status=deferred.*4[0-9][0-9].*mugai' "$PF/maillog"
check "nothing delivered" test "$(delivered)" -eq 0

python3 "$HELPERS" stub "${U##*:}" rebuild > "$T/stub.log" 2>&1 &
STUB_PID=$!
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', ${U##*:}), 1)" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
postfix_flush
check "intake back + postqueue -f: delivered" wait_delivered 1
check "delivered rebuilt, never the original" grep -q '^X-Mugai-Sanitized: ' "$SINK/0000.eml"
check "the queue is empty" test "$(postfix_queue)" -eq 0
finish
