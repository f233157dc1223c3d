#!/bin/sh
# mugai-milter keeps to the [mail] envelope limits mugaid keeps (a real
# Postfix, before-queue milter, the real mugaid): a recipient over [mail]
# max_recipients is refused alone with 452 4.5.3 naming the key (as Postfix's
# smtpd_recipient_limit does; the client sends it again later), an address
# longer than [mail] max_address_bytes gets 553 naming the key (for good: it will not shrink); the mail goes
# on to the recipients taken, and mugaid's job has exactly those.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

cp -r "$MUGAI_TESTDB" "$T/db"
printf '[mail]\nmax_recipients = 2\nmax_address_bytes = 40\n[limits]\ninput_max_size = 65536\n' > "$T/mugai.conf"
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 1
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
printf '[milter]\nrelease_url = %s\n[mail]\nmax_recipients = 2\nmax_address_bytes = 40\n' "$R" \
    > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"

printf 'From: a@example.jp\r\nTo: r1@example.lg.jp\r\nSubject: limits\r\n\r\nhello\r\n' > "$T/m.eml"
long="$(python3 -c 'print("x" * 27 + "@example.lg.jp")')" # 41 bytes with <>
# send RCPT...: the message to these recipients; prints one line per refused
# recipient ("addr code text") and then "sent"
send() {
    python3 - "$SMTP_PORT" "$T/m.eml" "$@" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=600) as s:
    try:
        refused = s.sendmail("a@example.jp", sys.argv[3:], open(sys.argv[2], "rb").read())
    except smtplib.SMTPRecipientsRefused as e:
        refused = e.recipients
for r, (code, text) in sorted(refused.items()):
    print(r, code, text.decode())
print("sent" if len(refused) < len(sys.argv[3:]) else "none taken")
PY
}
send r1@example.lg.jp r2@example.lg.jp r3@example.lg.jp "$long" > "$T/out1"
cat "$T/out1"
check "the first two recipients taken, the mail sent" sh -c \
    "tail -1 '$T/out1' | grep -qx sent && ! grep -q '^r1@\|^r2@' '$T/out1'"
check "the third recipient: 452 4.5.3 naming [mail] max_recipients" \
    grep -q '^r3@example.lg.jp 452 4.5.3 .*more than 2 recipients (\[mail\] max_recipients)' "$T/out1"
check "a 41-byte address: 553 naming [mail] max_address_bytes" \
    grep -q "^$long 553 5.1.3 .*longer than 40 bytes (\[mail\] max_address_bytes)" "$T/out1"
check "delivered once" wait_delivered 1
check "delivered sanitised" look "$SINK/0000.eml" '"X-Mugai-Sanitized" in m'
check "mugaid's job has the two recipients taken" python3 - "$T/spool" <<'PY'
import json, os, sys
envs = []
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".json"):
            try:
                j = json.load(open(os.path.join(d, f)))
            except Exception:
                continue
            if isinstance(j, dict) and "envelope" in j:
                envs.append(j["envelope"])
ok = len(envs) > 0 and all(e["to"] == ["<r1@example.lg.jp>", "<r2@example.lg.jp>"] for e in envs)
print(envs) if not ok else None
sys.exit(0 if ok else 1)
PY

# a message over mugaid's [limits] input_max_size (413 from mugaid): 552 for
# good, not a tempfail retried for days; nothing delivered
n=$(find "$SINK" -name '*.eml' | wc -l)
python3 -c "import sys; sys.stdout.write('From: a@example.jp\r\nTo: r1@example.lg.jp\r\nSubject: big\r\n\r\n' + ('x' * 76 + '\r\n') * 1200)" > "$T/m.eml"
send r1@example.lg.jp > "$T/out3" 2>&1 || true
cat "$T/out3"
check "over mugaid's input_max_size: 552 5.3.4 naming the key" \
    grep -q "552.*5.3.4.*input_max_size" "$T/out3"
check "over mugaid's input_max_size: nothing delivered" test "$(find "$SINK" -name '*.eml' | wc -l)" -eq "$n"
finish
