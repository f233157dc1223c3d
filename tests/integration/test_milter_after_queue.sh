#!/bin/sh
# The recommended placement: Postfix queues the message first and hands it
# to a second smtpd on loopback that carries mugai-milter.  With mugaid
# stopped the message is deferred (4xx from the milter's smtpd), nothing is
# delivered; once the intake answers again, postqueue -f delivers the
# message rebuilt by mugaid (started again on the same ports).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
stop   # mugaid stopped: its port is closed
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT" after
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; rm -rf "$T"' EXIT
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"

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

# mugaid again, on the same ports and spool
"$MUGAID" --listen 127.0.0.1:$IN --release-listen 127.0.0.1:$OUT --spool "$T/spool" \
    --database "$T/db" --workers 1 >> "$T/daemon.log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
i=0
until curl -fs "$U/healthz" > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
postfix_flush
check "intake back + postqueue -f: delivered" wait_delivered 1
check "delivered rebuilt, never the original" grep -q '^X-Mugai-Sanitized: attachments=0 ' "$SINK/0000.eml"
check "delivered: the body, sanitised by mugaid" python3 - "$SINK/0000.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
sys.exit(0 if m.get_content().strip() == "body" and str(m["Subject"]) == "after-queue" else 1)
PY
check "the queue is empty" test "$(postfix_queue)" -eq 0
finish
