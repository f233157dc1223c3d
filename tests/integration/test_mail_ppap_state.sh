#!/bin/sh
# PPAP kept in the spool, through mugaid alone (mail jobs as mugai-milter
# submits them: ?mode=mail with X-Mugai-Envelope-From/-To; the follow-ups
# go to an SMTP sink as [mail] relay):
#   - a password in the same mail opens its zip inside the job: delivered
#     with the member, nothing held, no follow-up;
#   - a held mail survives a restart: a later mail of the same sender with
#     its password still opens it; the job is run again through the worker
#     (its verdict audited), held_items gone, the follow-up sent and
#     recorded ("followup": sent) and audited;
#   - `mugai password` on a held mail sends the follow-up too (a wrong one
#     first: still held, exit 1);
#   - a follow-up the relay refuses stays pending in the result, and is sent
#     after a restart once the relay answers;
#   - two held mails of one sender with wrong candidates each do not give
#     them to each other without end;
#   - [mail] expired_notice: held mails purged without their password get
#     a notice to their recipients; opened ones do not;
#   - [mail] ppap_max_tried_mails bounds the held mails one later mail
#     opens (the newest first);
#   - no password in the logs, the audit log or the spool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/ppap_sink.sh"
DEAD_PORT=$(port) # nothing listens there

conf() { # conf RELAY [EXTRA LINES]
    printf '[mail]\nrelay = 127.0.0.1:%s\nppap_window = 3600\n%s\n' "$1" "${2:-}" > "$T/mugai.conf"
}
run() { start --config "$T/mugai.conf" --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 1; }

# mails: NAME ZIP-PASSWORD BODY [SENDER]
python3 - "$T" <<'PY'
import io, subprocess, sys, os
from email.message import EmailMessage
t = sys.argv[1]
def mail(name, zpw, body, sender="sender@example.jp", subject=None):
    d = os.path.join(t, "z-" + name)
    os.makedirs(d)
    open(os.path.join(d, "memo.txt"), "w").write("明細 %s\n" % name)
    subprocess.run(["zip", "-q", "-P", zpw, "p.zip", "memo.txt"], cwd=d, check=True)
    m = EmailMessage()
    m["From"] = sender; m["To"] = "rcpt@example.lg.jp"
    m["Subject"] = subject or ("見積書 " + name)
    m["Message-ID"] = "<%s@example.jp>" % name
    m.set_content(body)
    m.add_attachment(open(os.path.join(d, "p.zip"), "rb").read(), maintype="application",
                     subtype="zip", filename="見積.zip")
    open(os.path.join(t, name + ".eml"), "wb").write(bytes(m).replace(b"\n", b"\r\n"))
def plain(name, body, sender="sender@example.jp"):
    m = EmailMessage()
    m["From"] = sender; m["To"] = "rcpt@example.lg.jp"; m["Subject"] = "パスワード"
    m["Message-ID"] = "<%s@example.jp>" % name
    m.set_content(body)
    open(os.path.join(t, name + ".eml"), "wb").write(bytes(m).replace(b"\n", b"\r\n"))
mail("a", "Mitsu-2024", "見積書を送ります。パスワードは別送します。\n")
mail("same", "Kaigi-77", "会議資料です。\n\nパスワード： Kaigi-77\n")
mail("c", "Cli-pass-1", "資料です。\n")
mail("e", "Relay-9", "資料です。\n")
mail("x", "Real-X", "資料です。パスワード: wrong-x1\n", sender="loop@example.jp")
mail("y", "Real-Y", "資料です。パスワード: wrong-y1\n", sender="loop@example.jp")
mail("d", "Never-5", "資料です。\n")
plain("pw", "先ほどのファイルのパスワードです。\n\nパスワード： Mitsu-2024\n")
mail("m1", "Same-1", "資料1です。\n", sender="many@example.jp")
mail("m2", "Same-1", "資料2です。\n", sender="many@example.jp")
plain("pw2", "パスワード: Same-1\n", sender="many@example.jp")
PY
# mail NAME [SENDER]: submitted as mugai-milter does; prints the job id
mail() {
    curl -s -X POST --data-binary @"$T/$1.eml" -H "X-Mugai-Envelope-From: ${2:-sender@example.jp}" \
        -H "X-Mugai-Envelope-To: rcpt@example.lg.jp" "$U/v1/jobs?mode=mail&filename=$1.eml&wait=60" |
        json 'd["id"]'
}
memo_in() { # memo_in FILE NAME: the opened member is in the message
    look "$1" "any(p.get_filename() == 'memo.txt' and p.get_content() == '明細 $2\n' for p in parts)"
}

conf "$SINK_PORT"
run
# the password in the same mail
same=$(mail same)
check "same mail: released, nothing held, no follow-up" test "$(job_state "$same" \
    'd["verdict"] == "released" and "held_items" not in d and "followup" not in d')" = True
curl -s "$U/v1/jobs/$same/artefacts/0" -o "$T/same.out.eml"
check "same mail: held=0 in the rebuilt message" grep -q 'held=0' "$T/same.out.eml"
check "same mail: memo.txt delivered" memo_in "$T/same.out.eml" same

a=$(mail a)
check "held: released with held_items" test "$(job_state "$a" \
    'd["verdict"] == "released" and len(d["held_items"]) == 1')" = True
stop
run
check "restart: the held mail is known again" grep -q "PPAP: 1 held mail(s)" "$T/daemon.log"
pw=$(mail pw)
check "password mail: released" test "$(job_state "$pw" 'd["verdict"]')" = released
check "the follow-up of the held mail arrives" wait_reply a
fu=$(reply_of a)
check "follow-up: 【無害化済】 + the subject, to the recipient" look "$fu" \
    'str(m["Subject"]) == "【無害化済】見積書 a" and m["To"] == "rcpt@example.lg.jp"'
check "follow-up: the opened member" memo_in "$fu" a
check "held mail: nothing held any more, the follow-up recorded as sent" wait_job "$a" \
    '"held_items" not in d and d["followup"]["state"] == "sent" and d["verdict"] == "released"'
check "audit: the candidates tried via mail" sh -c "grep '\"event\":\"password tried\".*\"job\":\"$a\"' '$T/audit.jsonl' | grep -q '\"via\":\"mail\"'"
check "audit: two verdicts of the held mail (the first, the re-run)" test "$(audit_events verdict "$a")" -eq 2
check "audit: the follow-up sent" test "$(audit_events "follow-up sent" "$a")" -eq 1

# mugai password: a wrong one first
c=$(mail c)
rc=0; printf 'not-it\n' | "$MUGAI_BIN/mugai" password --server "$U" --wait 30 "$c" > "$T/cli1.out" 2>&1 || rc=$?
check "mugai password, wrong: exit 1, still held" sh -c "[ $rc -eq 1 ] && grep -q held '$T/cli1.out'"
check "wrong password: no follow-up" test "$(replies c)" -eq 0
rc=0; printf 'Cli-pass-1\n' | "$MUGAI_BIN/mugai" password --server "$U" --wait 30 "$c" > "$T/cli2.out" 2>&1 || rc=$?
check "mugai password, right: exit 0, released" sh -c "[ $rc -eq 0 ] && grep -q released '$T/cli2.out'"
wait_reply c || true
check "mugai password: the follow-up arrives with the member" memo_in "$(reply_of c)" c

# wrong candidates of two held mails of one sender: tried once, not back and forth
x=$(mail x loop@example.jp)
y=$(mail y loop@example.jp)
sleep 2
check "wrong candidates: both still held" sh -c "[ '$(job_state "$x" 'len(d["held_items"])')' = 1 ] && [ '$(job_state "$y" 'len(d["held_items"])')' = 1 ]"
check "wrong candidates: y's given to x once" test "$(audit_events "password tried" "$x")" -eq 1
check "wrong candidates: x's (its re-run) given to nobody" test "$(audit_events "password tried" "$y")" -eq 0
stop

# a follow-up the relay refuses: pending, sent after a restart
conf "$DEAD_PORT"
run
e=$(mail e)
curl -s -X POST -H 'Content-Type: application/json' -d '{"password":"Relay-9"}' \
    "$U/v1/jobs/$e/password?wait=30" > /dev/null
check "relay down: the follow-up pending in the result" wait_job "$e" \
    'd["followup"]["state"] == "pending" and d["followup"]["tries"] >= 1 and "held_items" not in d'
check "relay down: nothing sent" test "$(replies e)" -eq 0
stop
conf "$SINK_PORT"
run
check "relay back: the pending follow-up sent after the restart" wait_reply e
check "relay back: recorded as sent" wait_job "$e" 'd["followup"]["state"] == "sent"'
d=$(mail d)
stop

# expiry: everything purged at start (retention_days = 0); d, x, y still held
conf "$SINK_PORT" "expired_notice = true
[daemon]
retention_days = 0"
run
check "expired: the recipient of the held mail is told" wait_reply d
check "expired: a notice in Japanese naming the job" look "$(reply_of d)" \
    "str(m['Subject']).startswith('【保留期限切れ】') and '$d' in m.get_content() and 'パスワード' in m.get_content()"
check "expired: audited" test "$(audit_events "expiry notice sent" "$d")" -eq 1
check "expired: the other held mails told too (x, y), three in all" sh -c \
    "[ $(audit_events "expiry notice sent" "$x") -eq 1 ] && [ $(audit_events "expiry notice sent" "$y") -eq 1 ] && [ $(audit_events "expiry notice sent") -eq 3 ]"
check "expired: no notice for the opened mails" sh -c \
    "[ $(replies a) -eq 1 ] && [ $(replies c) -eq 1 ] && [ $(replies e) -eq 1 ] && [ $(replies same) -eq 0 ]"
stop

# [mail] ppap_max_tried_mails: one later mail's candidates go to that many
# held mails of its sender, the newest first
conf "$SINK_PORT" "ppap_max_tried_mails = 1"
run
m1=$(mail m1 many@example.jp)
m2=$(mail m2 many@example.jp)
mail pw2 many@example.jp > /dev/null
check "ppap_max_tried_mails 1: the newest held mail opened" wait_reply m2
check "the candidate never in the log or audit log" sh -c "! grep -qa Same-1 '$T/daemon.log' '$T/audit.jsonl'"
check "ppap_max_tried_mails 1: the older one not tried, still held" sh -c \
    "[ $(replies m1) -eq 0 ] && [ $(audit_events "password tried" "$m1") -eq 0 ] && [ '$(job_state "$m1" 'len(d["held_items"])')' = 1 ]"
stop

check "no password in the logs, the audit log or the spool" sh -c \
    "! grep -rqa -e Mitsu-2024 -e Kaigi-77 -e Cli-pass-1 -e Relay-9 -e wrong-x1 -e wrong-y1 -e not-it '$T/daemon.log' '$T/audit.jsonl' '$T/spool'"
finish
