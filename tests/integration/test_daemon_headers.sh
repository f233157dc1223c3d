#!/bin/sh
# What mugaid answers and refuses at the HTTP level (issue 13 point 16):
# artefacts come with X-Content-Type-Options: nosniff and
# Content-Disposition: attachment with an ASCII filename= and the UTF-8
# name as filename*= (RFC 6266/5987), on both listeners; differing
# duplicate Content-Length headers are 400; an unknown Transfer-Encoding
# is 501 — each answered with a status, and no job made of them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
# raw REQUEST-FILE: the status line of the answer to bytes sent as they are
raw() { python3 - "$IN" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(open(sys.argv[2], "rb").read())
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    pass
print(out.split(b"\r\n")[0].decode() or "(no status: connection closed)")
PY
}

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
printf '議事録\n' > "$T/memo.txt"
id=$(submit "$T/memo.txt" "%E8%AD%B0%E4%BA%8B%E9%8C%B2%20%22v2%22.txt")
check "the memo is released" test "$(job_state "$id" 'd["verdict"]')" = released
for L in "$U" "$R"; do
    curl -s -D "$T/h" -o /dev/null "$L/v1/jobs/$id/artefacts/0"
    tr -d '\r' < "$T/h" > "$T/hh"
    check "$L artefact: X-Content-Type-Options: nosniff" grep -qi '^X-Content-Type-Options: nosniff$' "$T/hh"
    check "$L artefact: Content-Disposition: attachment" grep -qi '^Content-Disposition: attachment;' "$T/hh"
    check "  ... an ASCII filename= without the quote" grep -q 'filename="[^"]*\.txt";' "$T/hh"
    check "  ... the UTF-8 name as filename*= (議事録, the quote encoded)" \
        grep -q "filename\*=UTF-8''%E8%AD%B0%E4%BA%8B%E9%8C%B2%20%22v2%22" "$T/hh"
done

printf 'POST /v1/jobs?filename=a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\nhello12' > "$T/dupcl"
st=$(raw "$T/dupcl")
check "differing Content-Length headers: 400 ($st)" sh -c "echo '$st' | grep -q '^HTTP/1.1 400'"
printf 'POST /v1/jobs?filename=b.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\nhello' > "$T/te"
st=$(raw "$T/te")
check "unknown Transfer-Encoding: 501 ($st)" sh -c "echo '$st' | grep -q '^HTTP/1.1 501'"
printf 'POST /v1/jobs?filename=c.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n' > "$T/te2"
st=$(raw "$T/te2")
check "Transfer-Encoding gzip, chunked: 501 ($st)" sh -c "echo '$st' | grep -q '^HTTP/1.1 501'"
printf 'POST /v1/jobs?filename=d.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n' > "$T/te3"
st=$(raw "$T/te3")
check "Transfer-Encoding chunked still works: 202 ($st)" sh -c "echo '$st' | grep -q '^HTTP/1.1 20[02]'"
check "no job made of the refused requests" sh -c "! grep -q '\"name\":\"[abc].txt\"' '$T/audit.jsonl'"
finish
