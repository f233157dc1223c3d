#!/bin/sh
# The parts of a hostile mail (mugai sanitize --mode mail: mime-unpack,
# the pipeline, mime-repack, no Postfix): no byte of a removed executable
# survives in the rebuilt message wherever the sender hid it (a second
# text/plain body, inline without a name, an alternative, a Content-ID
# referenced from HTML, a TNEF winmail.dat, a PDF that is not one, a
# message/partial, a uuencoded file inside a text body), no
# message/external-body reference is kept, a body that decodes to nothing
# or a message without a body is still rebuilt, and the resource bounds
# hold (deep nesting, too many parts or containers, a 4 MiB one-line
# base64 part, a mail at exactly [limits] input_max_size).  Through a real
# Postfix: test_mail_attack.sh.
. "$(dirname "$0")/lib.sh"
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" "$MUGAI_BIN" > /dev/null
python3 "$MUGAI_SRC/tests/integration/mail_attack.py" mails "$T/m" "$T/s"

# run NAME [CONFIG]: the mail as one mail job; its report in $T/report.jsonl,
# the rebuilt message (if any) in $OUT
run() {
    rm -rf "$T/o"
    sanitize --mode mail ${2:+--config "$2"} -o "$T/o" "$T/m/$1.eml"
    OUT="$T/o/$1.eml"
}
# rebuilt 'PYTHON': the expression holds for the rebuilt message $OUT: m,
# raw, parts (the leaves), data (every leaf decoded, joined), text (every
# text leaf decoded), names (the file names)
rebuilt() {
    python3 - "$OUT" "$1" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
parts = [p for p in m.walk() if not p.is_multipart()]
data = b"".join(p.get_payload(decode=True) or b"" for p in parts)
text = "".join(p.get_content() for p in parts if p.get_content_maintype() == "text")
names = [p.get_filename() for p in parts if p.get_filename()]
ok = eval(sys.argv[2])
if not ok:
    print("   ", raw[:1200])
sys.exit(0 if ok else 1)
PY
}
released='r["verdict"] == "released" and r["artefacts"][0]["mode"] == "mail"'
# no executable bytes anywhere in the message, raw or decoded
no_mz='b"MZ\x90\x00" not in data and b"PE\x00\x00L" not in data and b"TVqQ" not in raw and b"MZ\x90" not in raw'
stamped='m["X-Mugai-Sanitized"] is not None and len(m.get_all("X-Mugai-Sanitized")) == 1'

for name in liar inline alternative cid tnef typelie partial; do
    run $name
    check "$name: released, the executable part blocked" report_all \
        "$released"' and any(i["verdict"] == "blocked" for i in r["items"])'
    check "$name: no byte of the executable in the rebuilt message" rebuilt "$no_mz and $stamped"
    check "$name: a notice says a part was removed" rebuilt '"削除しました" in text and "removed" in text'
done
run cid
check "cid: the HTML is text, no cid: reference left to resolve" rebuilt \
    'all(p.get_content_type() != "text/html" for p in parts) and "<img" not in text and m.get_content_type() != "multipart/related"'
run alternative
check "alternative: a notice is not an alternative to the text (multipart/mixed)" rebuilt \
    'm.get_content_type() == "multipart/mixed" and "hello" in text'
run partial
check "partial: no message/partial is passed on" rebuilt \
    'not any(p.get_content_type() == "message/partial" for p in m.walk()) and b"message/partial" not in raw.lower()'

run nested
check "nested message: released, its executable blocked" report_all \
    "$released"' and any(i["path"].endswith("inner.exe") and i["verdict"] == "blocked" for i in r["items"])'
check "nested message: one X-Mugai-* header in the whole message, ours; no executable" rebuilt \
    "$no_mz"' and raw.lower().count(b"x-mugai-") == 1 and b"attacker" not in raw and "inner text" in text'

run htmlfile
check "an HTML file attached: released as text, no script, no link to click" rebuilt \
    'not any(p.get_content_type() == "text/html" for p in parts) and b"<script" not in data.lower() and b"http://evil" not in data and b"href" not in data and "page" in text'

run external
check "external-body: released" report_all "$released"
check "external-body: no message/external-body, no URL to fetch" rebuilt \
    'not any(p.get_content_type() == "message/external-body" for p in m.walk()) and b"evil.example" not in raw and b"evil.example" not in data'

run uuencode
check "uuencode in a text body: released" report_all "$released"
check "uuencode in a text body: the file is not in the text" rebuilt \
    "$no_mz"' and "begin 644" not in text and "M35J0" not in text'
check "uuencode in a text body: the text around it is kept, a notice names the file" rebuilt \
    '"See the file." in text and "evil.exe" in text and "removed=1" in m["X-Mugai-Sanitized"]'

run yenc
check "yEnc in a text body, uuencode in an HTML body: released" report_all "$released"
check "yEnc, uuencode in HTML: both files gone, a notice each, the text kept" rebuilt \
    "$no_mz"' and "=ybegin" not in text and "begin 644" not in text and "evil.exe" in text and "evil2.exe" in text and "removed=2" in m["X-Mugai-Sanitized"] and "before" in text and "after yenc" in text and "after" in text'
run beginword
check "a begin line without encoded lines: the text as it is" rebuilt \
    '"begin 644 pages now\nthe rest of the text\nend" in text.replace("\r\n", "\n") and "removed=0" in m["X-Mugai-Sanitized"]'

# a body that is not text is not a reason to fail the mail (mugai-milter
# would tempfail it for ever)
run pngbody
check "a plain body that is a PNG: released, the image re-encoded and attached" report_all "$released"
check "a plain body that is a PNG: a PNG attachment, the text kept" rebuilt \
    'any(p.get_content_type() == "image/png" and p.get_filename() and p.get_payload(decode=True).startswith(b"\x89PNG") for p in parts) and "hello" in text'
run zipbody
check "an HTML body that is a zip: released" report_all "$released"
check "an HTML body that is a zip: a notice, none of the zip's bytes" rebuilt \
    'b"PK\x03\x04" not in data and b"UEsDB" not in raw and "削除しました" in text and "hello" in text'

run b64nothing
check "a body that decodes to nothing: released, none of its bytes" report_all "$released"
check "a body that decodes to nothing: none of its bytes" rebuilt "$stamped"' and b"ORIGINAL-BYTES" not in raw and "ORIGINAL-BYTES" not in text'
for name in nobody emptybody noboundary; do
    run $name
    check "$name: released, a rebuilt message" report_all "$released"
    check "$name: ours, nothing of the original body" rebuilt "$stamped"' and b"ORIGINAL-BYTES" not in raw and b"TVqQ" not in raw'
done
for name in nobody emptybody; do
    run $name
    check "$name: an empty text, no notice of a removed file" rebuilt \
        '"removed=0" in m["X-Mugai-Sanitized"] and "削除" not in text and m.get_content_type() == "text/plain"'
done

for name in first-dkim-signature first-x-mozilla-status first-mime-version; do
    run $name
    check "$name: read as a mail (mode=mail), released" report_all "$released"
    check "$name: the body kept" rebuilt "$stamped"' and "first header" in text'
done

# resource bounds: blocked whole (mugai-milter answers 550), nothing released
run deep
check "nested 15 deep: blocked, mail-too-deep" report_all 'r["verdict"] == "blocked" and "mail-too-deep" in r["reason"]'
check "nested 15 deep: nothing released" test ! -e "$OUT"
run manycontainers
check "300 containers: blocked before GMime builds them" report_all 'r["verdict"] == "blocked" and "mail-too-many-parts" in r["reason"] and "containers" in r["reason"]'
printf '[limits]\narchive_max_members = 1000\n' > "$T/members.conf"
run manyparts "$T/members.conf"
check "1200 parts over archive_max_members 1000: blocked" report_all 'r["verdict"] == "blocked" and "mail-too-many-parts" in r["reason"]'
check "1200 parts: nothing released" test ! -e "$OUT"
run b64bomb
check "a 4 MiB one-line base64 part: released, the part judged (removed)" report_all \
    "$released"' and any(i["path"].endswith("zeros.bin") and i["verdict"] == "blocked" for i in r["items"])'
check "a 4 MiB one-line base64 part: the message small, the text kept" rebuilt \
    "$stamped"' and len(raw) < 65536 and "hello" in text'

# exactly [limits] input_max_size passes; one byte more is blocked
printf '[limits]\ninput_max_size = 65536\n' > "$T/size.conf"
python3 "$MUGAI_SRC/tests/integration/mail_attack.py" sized "$T/m/exact.eml" 65536
python3 "$MUGAI_SRC/tests/integration/mail_attack.py" sized "$T/m/over.eml" 65537
run exact "$T/size.conf"
check "exactly input_max_size: released" report_all "$released"
run over "$T/size.conf"
check "input_max_size + 1: blocked, too-large, nothing released" report_all \
    'r["verdict"] == "blocked" and "too-large" in r["reason"]'
check "input_max_size + 1: nothing released" test ! -e "$OUT"

finish
