#!/bin/sh
# Mail jobs without Postfix (mugai sanitize on .eml files): [mail]
# on_malware = remove (the part goes, a notice instead) or reject (the mail
# is blocked), a PPAP zip held while the mail is released (held_items),
# an .eml inside a zip rebuilt as a mail.
. "$(dirname "$0")/lib.sh"
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" "$MUGAI_BIN" > /dev/null
python3 "$MUGAI_SRC/tests/integration/make_mails.py" "$T/m" "$T/s"

sanitize -o "$T/o1" "$T/m/eicar.eml"
check "on_malware = remove (default): released, the part removed" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["path"] == "eicar.eml" and r["artefacts"][0]["mode"] == "mail" and any(i["verdict"] == "blocked" and "malware" in i["reason"] for i in r["items"])'
check "on_malware = remove: the finding is reported" report_all 'len(r["findings"]) > 0'
check "on_malware = remove: no EICAR bytes released" sh -c "! grep -rq EICAR-STANDARD '$T/o1'"

printf '[mail]\non_malware = reject\n' > "$T/reject.conf"
sanitize --config "$T/reject.conf" -o "$T/o2" "$T/m/eicar.eml"
check "on_malware = reject: the mail is blocked, nothing released" sh -c \
    "[ $RC -eq 1 ] && [ -z \"\$(ls -A '$T/o2' 2>/dev/null)\" ]"
check "on_malware = reject: the reason says malware" report_all 'r["verdict"] == "blocked" and "malware" in r["reason"]'
printf '[mail]\non_malware = keep\n' > "$T/bad.conf"
sanitize --config "$T/bad.conf" -o "$T/o3" "$T/m/eicar.eml"
check "on_malware = keep: a config error naming the values" sh -c "[ $RC -eq 2 ] && grep -q 'remove, reject' '$T/stderr'"

# PPAP: the encrypted zip is held, the mail released with a notice naming the job
(cd "$T" && printf 'memo\n' > memo.txt && zip -q -P himitsu ppap.zip memo.txt)
python3 - "$T/ppap.zip" "$T/ppap.eml" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "sender@example.jp"; m["To"] = "rcpt@example.lg.jp"; m["Subject"] = "見積書"
m.set_content("パスワードは別途お送りします。\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application", subtype="zip",
                 filename="見積.zip")
open(sys.argv[2], "wb").write(bytes(m))
PY
sanitize -o "$T/o4" "$T/ppap.eml"
check "ppap: the mail released, the zip listed in held_items" report_all \
    'r["verdict"] == "released" and len(r["held_items"]) == 1 and r["held_items"][0]["item"] == "ppap.eml/見積.zip" and "encrypted" in r["held_items"][0]["reason"]'
check "ppap: the rebuilt mail says the attachment is held, X-Mugai-Sanitized held=1" python3 - "$T/o4/ppap.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
texts = [p.get_content() for p in m.walk() if p.get_content_type() == "text/plain"]
sys.exit(0 if "held=1" in m["X-Mugai-Sanitized"] and any("見積.zip" in t and "保留" in t for t in texts)
         and not any(p.get_filename() for p in m.walk()) else 1)
PY

# an .eml inside a zip is a mail too: rebuilt, released as a message (a zip
# with malware anywhere in it is blocked whole, as every archive)
cp "$T/m/html.eml" "$T/fwd.eml"
(cd "$T" && zip -q mails.zip fwd.eml)
sanitize -o "$T/o5" "$T/mails.zip"
check "eml in a zip: released as a rebuilt mail" report_all \
    'r["verdict"] == "released" and [a["path"] for a in r["artefacts"]] == ["mails/fwd.eml"] and r["artefacts"][0]["mode"] == "mail"'
check "eml in a zip: the HTML made text, X-Mugai-Sanitized" sh -c \
    "! grep -qi '<script' '$T/o5/mails/fwd.eml' && grep -q '^X-Mugai-Sanitized: .*html=text' '$T/o5/mails/fwd.eml'"
# [mail] max_depth reaches mime-unpack (filter_limits.max_depth)
python3 - "$T/deep.eml" <<'PY'
import sys
m = "From: a@example.jp\r\nSubject: deep\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
for i in range(1, 5):
    m += "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i)
m += "--b4\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n"
for i in range(4, -1, -1):
    m += "--b%d--\r\n" % i
open(sys.argv[1], "w").write(m)
PY
sanitize -o "$T/o6" "$T/deep.eml"
check "max_depth 10 (default): a mail nested 5 deep is released" report_all 'r["verdict"] == "released"'
printf '[mail]\nmax_depth = 3\n' > "$T/shallow.conf"
sanitize --config "$T/shallow.conf" -o "$T/o7" "$T/deep.eml"
check "max_depth 3: the same mail is blocked, mail-too-deep" report_all \
    'r["verdict"] == "blocked" and "mail-too-deep" in r["reason"]'
# [mail] max_containers travels in the filter request (filter_limits.max_containers)
printf '[mail]\nmax_containers = 4\n' > "$T/few.conf"
sanitize --config "$T/few.conf" -o "$T/o8" "$T/deep.eml"
check "max_containers 4: the mail with 5 multiparts is blocked, the reason names the key" report_all \
    'r["verdict"] == "blocked" and "mail-too-many-parts: more than 4" in r["reason"] and "[mail] max_containers" in r["reason"]'
check "max_containers 4: nothing released" sh -c "[ -z \"\$(ls -A '$T/o8' 2>/dev/null)\" ]"
printf '[mail]\nmax_containers = 5\n' > "$T/five.conf"
sanitize --config "$T/five.conf" -o "$T/o9" "$T/deep.eml"
check "max_containers 5: the same mail is released" report_all 'r["verdict"] == "released"'
finish
