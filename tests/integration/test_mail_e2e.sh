#!/bin/sh
# A mail end to end: a real Postfix (before-queue milter), mugai-milter and
# the real mugaid running the mail job (mime-unpack, every part through the
# pipeline, mime-repack).  The delivered messages are read with Python's
# email package.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"

python3 "$MUGAI_SRC/samples/generate.py" "$T/s" "$MUGAI_BIN" > /dev/null
python3 "$MUGAI_SRC/tests/integration/make_mails.py" "$T/m" "$T/s"

# deliver NAME: send $T/m/NAME.eml, wait for it at the sink ($DELIVERED)
deliver() { mail_deliver "$T/m/$1.eml" "$1"; }
sanitized='m.get_all("X-Mugai-Sanitized") is not None and len(m.get_all("X-Mugai-Sanitized")) == 1 and m["X-Mugai-Sanitized"] != "forged"'

deliver eicar
check "eicar: X-Mugai-Sanitized, ours only" look "$DELIVERED" "$sanitized"
check "eicar: the attachment is gone, no EICAR bytes" look "$DELIVERED" \
    'b"EICAR-STANDARD" not in raw and not any(p.get_filename() for p in parts)'
check "eicar: a notice names the file and the reason" look "$DELIVERED" \
    'any("請求書.txt" in text(p) and "削除しました" in text(p) and "malware" in text(p) for p in parts)'
check "eicar: the body is kept" look "$DELIVERED" 'any("請求書を送ります" in text(p) for p in parts)'

deliver pdf
check "pdf: X-Mugai-Sanitized" look "$DELIVERED" "$sanitized"
check "pdf: an image PDF with the same base name" look "$DELIVERED" \
    '[p.get_filename() for p in parts if p.get_filename()] == ["報告書.pdf"] and any(p.get_content_type() == "application/pdf" for p in parts)'
python3 - "$DELIVERED" "$T/out.pdf" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for p in m.walk():
    if p.get_filename():
        open(sys.argv[2], "wb").write(p.get_content())
PY
check "pdf: the attachment is a PDF" sh -c "head -c 5 '$T/out.pdf' | grep -q '%PDF-'"
qpdf --qdf --object-streams=disable "$T/out.pdf" "$T/qdf.pdf" 2>/dev/null || true
for s in /JavaScript /JS /OpenAction /Launch /EmbeddedFile; do
    check "pdf: no $s in the attachment" sh -c "! grep -aq '$s' '$T/qdf.pdf'"
done
check "pdf: the attachment is pages of images" grep -aq "/Image" "$T/qdf.pdf"

deliver html
check "html: X-Mugai-Sanitized says html=text" look "$DELIVERED" "$sanitized"' and "html=text" in m["X-Mugai-Sanitized"]'
check "html: text/plain only, no <script, no clickable link" look "$DELIVERED" \
    'all(p.get_content_type() == "text/plain" for p in parts) and b"<script" not in raw.lower() and "http://evil" not in "".join(text(p) for p in parts) and "href" not in "".join(text(p) for p in parts)'
check "html: the text and the URL shown as text" look "$DELIVERED" \
    'any("Hello" in text(p) and "hxxp://evil.example/login" in text(p) for p in parts)'

deliver plain
check "plain: X-Mugai-Sanitized" look "$DELIVERED" "$sanitized"
check "plain: body intact" look "$DELIVERED" \
    'text(parts[0]).replace("\r\n", "\n") == "一行目\nsecond line, kept as it is\n\n-- \nsignature\n" and len(parts) == 1'
check "plain: Subject and Message-ID kept" look "$DELIVERED" \
    'str(m["Subject"]) == "plain" and m["Message-ID"] == "<plain@example.jp>"'
check "plain: no X-Face, Face or X-Image-URL header (pictures nobody re-encoded), X-Mailer kept" \
    look "$DELIVERED" \
    'm["X-Face"] is None and m["Face"] is None and m["X-Image-URL"] is None and b"CFJxq" not in raw and b"iVBORw0KGgo" not in raw and m["X-Mailer"] == "Sylpheed 3.7.0"'

deliver budget
check "budget: X-Mugai-Sanitized" look "$DELIVERED" "$sanitized"
check "budget: the ISO-2022-JP body, UTF-8 now" look "$DELIVERED" \
    'text(parts[0]).startswith("予算案を送ります。") and parts[0].get_content_charset().lower() == "utf-8"'
check "budget: both names (RFC 2047 and RFC 2231) decode to 予算.*" look "$DELIVERED" \
    '[p.get_filename() for p in parts if p.get_filename()] == ["予算.csv", "予算.csv"]'
check "budget: the CSVs are UTF-8, ① kept" look "$DELIVERED" \
    'all(p.get_payload(decode=True).decode("utf-8") == "項目,金額\n会議費①,12000\n" for p in parts if p.get_filename())'
check "budget: Subject decoded and kept" look "$DELIVERED" 'str(m["Subject"]) == "予算"'

deliver zip
check "zip: X-Mugai-Sanitized" look "$DELIVERED" "$sanitized"
check "zip: the CP932-named member sanitised, its name decoded, its folder kept" look "$DELIVERED" \
    'any(p.get_filename() == "資料_議事録.txt" and p.get_payload(decode=True).decode("utf-8") == "議事録の本文\n" for p in parts)'
check "zip: the .exe member removed with a notice, no MZ bytes" look "$DELIVERED" \
    'any("実行.exe" in text(p) and "削除しました" in text(p) for p in parts) and not any((p.get_filename() or "").endswith(".exe") for p in parts)'

deliver docm
check "docm: X-Mugai-Sanitized" look "$DELIVERED" "$sanitized"
check "docm: no vbaProject, no macro anywhere in the message" look "$DELIVERED" \
    'not any(b"vbaProject" in (p.get_payload(decode=True) or b"") or b"VB_Name" in (p.get_payload(decode=True) or b"") for p in parts)'
check "docm: an image PDF of the same base name" look "$DELIVERED" \
    'any(p.get_filename() == "申請書_docm.pdf" and p.get_payload(decode=True).startswith(b"%PDF-") for p in parts)'

# the envelope mugai-milter sends is kept with the job, with Subject and Message-ID
id=$(curl -s -X POST --data-binary @"$T/m/budget.eml" -H "X-Mugai-Envelope-From: sender@example.jp" \
     -H "X-Mugai-Envelope-To: a@example.lg.jp" -H "X-Mugai-Envelope-To: b@example.lg.jp" \
     "$U/v1/jobs?mode=mail&filename=message.eml&wait=60" | json 'd["id"]')
check "envelope: kept with the job, subject and Message-ID too" sh -c "curl -s '$U/v1/jobs/$id' | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d[\"envelope\"] == {\"from\": \"sender@example.jp\", \"to\": [\"a@example.lg.jp\", \"b@example.lg.jp\"]}
         and d[\"mail\"] == {\"subject\": \"予算\", \"message_id\": \"<budget@example.jp>\"}
         and d[\"artefacts\"][0][\"mode\"] == \"mail\" else 1)'"
check "mode=mail on a PDF: blocked, not a message" sh -c "curl -s -X POST --data-binary @'$T/s/hostile.pdf' \
    '$U/v1/jobs?mode=mail&filename=message.eml&wait=60' | grep -q not-a-message"

# 15 MiB: the milter's memory stays flat (the message is in a file)
deliver big
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$MILTER_PID/status")
echo "  mugai-milter VmHWM: $hwm kB"
check "big: milter VmHWM < 64 MiB" test "$hwm" -lt 65536
check "big: the body kept, the unknown attachment removed with a notice" look "$DELIVERED" \
    '"big one" in text(parts[0]) and any("r.bin" in text(p) for p in parts) and len(raw) < 100000'

finish
