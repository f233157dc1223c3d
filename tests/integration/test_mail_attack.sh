#!/bin/sh
# The mail path attacked the way a hostile sender and a careless relay
# would (a real Postfix, mugai-milter, the real mugaid).  Fail closed: the
# milter never passes the original on (a rebuilt message with no body, the
# original's MIME headers twice in two spellings or with white space
# before the colon, a bare CR or a line without a colon among the headers,
# connections dropped in DATA), and it does not tempfail for ever what it
# can pass (300 headers, a 64 KiB header, a mail that starts with
# DKIM-Signature), while a bound it keeps is a tempfail (20000 MIME
# headers) and an envelope address mugaid would refuse is refused alone.
# The sender's own X-Mugai-* headers reach neither the recipient nor the
# job's envelope; several messages and RSETs on one SMTP connection each
# get their own rebuilt message; exactly [milter] message_max_size passes,
# one byte more is 452; a structure mugaid blocks is 550.  No GMime in
# mugaid or mugai-milter.  The parts themselves: test_mail_attack_parts.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 2
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
MAX=1048576  # [milter] message_max_size: its smallest value
printf '[milter]\nrelease_url = %s\nmessage_max_size = %s\n' "$R" "$MAX" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"
ATTACK="$MUGAI_SRC/tests/integration/mail_attack.py"
python3 "$ATTACK" mails "$T/m"

n=0
# deliver NAME: send $T/m/NAME.eml, wait for it at the sink ($DELIVERED)
deliver() {
    r=$(mail_send "$T/m/$1.eml"); echo "  $1: $r"
    DELIVERED=/dev/null
    if [ "$r" != sent ]; then not_ok "$1: accepted"; return 0; fi
    n=$((n + 1))
    if check "$1: delivered" wait_delivered $n; then
        DELIVERED="$SINK/$(printf %04d $((n - 1))).eml"
    fi
}
ours='m.get_all("X-Mugai-Sanitized") is not None and len(m.get_all("X-Mugai-Sanitized")) == 1 and m["X-Mugai-Sanitized"].startswith("attachments=")'
# exactly one of each MIME header, and the rebuilt message's
one_mime='all(len([k for k in m.keys() if k.lower() == h]) == 1 for h in ("content-type", "mime-version")) and len([k for k in m.keys() if k.lower() == "content-transfer-encoding"]) <= 1 and not any(k.lower() == "content-disposition" for k in m.keys())'
# the last job the milter delivered, as mugaid reports it, into $T/job.json
last_job() { curl -s "$U/v1/jobs/$(sed -n 's/.*job \([0-9a-f]*\): delivered sanitised.*/\1/p' "$T/milter.log" | tail -n 1)" > "$T/job.json"; }

# a multipart whose boundary never comes: the rebuilt message has no body;
# the original's body must still go (smfi_replacebody with nothing)
deliver noboundary
check "no boundary: ours" look "$DELIVERED" "$ours"
check "no boundary: none of the original body is delivered" look "$DELIVERED" \
    'b"ORIGINAL-BYTES" not in raw and b"--BBB" not in raw and b"TVqQ" not in raw'

deliver forged
check "forged X-Mugai-*: only ours, in any spelling" look "$DELIVERED" \
    "$ours"' and not any(k.lower().startswith("x-mugai-") and k.lower() != "x-mugai-sanitized" for k in m.keys()) and b"forged-" not in raw and b"attacker" not in raw'
last_job
check "forged X-Mugai-Envelope-*: the job's envelope is the SMTP one" python3 -c "
import json, sys
d = json.load(open('$T/job.json'))
e = d[\"envelope\"]
sys.exit(0 if e[\"from\"].strip(\"<>\") == \"sender@example.jp\" and [t.strip(\"<>\") for t in e[\"to\"]] == [\"rcpt@example.lg.jp\"] else 1)"

deliver twoct
check "two Content-Types, two spellings: only ours" look "$DELIVERED" "$ours and $one_mime"
check "two Content-Types: the executable is not delivered" look "$DELIVERED" \
    'b"TVqQ" not in raw and not any(p.get_filename() == "evil.exe" for p in parts)'

deliver wsp
check "'Content-Type :': the executable is not delivered" look "$DELIVERED" \
    'b"TVqQ" not in raw and b"ORIGINAL-BYTES" not in raw'
check "'Content-Type :': one Content-Type, ours" look "$DELIVERED" \
    "$ours"' and len([k for k in raw.split(b"\r\n\r\n")[0].split(b"\r\n") if k.lower().replace(b" ", b"").startswith(b"content-type:")]) == 1'

# a bare CR in a header (a client that ends lines there would see a second
# Content-Type): none is delivered, one Content-Type, ours
deliver barecr
check "a bare CR in a header: none delivered, one Content-Type, ours" look "$DELIVERED" \
    "$ours"' and b"\r" not in raw.replace(b"\r\n", b"") and m.get_content_type() == "text/plain" and len(m.get_all("Content-Type")) == 1'

# a line without a colon among the headers: Postfix (and GMime) start the
# body there; the MIME headers after it are text of that body, and stay
# text: one part, no file
deliver nocolon
check "a header line without a colon: one text part, no file, ours" look "$DELIVERED" \
    "$ours and $one_mime"' and len(parts) == 1 and parts[0].get_content_type() == "text/plain" and not parts[0].get_filename() and b"TVqQ" not in raw'

# Postfix hands the milter the sender's headers first (not its Received):
# a mail that starts with a header libmagic does not take for a mail's is
# still read as one (before, mime-unpack refused it and the mail was
# tempfailed for ever)
for name in first-dkim-signature first-mime-version; do
    deliver $name
    check "$name: delivered, ours, the body kept" look "$DELIVERED" "$ours"' and "first header" in text(parts[0])'
done

for name in nobody emptybody; do
    deliver $name
    check "$name: delivered, ours" look "$DELIVERED" "$ours"
done

deliver manyheaders
check "300 X-Trace headers: delivered, ours, the hops kept" look "$DELIVERED" \
    "$ours"' and len(m.get_all("X-Trace")) == 300 and "many hops" in text(parts[0])'

deliver longheader
check "a 60 KiB header: delivered, ours" look "$DELIVERED" "$ours"' and "long header" in text(parts[0])'

deliver longheader2
check "a 64 KiB header: delivered, ours" look "$DELIVERED" "$ours"' and "longer header" in text(parts[0])'

r=$(mail_send "$T/m/manymime.eml"); echo "  manymime: $r"
check "20000 MIME headers: the milter's tempfail (it remembers at most 1000), nothing delivered" \
    sh -c "[ '$r' = 451 ] && grep -q 'too many MIME headers' '$PF/maillog' && [ \$(find '$SINK' -name '*.eml' | wc -l) -eq $n ]"
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$MILTER_PID/status")
echo "  mugai-milter VmHWM: $hwm kB"

# recipients the MTA takes but mugaid's envelope would refuse: refused one
# by one at RCPT, so the others' mail is not deferred for ever
r=$(python3 "$ATTACK" envelope "$SMTP_PORT" "$T/m"); echo "  envelope: $r"
check "a 600-byte and a non-UTF-8 recipient refused (5xx), the plain one delivered" \
    sh -c "case '$r' in '250 5'??' 5'??' 250') exit 0;; esac; exit 1"
n=$((n + 1))
check "the plain recipient's mail delivered" wait_delivered $n

# several messages on one SMTP connection, RSET after RCPT between them:
# each message gets its own rebuilt message (the milter's context reset)
r=$(python3 "$ATTACK" session "$SMTP_PORT" "$T/m" | tr '\n' ' '); echo "  session: $r"
check "one connection: three messages accepted" test "$r" = "sent sent sent "
n=$((n + 3))
check "one connection: three delivered" wait_delivered $n
for k in 3 2 1; do
    f="$SINK/$(printf %04d $((n - k))).eml"
    check "one connection, message $((4 - k)): ours, one of each MIME header" look "$f" \
        "$ours and $one_mime"' and b"TVqQ" not in raw and b"forged-" not in raw'
done
check "one connection: the third is the plain one, its body intact" look "$SINK/$(printf %04d $((n - 1))).eml" \
    'str(m["Subject"]) == "plain" and text(parts[0]).strip() == "plain body"'

# connections that go away in the middle of DATA: nothing delivered, the
# milter's temporary files closed, the next message rebuilt
fds=$(ls "/proc/$MILTER_PID/fd" | wc -l)
python3 "$ATTACK" dropdata "$SMTP_PORT" "$T/m" 5 > /dev/null
deliver plain
check "after 5 connections dropped in DATA: the next one ours, its body intact" look "$DELIVERED" \
    "$ours"' and str(m["Subject"]) == "plain" and text(parts[0]).strip() == "plain body"'
check "after 5 connections dropped in DATA: none delivered, no file left open" sh -c \
    "[ \$(find '$SINK' -name '*.eml' | wc -l) -eq $n ] && [ \$(ls /proc/$MILTER_PID/fd | wc -l) -le $fds ]"

# a structure mugaid blocks whole: 550, nothing delivered
r=$(mail_send "$T/m/deep.eml"); echo "  deep: $r"
check "nested 15 deep: 550 (blocked), nothing delivered" sh -c "[ '$r' = 550 ] && [ \$(find '$SINK' -name '*.eml' | wc -l) -eq $n ]"

# no hostile parsing outside the sandbox: neither mugaid nor mugai-milter
# has GMime (or any document parser but libmagic and libclamav) in it
for b in mugaid mugai-milter; do
    check "$b: no GMime, poppler, libarchive in the process" sh -c \
        "! ldd '$MUGAI_BIN/$b' | grep -Eq 'libgmime|libpoppler|libarchive|libgsf|libreoffice'"
done

# [milter] message_max_size, as the milter counts the message: the headers
# as the MTA hands them over (Postfix's Received included) and the body,
# which is what mugaid receives (the job's size).  A probe gives what the
# MTA adds; a mail that comes to exactly MAX is delivered, one byte more is
# 452 (measured again when the MTA's part changed length)
job_size() { last_job; python3 -c "import json; print(json.load(open('$T/job.json'))['items'][0]['size'])"; }
python3 "$ATTACK" sized "$T/m/probe.eml" 4096
deliver probe
added=$(( $(job_size) - 4096 ))
for try in 1 2 3; do
    python3 "$ATTACK" sized "$T/m/exact.eml" $((MAX - added))
    deliver exact
    got=$(job_size)
    [ "$got" -eq "$MAX" ] && break
    added=$((got - MAX + added))
done
echo "  the MTA adds $added bytes; the exact mail came to $got"
check "exactly message_max_size (as the milter counts): delivered, ours" sh -c \
    "[ '$got' -eq '$MAX' ] && [ -s '$DELIVERED' ]"
check "exactly message_max_size: ours" look "$DELIVERED" "$ours"
python3 "$ATTACK" sized "$T/m/over.eml" $((MAX - added + 1))
r=$(mail_send "$T/m/over.eml"); echo "  one byte over: $r"
check "message_max_size + 1: 452, nothing delivered" sh -c "[ '$r' = 452 ] && [ \$(find '$SINK' -name '*.eml' | wc -l) -eq $n ]"

finish
