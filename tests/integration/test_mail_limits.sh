#!/bin/sh
# The [mail] limits of mugaid's intake: a mail job's envelope (mugai-milter
# sends X-Mugai-Envelope-From and one X-Mugai-Envelope-To per recipient).
# More than [mail] max_recipients recipients, or an address longer than
# [mail] max_address_bytes, is answered 400 bad-envelope with a message
# naming the key, and no job is made; the defaults (1000, 512) take the
# same requests.  PPAP password candidates: [mail] ppap_max_candidates,
# ppap_max_candidate_bytes and ppap_max_text_bytes set low leave the
# password of a second mail out of the candidates its held mail is tried
# with (no follow-up through [mail] relay); the defaults open it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
cp -r "$MUGAI_TESTDB" "$T/db"
printf 'From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: hi\r\n\r\nhello\r\n' > "$T/plain.eml"
a40="$(python3 -c 'print("x" * 29 + "@example.jp")')" # 40 bytes
a41="x$a40"
# post_mail OUT FROM RCPT...: POST plain.eml as a mail job (?mode=mail) with
# this envelope; the answer's body in OUT, its status in $ST
post_mail() {
    out=$1 from=$2
    shift 2
    for r in "$@"; do set -- "$@" -H "X-Mugai-Envelope-To: $r"; shift; done
    ST=$(curl -s -o "$out" -w '%{http_code}' -X POST --data-binary @"$T/plain.eml" \
        -H "X-Mugai-Envelope-From: $from" "$@" "$U/v1/jobs?mode=mail&wait=30")
}
# answer OUT EXPR: a python expression over the JSON answer d in OUT
answer() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }
spool_files() { find "$T/$1" -type f | wc -l; }

# status_is CODE OUT EXPR: the answer was CODE and EXPR holds for its JSON d
status_is() { [ "$ST" = "$1" ] && answer "$2" "$3"; }

printf '[mail]\nmax_recipients = 2\nmax_address_bytes = 40\n' > "$T/low.conf"
start --config "$T/low.conf" --spool "$T/spool" --database "$T/db" --workers 1
post_mail "$T/a1" a@example.jp r1@example.lg.jp r2@example.lg.jp
check "max_recipients 2: two recipients are taken, the mail released" status_is 200 "$T/a1" \
    'd["verdict"] == "released" and d["envelope"]["to"] == ["r1@example.lg.jp", "r2@example.lg.jp"]'
before=$(spool_files spool)
post_mail "$T/a2" a@example.jp r1@example.lg.jp r2@example.lg.jp r3@example.lg.jp
check "max_recipients 2: three recipients get 400 bad-envelope naming [mail] max_recipients" \
    status_is 400 "$T/a2" \
    'd["error"]["code"] == "bad-envelope" and "more than 2 recipients ([mail] max_recipients)" in d["error"]["message"]'
post_mail "$T/a3" a@example.jp r1@example.lg.jp "$a41"
check "max_address_bytes 40: a 41-byte recipient gets 400 naming [mail] max_address_bytes" \
    status_is 400 "$T/a3" '"longer than 40 bytes ([mail] max_address_bytes)" in d["error"]["message"]'
post_mail "$T/a4" "$a41" r1@example.lg.jp
check "max_address_bytes 40: a 41-byte sender gets 400 too" status_is 400 "$T/a4" \
    '"X-Mugai-Envelope-From" in d["error"]["message"] and "[mail] max_address_bytes" in d["error"]["message"]'
check "the refused envelopes made no job (nothing new in the spool)" test "$(spool_files spool)" = "$before"
post_mail "$T/a5" "$a40" "$a40"
check "max_address_bytes 40: 40-byte addresses are taken" status_is 200 "$T/a5" 'd["verdict"] == "released"'
stop

# the defaults take what the low limits refused
start --spool "$T/spool2" --database "$T/db" --workers 1
post_mail "$T/b1" "$a41" r1@example.lg.jp r2@example.lg.jp r3@example.lg.jp "$a41"
check "defaults (1000 recipients, 512 bytes): the same envelope is taken" status_is 200 "$T/b1" \
    'd["verdict"] == "released" and len(d["envelope"]["to"]) == 4'
# 1000 recipients of 32 bytes fit in [daemon] connection_memory (256 KiB);
# in 64 KiB (the old fixed size) they do not: 431, which the milter tempfails
rcpts=$(seq -f 'staff%05g@city.example.lg.jp' 1 1000)
# shellcheck disable=SC2086
post_mail "$T/b2" a@example.jp $rcpts
check "defaults: 1000 recipients are taken" status_is 200 "$T/b2" 'len(d["envelope"]["to"]) == 1000'
stop
printf '[daemon]\nconnection_memory = 65536\n' > "$T/mem.conf"
start --config "$T/mem.conf" --spool "$T/spool3" --database "$T/db" --workers 1
# shellcheck disable=SC2086
post_mail "$T/b3" a@example.jp $rcpts
check "connection_memory 64 KiB: 1000 recipients are refused (431)" test "$ST" = 431
stop

# PPAP: a held zip, then a password mail from the same sender whose third
# candidate is the password, 47 bytes into its body, 10 bytes long.  The
# held mail is run again with the password mail's candidates, and the audit
# log says how many were tried ("password tried", "passwords": N)
SINK="$T/sink"
mkdir -p "$SINK"
SINK_PORT=$(port)
python3 "$MUGAI_SRC/tests/integration/mail_helpers.py" sink "$SINK_PORT" "$SINK" > "$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
(cd "$T" && printf '見積の明細\n' > memo.txt && zip -q -P 'Mitsu-2024' ppap.zip memo.txt)
python3 - "$T" <<'PY'
import sys
from email.message import EmailMessage
t = sys.argv[1]
def mail(name, body, attach=None):
    m = EmailMessage()
    m["From"] = "sender@example.jp"; m["To"] = "rcpt@example.lg.jp"; m["Subject"] = name
    m["Message-ID"] = "<%s@example.jp>" % name
    m.set_content(body)
    if attach:
        m.add_attachment(open(attach, "rb").read(), maintype="application", subtype="zip",
                         filename="見積.zip")
    open("%s/%s.eml" % (t, name), "wb").write(bytes(m))
mail("ppap", "見積書を送ります。パスワードは別送します。\n", t + "/ppap.zip")
mail("pw", "ご確認ください。\nPW: wrong1\nPW: wrong2\nPW: Mitsu-2024\n")
PY
# ppap_run NAME [CONFIG-LINE]: a fresh mugaid with [mail] relay to the sink
# (and the line); the held mail, then the password mail; HELD is its job id
ppap_run() {
    printf '[mail]\nrelay = 127.0.0.1:%s\n%s\n' "$SINK_PORT" "${2:-}" > "$T/$1.conf"
    start --config "$T/$1.conf" --spool "$T/spool-$1" --database "$T/db" --workers 1
    for m in ppap pw; do
        curl -s -o "$T/$1-$m.json" -X POST --data-binary @"$T/$m.eml" \
            -H "X-Mugai-Envelope-From: sender@example.jp" \
            -H "X-Mugai-Envelope-To: rcpt@example.lg.jp" "$U/v1/jobs?mode=mail&wait=60"
    done
    check "$1: the first mail released with its zip held" \
        answer "$T/$1-ppap.json" 'd["verdict"] == "released" and len(d["held_items"]) == 1'
    HELD=$(json 'd["id"]' < "$T/$1-ppap.json")
}
# tried N: the held mail was run again with N candidates (waits for the
# audit record, at most 60 s)
tried() {
    i=0
    while ! audit_lines "password tried" "$HELD" | grep -q .; do
        i=$((i + 1)); [ $i -gt 600 ] && return 1
        sleep 0.1
    done
    audit_lines "password tried" "$HELD" | grep -q "\"passwords\":$1[,}]"
}
delivered() { find "$SINK" -name '*.eml' | wc -l; }
wait_followup() {
    i=0
    while [ "$(delivered)" -lt 1 ]; do
        i=$((i + 1)); [ $i -gt 600 ] && return 1
        sleep 0.1
    done
}
for run in "ppap_max_candidates = 2:2" "ppap_max_candidate_bytes = 9:2" "ppap_max_text_bytes = 40:1"; do
    low=${run%:*}
    ppap_run "${low%% *}" "$low"
    check "$low: ${run##*:} candidate(s) tried, not the password" tried "${run##*:}"
    stop
done
ppap_run defaults
check "defaults (8 candidates, 64 bytes, 256K): all 3 candidates tried" tried 3
check "defaults: the third opens the zip, the follow-up is sent" wait_followup
stop
check "low limits: no follow-up was ever sent but the defaults' one" test "$(delivered)" -eq 1
finish
