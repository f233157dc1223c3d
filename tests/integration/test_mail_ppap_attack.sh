#!/bin/sh
# Attacks on PPAP (held mails opened later, tests/integration/
# test_mail_ppap_state.sh shows the promises), through mugaid alone: mail
# jobs as mugai-milter submits them (?mode=mail, X-Mugai-Envelope-From/-To
# as HTTP headers), follow-ups to an SMTP sink as [mail] relay. One worker,
# so that jobs run one after another in the order they were queued.
#   - Bcc: the follow-up's To header does not show the envelope
#     recipients the original's headers did not (a Bcc'd recipient);
#   - X-Mugai-Envelope-* and To headers inside the message choose no
#     recipient: the envelope is the milter's alone;
#   - two zips with different passwords, given one after the other: the
#     second try keeps what the first opened, the mail opens completely;
#   - a held zip with malware inside, opened: the follow-up carries the
#     removal notice and the clean member, never the malware;
#   - mails with wrong candidates from the (forgeable) envelope sender do
#     not lock the password staff give over the API;
#   - the password mail that arrives while the held mail is run again for
#     an earlier mail's (wrong) candidates is not lost;
#   - two passwords at once: each accepted one is one try, audited once;
#   - no follow-up twice after a restart;
#   - [mail] on_malware = reject: a held zip with malware is blocked when
#     opened, nothing sent;
#   - a mail with junk candidates (the rate of tries reached) does not make
#     the right password mail in the same minute be lost;
#   - no password in the logs, the audit log or the spool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/ppap_sink.sh"

# per minute high: the lock, not the rate, is what the flood attack meets
printf '[mail]\nrelay = 127.0.0.1:%s\nppap_window = 3600\n[daemon]\npassword_tries_max = 6\npassword_tries_per_minute = 100\n' \
    "$SINK_PORT" > "$T/mugai.conf"
run() { start --config "$T/mugai.conf" --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 1; }

eicar "$T/eicar.com"
# mails: NAME SENDER BODY ZIPS... (ZIP = PASSWORD:MEMBER[,MEMBER]; a member
# "eicar.com" is the EICAR file, others a line naming mail and member)
python3 - "$T" <<'PY'
import os, subprocess, sys
from email.message import EmailMessage
t = sys.argv[1]
def mail(name, sender, body, zips=(), extra=(), to="rcpt@example.lg.jp"):
    m = EmailMessage()
    m["From"] = sender; m["To"] = to
    m["Subject"] = "資料 " + name
    m["Message-ID"] = "<%s@example.jp>" % name
    for k, v in extra:
        m[k] = v
    m.set_content(body)
    for n, (pw, members) in enumerate(zips):
        d = os.path.join(t, "z-%s-%d" % (name, n))
        os.makedirs(d)
        for mem in members:
            if mem == "eicar.com":
                open(os.path.join(d, mem), "wb").write(open(os.path.join(t, "eicar.com"), "rb").read())
            else:
                open(os.path.join(d, mem), "w").write("明細 %s %s\n" % (name, mem))
        subprocess.run(["zip", "-q", "-P", pw, "p.zip"] + list(members), cwd=d, check=True)
        m.add_attachment(open(os.path.join(d, "p.zip"), "rb").read(), maintype="application",
                         subtype="zip", filename="資料%d.zip" % n)
    open(os.path.join(t, name + ".eml"), "wb").write(bytes(m).replace(b"\n", b"\r\n"))
mail("bcc", "s1@example.jp", "資料です。\n", [("Bcc-pass-1", ["bcc.txt"])])
mail("forge", "s2@example.jp", "資料です。\n", [("Forge-pass-2", ["forge.txt"])],
     extra=[("X-Mugai-Envelope-From", "s2@example.jp"),
            ("X-Mugai-Envelope-To", "evil@attacker.example")],
     to="evil@attacker.example, rcpt@example.lg.jp")
mail("two", "s3@example.jp", "資料です。\n", [("Alpha-pass-3", ["a.txt"]), ("Beta-pass-3", ["b.txt"])])
mail("mal", "s4@example.jp", "資料です。\n", [("Mal-pass-4", ["memo.txt", "eicar.com"])])
mail("lock", "s5@example.jp", "資料です。\n", [("Lock-pass-5", ["lock.txt"])])
mail("flood", "s5@example.jp", "".join("パスワード: guess-5-%d\n" % i for i in range(8)))
# a job that keeps the one worker busy for a while (60 members, a filter run each)
import zipfile
with zipfile.ZipFile(os.path.join(t, "slow.zip"), "w") as z:
    for i in range(60):
        z.writestr("m%03d.txt" % i, "行 %d\n" % i)
mail("race", "s6@example.jp", "資料です。\n", [("Race-pass-6", ["race.txt"])])
mail("race-w", "s6@example.jp", "パスワード: typo-pass-6\n")
mail("race-r", "s6@example.jp", "訂正です。パスワード: Race-pass-6\n")
mail("conc", "s8@example.jp", "資料です。\n", [("Conc-pass-8", ["conc.txt"])])
mail("rate", "s7@example.jp", "資料です。\n", [("Rate-pass-7", ["rate.txt"])])
mail("rate-f", "s7@example.jp", "".join("パスワード: junk-7-%d\n" % i for i in range(3)))
mail("rate-r", "s7@example.jp", "パスワード: Rate-pass-7\n")
PY
# mail NAME SENDER [RCPT...]: submitted as mugai-milter does (one
# X-Mugai-Envelope-To per recipient, default rcpt@example.lg.jp), waited
# for; prints the job id.  mail_nowait: the same, not waited for.
mail_q() {
    name=$1; from=$2; wait=$3; shift 3
    [ $# -gt 0 ] || set -- rcpt@example.lg.jp
    set -- $(for r in "$@"; do printf -- '-H X-Mugai-Envelope-To:%s ' "$r"; done)
    curl -s -X POST --data-binary @"$T/$name.eml" -H "X-Mugai-Envelope-From: $from" "$@" \
        "$U/v1/jobs?mode=mail&filename=$name.eml$wait" | json 'd["id"]'
}
mail() { n=$1; f=$2; shift 2; mail_q "$n" "$f" '&wait=60' "$@"; }
mail_nowait() { n=$1; f=$2; shift 2; mail_q "$n" "$f" '' "$@"; }
# password ID PW: over the API, waited for; prints the HTTP status
password() {
    curl -s -o "$T/pw.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "{\"password\":\"$2\"}" "$U/v1/jobs/$1/password?wait=30"
}
member_in() { # member_in FILE MAIL MEMBER: the opened member is in the message
    look "$1" "any(p.get_filename() == '$3' and p.get_content() == '明細 $2 $3\n' for p in parts)"
}
held() { job_state "$1" 'len(d.get("held_items", []))'; }

run

# Bcc: the envelope names a recipient the headers do not
bcc=$(mail bcc s1@example.jp rcpt@example.lg.jp hidden-bcc@example.lg.jp)
check "bcc: held" test "$(held "$bcc")" = 1
check "bcc: the right password opens it" test "$(password "$bcc" Bcc-pass-1)" = 200
check "bcc: the follow-up arrives" wait_reply bcc
check "bcc: the follow-up's headers do not show the Bcc'd recipient" sh -c \
    "! sed '/^\r\$/q' '$(reply_of bcc)' | grep -qi hidden-bcc"
check "bcc: the follow-up carries the member" member_in "$(reply_of bcc)" bcc bcc.txt

# recipients written inside the message choose nothing
forge=$(mail forge s2@example.jp)
check "forged headers: the envelope is the milter's" test "$(job_state "$forge" \
    'd["envelope"] == {"from": "s2@example.jp", "to": ["rcpt@example.lg.jp"]}')" = True
password "$forge" Forge-pass-2 > /dev/null
check "forged headers: the follow-up arrives" wait_reply forge
check "forged headers: the follow-up goes to the envelope's recipient only" look \
    "$(reply_of forge)" 'm["To"] == "rcpt@example.lg.jp" and "attacker" not in str(m)'

# two zips, two passwords, one after the other
two=$(mail two s3@example.jp)
check "two zips: both held" test "$(held "$two")" = 2
check "two zips: the first password accepted" test "$(password "$two" Alpha-pass-3)" = 200
check "two zips: one still held after the first password" test "$(held "$two")" = 1
check "two zips: the second password accepted" test "$(password "$two" Beta-pass-3)" = 200
check "two zips: nothing held after both passwords" wait_job "$two" \
    '"held_items" not in d and d["followup"]["state"] in ("pending", "sent")'
wait_reply two || true
if [ "$(replies two)" -ge 1 ]; then
    check "two zips: member a.txt" member_in "$(reply_of two)" two a.txt
    check "two zips: member b.txt" member_in "$(reply_of two)" two b.txt
else
    not_ok "two zips: no follow-up to look into"
fi

# malware inside the held zip
mal=$(mail mal s4@example.jp)
check "malware zip: held" test "$(held "$mal")" = 1
check "malware zip: the password accepted" test "$(password "$mal" Mal-pass-4)" = 200
check "malware zip: released with the infected member blocked, the follow-up pending" wait_job "$mal" \
    '"held_items" not in d and d["verdict"] == "released" and any(i["verdict"] == "blocked" and i.get("findings") for i in d["items"])'
check "malware zip: the follow-up arrives" wait_reply mal
check "malware zip: no EICAR bytes in any mail sent" sh -c \
    "! grep -q 'EICAR-STANDARD' '$(reply_of mal)' && ! grep -rq 'EICAR-STANDARD' '$SINK'" 
check "malware zip: the notice" look "$(reply_of mal)" \
    "any('eicar.com' in x and '削除' in x for x in texts)"

# wrong candidates from the sender's (forgeable) address: staff's password still goes in
lock=$(mail lock s5@example.jp)
check "lock: held" test "$(held "$lock")" = 1
mail flood s5@example.jp > /dev/null
wait_audit() { # wait_audit N EVENT JOB: until JOB has N records of EVENT (30 s)
    end=$(ppap_deadline)
    while [ "$(date +%s)" -le "$end" ]; do
        [ "$(audit_events "$2" "$3")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
check "lock: the flood's candidates tried on the held mail (via mail), its second verdict" wait_audit 2 verdict "$lock"
check "lock: audited as tried via mail" sh -c \
    "grep '\"event\":\"password tried\".*\"job\":\"$lock\"' '$T/audit.jsonl' | grep -q '\"via\":\"mail\"'"
check "lock: still held" wait_job "$lock" 'd["state"] == "done" and len(d.get("held_items", [])) == 1'
st=$(password "$lock" Lock-pass-5)
check "lock: staff's password over the API is not refused after a flood of mails (was $st: $(head -c 300 "$T/pw.out"))" test "$st" = 200
check "lock: opened" wait_job "$lock" '"held_items" not in d'

# the right password mail queued while the held mail runs for a wrong one
race=$(mail race s6@example.jp)
check "race: held" test "$(held "$race")" = 1
# the worker busy, the wrong then the right password mail queued behind it:
# the held mail is queued again (the wrong one) behind the right one
curl -s -X POST --data-binary @"$T/slow.zip" "$U/v1/jobs?filename=slow.zip" > /dev/null
mail_nowait race-w s6@example.jp > /dev/null
rr=$(mail race-r s6@example.jp)
check "race: the password mail released" test "$(job_state "$rr" 'd["verdict"]')" = released
check "race: the held mail opened by the later password mail" wait_job "$race" \
    '"held_items" not in d and d["state"] == "done"'

# two passwords at once: each one accepted is one try, audited once
conc=$(mail conc s8@example.jp)
password "$conc" wrong-conc-8 > "$T/c1" &
c1=$!
curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"password":"Conc-pass-8"}' "$U/v1/jobs/$conc/password?wait=30" > "$T/c2"
wait $c1 || true
wait_job "$conc" 'd["state"] == "done"' > /dev/null || true
check "two passwords at once: each accepted one audited once ($(cat "$T/c1") $(cat "$T/c2"))" test \
    "$(cat "$T/c1" "$T/c2" | grep -c 200)" -eq "$(audit_events "password tried" "$conc")"
check "two passwords at once: the job is done, held or opened" test "$(job_state "$conc" \
    'd["state"] == "done" and d["verdict"] == "released"')" = True

# restart: what was sent is not sent again (a sync point: a new follow-up
# sent after the restart; the due list is worked through in order)
for n in bcc forge mal; do wait_reply $n || true; done
check "before the restart: the follow-ups recorded as sent" sh -c \
    "[ '$(job_state "$bcc" 'd["followup"]["state"]')' = sent ]"
stop
# the second run: on_malware = reject, two tries a minute
printf '[mail]\nrelay = 127.0.0.1:%s\nppap_window = 3600\non_malware = reject\n[daemon]\npassword_tries_max = 6\npassword_tries_per_minute = 2\n' \
    "$SINK_PORT" > "$T/mugai.conf"
run
again=$(mail bcc s1@example.jp rcpt@example.lg.jp)
password "$again" Bcc-pass-1 > /dev/null
end=$(ppap_deadline)
while [ "$(date +%s)" -le "$end" ] && [ "$(replies bcc)" -lt 2 ]; do sleep 0.1; done
# a held zip with malware, on_malware = reject: blocked when opened, nothing sent
mal2=$(mail mal s4@example.jp)
password "$mal2" Mal-pass-4 > /dev/null
check "malware zip, reject: blocked when opened, no follow-up" wait_job "$mal2" \
    'd["verdict"] == "blocked" and "followup" not in d'
# a mail with junk candidates, then the right one within the minute
rate=$(mail rate s7@example.jp)
mail rate-f s7@example.jp > /dev/null
check "rate: the junk candidates tried" wait_audit 2 verdict "$rate"
mail rate-r s7@example.jp > /dev/null
check "rate: the right password mail in the same minute still opens the held mail" wait_job "$rate" \
    '"held_items" not in d'
check "restart: one more follow-up for the new job, none again for the old ones" sh -c \
    "[ $(replies bcc) -eq 2 ] && [ $(replies forge) -eq 1 ] && [ $(replies mal) -eq 1 ]"
stop

check "no password in the logs or the audit log" sh -c \
    "! grep -qa -e Bcc-pass-1 -e Forge-pass-2 -e Alpha-pass-3 -e Beta-pass-3 -e Mal-pass-4 \
       -e Lock-pass-5 -e guess-5- -e Race-pass-6 -e typo-pass-6 -e Conc-pass-8 -e wrong-conc-8 \
       -e Rate-pass-7 -e junk-7- '$T/daemon.log' '$T/audit.jsonl'"
check "no password file left in the spool" test -z "$(find "$T/spool" -name password)"
check "no password given over the API in the spool" sh -c \
    "! grep -rqa -e Bcc-pass-1 -e Forge-pass-2 -e Alpha-pass-3 -e Beta-pass-3 -e Mal-pass-4 -e Lock-pass-5 -e Conc-pass-8 -e wrong-conc-8 '$T/spool'"
finish
