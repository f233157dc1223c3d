#!/bin/sh
# PPAP end to end (real Postfix, mugai-milter, mugaid): a mail with a
# password-protected zip is delivered with a notice (the zip held), a second
# mail from the same sender to the same recipient says "パスワード: ...", and
# mugaid sends the follow-up with the sanitised member through [mail] relay
# (here the test's SMTP sink).  A password mail from another sender opens
# nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

cp -r "$MUGAI_TESTDB" "$T/db"
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
printf '[mail]\nrelay = 127.0.0.1:%s\nppap_window = 3600\n' "$SINK_PORT" > "$T/mugai.conf"
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 1
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"

(cd "$T" && printf '見積の明細\n' > memo.txt && zip -q -P 'Mitsu-2024' ppap.zip memo.txt)
python3 - "$T" <<'PY'
import sys
from email.message import EmailMessage
t = sys.argv[1]
def mail(name, subject, body, attach=None, sender="sender@example.jp"):
    m = EmailMessage()
    m["From"] = sender; m["To"] = "rcpt@example.lg.jp"; m["Subject"] = subject
    m["Message-ID"] = "<%s@example.jp>" % name
    m.set_content(body)
    if attach:
        m.add_attachment(open(attach, "rb").read(), maintype="application", subtype="zip",
                         filename="見積.zip")
    open("%s/%s.eml" % (t, name), "wb").write(bytes(m).replace(b"\n", b"\r\n"))
mail("ppap", "見積書", "見積書を送ります。パスワードは別送します。\n", t + "/ppap.zip")
mail("other", "パスワード", "パスワード： Mitsu-2024\n", sender="someone@example.net")
mail("pw", "パスワード", "先ほどのファイルのパスワードです。\n\nパスワード： Mitsu-2024\n")
PY
# send NAME FROM: through Postfix with the envelope sender FROM
send_from() {
    python3 - "$SMTP_PORT" "$T/$1.eml" "$2" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=600) as s:
    s.sendmail(sys.argv[3], ["rcpt@example.lg.jp"], open(sys.argv[2], "rb").read())
print("sent")
PY
}

check "ppap: accepted" test "$(send_from ppap sender@example.jp)" = sent
check "ppap: delivered" wait_delivered 1
check "ppap: the zip held, a notice with the job id, held=1" look "$SINK/0000.eml" \
    '"held=1" in m["X-Mugai-Sanitized"] and any("見積.zip" in text(p) and "保留" in text(p) for p in parts) and not any(p.get_filename() for p in parts)'

check "other sender: accepted" test "$(send_from other someone@example.net)" = sent
check "other sender: delivered" wait_delivered 2

check "password mail: accepted" test "$(send_from pw sender@example.jp)" = sent
check "password mail and the follow-up: delivered" wait_delivered 4
fu=$(grep -l "followup@mugai.invalid" "$SINK"/*.eml | head -1)
check "follow-up: found" test -n "$fu"
check "follow-up: 【無害化済】 + the subject, In-Reply-To the original" look "$fu" \
    'str(m["Subject"]) == "【無害化済】見積書" and m["In-Reply-To"] == "<ppap@example.jp>" and m["To"] == "rcpt@example.lg.jp"'
check "follow-up: the sanitised member, UTF-8, held=0" look "$fu" \
    'any(p.get_filename() == "memo.txt" and p.get_payload(decode=True).decode("utf-8") == "見積の明細\n" for p in parts) and "held=0" in m["X-Mugai-Sanitized"]'
# one worker: each job before the next; the held mail runs again after the
# password mail (its candidates given to it as a try), then the follow-up
check "one follow-up, after the held mail's re-run that the password mail started" python3 - "$T/daemon.log" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
jobs = [i for i, l in enumerate(lines) if ": released message.eml" in l]
tried = [i for i, l in enumerate(lines) if "password candidates of mail" in l]
fu = [i for i, l in enumerate(lines) if "the follow-up sent" in l]
sys.exit(0 if len(jobs) == 4 and len(tried) == 1 and len(fu) == 1 and
         jobs[2] < tried[0] < jobs[3] < fu[0] else 1)
PY
check "the password is never logged" sh -c "! grep -rq 'Mitsu-2024' '$T/daemon.log' '$T/milter.log'"
finish
