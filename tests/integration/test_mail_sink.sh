#!/bin/sh
# The SMTP sink of the mail tests and benchmarks (mail_helpers.py sink),
# without Postfix: messages delivered to it by several clients at once (as
# Postfix's smtp client delivers) each end in a file of their own, and every
# delivery is answered 250.  Two deliveries that picked the same file number
# used to lose one message and break the other's connection, which Postfix
# then deferred (bench_mail.sh waited for it for ever).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mail_lib.sh"
SINK_PORT=$(mail_port)
mkdir -p "$SINK"
python3 "$HELPERS" sink "$SINK_PORT" "$SINK" > "$T/sink.log" 2>&1 &
SINK_PID=$!
trap 'kill "$SINK_PID" 2>/dev/null || true; rm -rf "$T"' EXIT
i=0
while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $SINK_PORT), 1)" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "sink did not start"; cat "$T/sink.log"; exit 1; }
    sleep 0.1
done
# 8 clients, 25 messages each, all started together; each message carries
# its own Subject; prints the number of deliveries not answered 250
python3 - "$SINK_PORT" > "$T/send.out" 2>&1 <<'PY'
import smtplib, sys, threading
port, clients, each = int(sys.argv[1]), 8, 25
go, failed, lock = threading.Barrier(clients), [], threading.Lock()
def client(c):
    go.wait()
    for k in range(each):
        msg = ("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: m-%d-%d\r\n\r\n" % (c, k)
               + "body line\r\n" * 200)
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
                s.sendmail("a@example.jp", ["b@example.jp"], msg)
        except (smtplib.SMTPException, OSError) as e:
            with lock:
                failed.append(repr(e))
ts = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(failed))
PY
check "every delivery answered 250" test "$(tail -n 1 "$T/send.out")" = 0
check "200 files in the sink" test "$(delivered)" -eq 200
check "200 different messages in them" test "$(cat "$SINK"/*.eml | grep -c '^Subject: m-' || true)" -eq 200 -a \
    "$(cat "$SINK"/*.eml | grep '^Subject: m-' | sort -u | wc -l)" -eq 200
check "no temporary file left" test "$(find "$SINK" -name '.*' -type f | wc -l)" -eq 0
finish
