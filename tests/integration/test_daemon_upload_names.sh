#!/bin/sh
# Uploads and their names (issue 13 points 11 and 12): two file parts in
# one multipart body are 400 "one file per request", never one merged
# original; a valid Japanese name of 292 bytes is accepted by ?filename=,
# RFC 5987 Content-Disposition and multipart alike, shortened at a
# character boundary with its extension kept; a multipart name that is
# not UTF-8 is 400, not 503.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
UP="$MUGAI_SRC/tests/integration/upload_stream.py"

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
printf 'first part\n' > "$T/one.txt"
printf 'second part\n' > "$T/two.txt"

# point 11
st=$(curl -s -o "$T/two.json" -w '%{http_code}' -F "a=@$T/one.txt" -F "b=@$T/two.txt" "$U/v1/jobs?wait=30")
check "two file parts: 400" test "$st" = 400
check "  ... 'one file per request'" grep -q 'one file per request' "$T/two.json"
check "  ... no job made of them" test "$(audit_events received)" = 0
check "  ... nothing left in the spool" test -z "$(cd "$T/spool" && find incoming queue active done -mindepth 1)"
st=$(curl -s -o "$T/one.json" -w '%{http_code}' -F "a=@$T/one.txt" -F "note=hello" "$U/v1/jobs?wait=30")
check "one file part beside a plain field: accepted" test "$st" = 200
check "  ... the original is that file alone" test "$(json 'd["size"]' < "$T/one.json")" = "$(wc -c < "$T/one.txt")"

# point 12: "A", 95 kanji and "_2.txt": 102 characters, 292 bytes
# (DAEMON_NAME_MAX is 255: a cut there falls inside a kanji)
long=$(python3 -c 'print("A" + "議" * 95 + "_2.txt")')
enc=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$long")
printf 'memo\n' > "$T/memo.txt"
# name_ok JSON: the job's name is valid UTF-8, at most 255 bytes, a prefix
# of the long name's stem and ends in ".txt"
name_ok() { python3 - "$1" "$long" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = d["name"]; full = sys.argv[2]
b = n.encode()
ok = len(b) <= 255 and n.endswith(".txt") and full.startswith(n[:-4]) and len(n) > 60
print("yes" if ok else "no: %r (%d bytes)" % (n, len(b)))
PY
}
st=$(curl -s -o "$T/q.json" -w '%{http_code}' -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=$enc&wait=30")
check "292-byte Japanese name via ?filename=: accepted ($st)" test "$st" = 200
check "  ... shortened at a character boundary, .txt kept" test "$(name_ok "$T/q.json")" = yes
st=$(curl -s -o "$T/cd.json" -w '%{http_code}' -X POST --data-binary @"$T/memo.txt" \
    -H "Content-Disposition: attachment; filename*=UTF-8''$enc" "$U/v1/jobs?wait=30")
check "the same via RFC 5987 Content-Disposition: accepted ($st)" test "$st" = 200
check "  ... shortened at a character boundary, .txt kept" test "$(name_ok "$T/cd.json")" = yes
st=$(curl -s -o "$T/mp.json" -w '%{http_code}' -F "file=@$T/memo.txt;filename=$long" "$U/v1/jobs?wait=30")
check "the same via multipart: accepted ($st)" test "$st" = 200
check "  ... shortened at a character boundary, .txt kept" test "$(name_ok "$T/mp.json")" = yes

# a multipart name that is not UTF-8 (Shift_JIS bytes)
python3 - "$T/sjis.body" <<'PY'
import sys
name = "会議.txt".encode("shift_jis")
body = (b"--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
        b"\"\r\nContent-Type: text/plain\r\n\r\nmemo\r\n--XB--\r\n")
open(sys.argv[1], "wb").write(body)
PY
st=$(curl -s -o "$T/sjis.json" -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=XB' \
    --data-binary @"$T/sjis.body" "$U/v1/jobs?wait=30")
check "multipart name not UTF-8: 400 ($st)" test "$st" = 400
check "  ... saying so" grep -q 'not UTF-8' "$T/sjis.json"
check "mugaid still serves" test "$(curl -s "$U/healthz")" = ok
finish
