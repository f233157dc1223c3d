#!/bin/sh
# A message whose first header is not one libmagic knows (Message-ID, as
# Thunderbird writes it; DKIM-Signature, ARC-Seal, as signing relays put on
# top; MIME-Version; Subject) is text/plain to libmagic.  Postfix gives a
# milter the message without its own Received: line, so such a message
# reaches mugaid as it is: submitted as a mail (mode=mail) it is still a
# mail job, not a failed one (mime-unpack used to refuse text/plain, so the
# milter tempfailed such a mail for ever).  Through the CLI, then (root and
# Postfix installed) through a real Postfix, mugai-milter and mugaid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"

# mkmail FILE FIRST-HEADER: a message with one text attachment
mkmail() {
    python3 - "$1" "$2" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "sender@example.jp"
m["To"] = "rcpt@example.lg.jp"
m["Subject"] = "first header"
m.set_content("本文です。\n")
m.add_attachment("添付の本文です。\n".encode(), maintype="text", subtype="plain", filename="memo.txt")
raw = sys.argv[2].encode() + b"\r\n" + bytes(m).replace(b"\n", b"\r\n")
open(sys.argv[1], "wb").write(raw)
PY
}
i=0
for h in "Message-ID: <first-header@example.jp>" "DKIM-Signature: v=1; a=rsa-sha256; d=example.jp; s=s1; b=AAAA"  \
         "ARC-Seal: i=1; a=rsa-sha256; d=example.jp; s=s1; cv=none; b=AAAA" "MIME-Version: 1.0" "Subject: on top"; do
    i=$((i + 1))
    mkmail "$T/h$i.eml" "$h"
    name=${h%%:*}
    # the case this covers (a newer libmagic may know the header: then the
    # message is message/rfc822 and passes the old way)
    echo "  $name first: libmagic says $(file -b --mime-type "$T/h$i.eml")"
    sanitize --mode mail -o "$T/out$i" "$T/h$i.eml"
    check "$name first, --mode mail: released (exit $RC)" test "$RC" -eq 0
    check "$name first: a mail job, the attachment converted" report_all \
        'r["verdict"] == "released" and r["items"][0]["action"] == "mail" and any(i["path"].endswith("/memo.txt") and i["verdict"] == "repacked" and i["action"] == "text" for i in r["items"])'
done

if [ "$(id -u)" -ne 0 ] || ! command -v postfix > /dev/null || ! id postfix > /dev/null 2>&1; then
    echo "Postfix not installed or not root: the milter part skipped"
    finish; exit $?
fi
start --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 1
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; rm -rf "$T"' EXIT
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"
r=$(mail_send "$T/h1.eml")
check "Message-ID first, through Postfix: accepted (got: $r)" test "$r" = sent
check "Message-ID first, through Postfix: delivered" wait_delivered 1
check "Message-ID first, through Postfix: sanitised, header kept, attachment there" look "$SINK/0000.eml" \
    'm["X-Mugai-Sanitized"] is not None and m["Message-ID"] == "<first-header@example.jp>" and "添付の本文です" in "".join(text(p) for p in parts if p.get_filename() == "memo.txt")'
finish
