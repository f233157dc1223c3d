#!/bin/sh
# A mail attachment that is a zip with members in folders: mail clients show
# no folders, so each member is attached under its path in the zip as one
# name, the folders joined by "_" (資料/2024/予算.csv -> 資料_2024_予算.csv;
# the zip's own name is not repeated).  Two members that would get one name
# are told apart ("memo (2).txt"); a path too long for a name keeps the
# file's own name and its nearest folders, "…_" standing for the rest.  The
# same through mugaid (?mode=mail) and mugai sanitize.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
python3 - "$T" <<'PY'
import io, sys, zipfile
from email.message import EmailMessage
t = sys.argv[1]
def zipped(members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for name, data in members:
            z.writestr(name, data)
    return b.getvalue()
def mail(name, zips):
    m = EmailMessage()
    m["From"] = "a@example.jp"; m["To"] = "b@example.lg.jp"; m["Subject"] = name
    m.set_content("添付をご確認ください。\n")
    for fn, members in zips:
        m.add_attachment(zipped(members), maintype="application", subtype="zip", filename=fn)
    open("%s/%s.eml" % (t, name), "wb").write(bytes(m))
mail("folders", [("添付資料.zip", [
    ("資料/見積.txt", "見積\n".encode()), ("資料/メモ.txt", b"memo a\n"),
    ("議事録/メモ.txt", b"memo b\n"), ("資料/2024/予算.csv", "項目,金額\n".encode()),
    ("資料/page.html", b"<!DOCTYPE html><html><body><p>page</p></body></html>"), ("top.txt", b"top\n")])])
# one name made twice: a folder's member against a top-level name, and the
# same top-level name in two zips
mail("collide", [("a.zip", [("資料/メモ.txt", b"in folder\n"), ("資料_メモ.txt", b"top level\n"),
                            ("readme.txt", b"readme a\n")]),
                 ("b.zip", [("readme.txt", b"readme b\n")])])
deep = "/".join(["f%02d" % i + "x" * 60 for i in range(6)]) + "/最終報告.txt"
mail("deep", [("deep.zip", [(deep, b"deep\n")])])
PY
# names FILE: the attachments of a rebuilt message as "name=content" lines
names() { python3 - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for p in m.walk():
    if p.get_filename():
        print("%s=%s" % (p.get_filename(), p.get_payload(decode=True).decode("utf-8").strip()))
PY
}
has() { grep -qxF "$2" "$1"; }

sanitize -o "$T/o1" "$T/folders.eml"
check "folders: released" report_all 'r["verdict"] == "released"'
names "$T/o1/folders.eml" > "$T/n1"
check "folders: 資料/見積.txt as 資料_見積.txt" has "$T/n1" "資料_見積.txt=見積"
check "folders: 資料/メモ.txt and 議事録/メモ.txt told apart by their folders" \
    sh -c "grep -qxF '資料_メモ.txt=memo a' '$T/n1' && grep -qxF '議事録_メモ.txt=memo b' '$T/n1'"
check "folders: two levels, 資料_2024_予算.csv" has "$T/n1" "資料_2024_予算.csv=項目,金額"
check "folders: a converted member keeps its folder too, 資料_page_html.txt" has "$T/n1" "資料_page_html.txt=page"
check "folders: a top-level member as it is, top.txt" has "$T/n1" "top.txt=top"
check "folders: six attachments, no name twice" sh -c \
    "[ \$(wc -l < '$T/n1') -eq 6 ] && [ \$(cut -d= -f1 '$T/n1' | sort -u | wc -l) -eq 6 ]"

sanitize -o "$T/o2" "$T/collide.eml"
names "$T/o2/collide.eml" > "$T/n2"
check "collide: the second 資料_メモ.txt is numbered" sh -c \
    "grep -qxF '資料_メモ.txt=in folder' '$T/n2' && grep -qxF '資料_メモ (2).txt=top level' '$T/n2'"
check "collide: readme.txt of the second zip is numbered" sh -c \
    "grep -qxF 'readme.txt=readme a' '$T/n2' && grep -qxF 'readme (2).txt=readme b' '$T/n2'"

sanitize -o "$T/o3" "$T/deep.eml"
names "$T/o3/deep.eml" > "$T/n3"
check "deep: the name within 200 bytes, its own name and the nearest folders kept, …_ for the rest" \
    python3 - "$T/n3" <<'PY'
import sys
n = open(sys.argv[1], encoding="utf-8").read().strip().split("=")[0]
folders = ["f%02d" % i + "x" * 60 for i in range(6)]
ok = (len(n.encode()) <= 200 and n.startswith("…_") and n.endswith("_f05" + "x" * 60 + "_最終報告.txt")
      and "f00" not in n)
print(n) if not ok else None
sys.exit(0 if ok else 1)
PY

# the same mail through mugaid
cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
id=$(curl -s -X POST --data-binary @"$T/folders.eml" "$U/v1/jobs?mode=mail&wait=30" | json 'd["id"]')
check "mugaid: the mail job released" test "$(job_state "$id" 'd["verdict"]')" = released
curl -s -o "$T/d.eml" "$R/v1/jobs/$id/artefacts/0"
names "$T/d.eml" > "$T/n4"
check "mugaid: the same names" cmp -s "$T/n1" "$T/n4"
stop
finish
