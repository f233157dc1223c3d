#!/bin/sh
# mugai-milter through a real Postfix (private instance, mail_lib.sh):
# fail closed (no milter, mugaid unreachable, a failed job, an artefact that
# does not match, a timeout: 4xx and nothing delivered), and the rebuilt
# message put in place of the original (headers and body; memory flat for
# a 15 MiB mail).  The answers mugaid cannot be made to give (a failed job,
# a wrong SHA-256, a slow job) come from a stand-in (mail_helpers.py stub);
# the same Postfix with the real mugaid is test_mail_e2e.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

unit="$MUGAI_SRC/systemd/mugai-milter.service"
for k in "Type=notify" "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" \
         "RestrictAddressFamilies=" "SystemCallFilter=@system-service" "MemoryMax=" "User=mugai"; do
    check "milter unit sets $k" grep -q "^$k" "$unit"
done
if command -v systemd-analyze > /dev/null; then
    systemd-analyze security --offline=yes "$unit" > "$T/sec.txt" 2>&1 || true
    score=$(sed -n 's/.*Overall exposure level for mugai-milter.service: \([0-9.]*\).*/\1/p' "$T/sec.txt")
    echo "  systemd-analyze security: exposure $score"
    check "milter unit exposure at most 2.0" python3 -c "import sys; sys.exit(0 if float('${score:-9}') <= 2.0 else 1)"
fi

set +e
"$MUGAI_BIN/mugai-milter" > /dev/null 2>&1; rc=$?
set -e
check "no --socket: usage, exit 2" test "$rc" -eq 2

MILTER_PORT=$(mail_port)
# Postfix waits 5 s for each milter answer: longer jobs live on smfi_progress
MILTER_CONTENT_TIMEOUT=5s postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
STUB_PID=

cat > "$T/plain.eml" <<'EOF'
From: sender@example.jp
To: rcpt@example.lg.jp
Subject: =?UTF-8?B?5LqI566X?=
X-Mugai-Sanitized: forged
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

original body
--b--
EOF

r=$(mail_send "$T/plain.eml"); echo "  answer: $r"
check "no milter: Postfix defers (4xx)" sh -c "case '$r' in 4??) exit 0;; esac; exit 1"

dead=$(mail_port)
milter_start --server "http://127.0.0.1:$dead"
r=$(mail_send "$T/plain.eml"); echo "  answer: $r"
check "mugaid unreachable: 451" test "$r" = 451
check "mugaid unreachable: nothing delivered, nothing queued" test "$(delivered)" -eq 0 -a "$(postfix_queue)" -eq 0
milter_stop

stub() { # stub MODE: the stand-in on a fresh port ($STUB)
    if [ -n "$STUB_PID" ]; then kill "$STUB_PID" 2>/dev/null || true; wait "$STUB_PID" 2>/dev/null || true; fi
    STUB=$(mail_port)
    python3 "$HELPERS" stub "$STUB" "$1" > "$T/stub.log" 2>&1 &
    STUB_PID=$!
    i=0
    while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $STUB), 1)" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.1
    done
}

for mode in failed badsha; do
    stub $mode
    milter_start --server "http://127.0.0.1:$STUB"
    r=$(mail_send "$T/plain.eml"); echo "  answer: $r"
    check "$mode: 451, nothing delivered" test "$r" = 451 -a "$(delivered)" -eq 0
    milter_stop
done

stub slow
printf '[milter]\njob_timeout = 3\nprogress_interval = 1\n' > "$T/milter.conf"
milter_start --server "http://127.0.0.1:$STUB" --config "$T/milter.conf"
r=$(mail_send "$T/plain.eml"); echo "  answer: $r"
check "timeout: 451, nothing delivered" test "$r" = 451 -a "$(delivered)" -eq 0
milter_stop

# [milter] max_inflight: with one message at mugaid, the next gets 451 at once
stub slow
printf '[milter]\njob_timeout = 10\nmax_inflight = 1\nprogress_interval = 1\n' > "$T/milter.conf"
milter_start --server "http://127.0.0.1:$STUB" --config "$T/milter.conf"
mail_send "$T/plain.eml" > "$T/first.out" &
first=$!
i=0
until grep -q posted "$T/stub.log"; do i=$((i + 1)); [ $i -gt 600 ] && break; sleep 0.1; done
r=$(mail_send "$T/plain.eml"); echo "  answer while one is in flight: $r"
check "in-flight limit: 451" test "$r" = 451
grep -q "too many messages" "$PF/maillog" && ok "in-flight limit: the reply says so" || not_ok "in-flight limit: the reply says so"
wait "$first" || true
check "in-flight limit: the first one times out, 451" test "$(cat "$T/first.out")" = 451
check "in-flight limit: nothing delivered" test "$(delivered)" -eq 0
milter_stop

# a job longer than Postfix's milter_content_timeout (5 s here): the
# progress notes (every second) keep Postfix waiting (with notes every
# 60 s this mail gets 451 from Postfix's own milter timeout)
stub slowok
printf '[milter]\nprogress_interval = 1\n' > "$T/milter.conf"
milter_start --server "http://127.0.0.1:$STUB" --config "$T/milter.conf"
r=$(mail_send "$T/plain.eml"); echo "  answer after 8 s: $r"
check "progress: an 8 s job outlives a 5 s milter timeout" test "$r" = sent
check "progress: delivered" wait_delivered 1
rm -f "$SINK"/*.eml
milter_stop

stub rebuild
milter_start --server "http://127.0.0.1:$STUB"
r=$(mail_send "$T/plain.eml"); echo "  answer: $r"
check "rebuilt: accepted" test "$r" = sent
check "rebuilt: delivered" wait_delivered 1
check "rebuilt: headers and body are the rebuilt message's" python3 - "$SINK/0000.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
ok = True
def want(c, what):
    global ok
    if not c:
        print("  ", what); ok = False
want(m.get_all("X-Mugai-Sanitized") == ["attachments=0 converted=0 removed=0 held=0 html=none"],
     "one X-Mugai-Sanitized, ours: %r" % m.get_all("X-Mugai-Sanitized"))
want(m.get_content_type() == "text/plain", "Content-Type replaced: " + m.get_content_type())
want(len(m.get_all("Content-Type")) == 1 and len(m.get_all("MIME-Version")) == 1, "one of each")
want(str(m["Subject"]) == "予算", "Subject kept: %r" % str(m["Subject"]))
body = m.get_content()
want("rebuilt message" in body and "original body" not in body, "body replaced: %r" % body)
sys.exit(0 if ok else 1)
PY

# 15 MiB: the milter's memory stays flat (the message is in a file)
python3 - "$T/big.eml" <<'PY'
import base64, os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
    raw = os.urandom(11 * 1024 * 1024)
    b = base64.encodebytes(raw).replace(b"\n", b"\r\n")
    f.write(b)
PY
r=$(mail_send "$T/big.eml"); echo "  answer: $r ($(wc -c < "$T/big.eml") bytes)"
check "15 MiB: accepted and delivered" sh -c "test '$r' = sent"
wait_delivered 2 || true
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$MILTER_PID/status")
echo "  mugai-milter VmHWM: $hwm kB"
check "15 MiB: milter VmHWM < 64 MiB" test "$hwm" -lt 65536
check "15 MiB: the rebuilt message is what was delivered" grep -q "rebuilt message of a 1[0-9]\{7\}-byte" "$SINK/0001.eml"

# a single part that becomes multipart: the top-level Content-Type with the
# new boundary, the old Content-Transfer-Encoding gone
milter_stop
stub multipart
milter_start --server "http://127.0.0.1:$STUB"
cat > "$T/single.eml" <<'EOF'
From: sender@example.jp
To: rcpt@example.lg.jp
Subject: single
MIME-Version: 1.0
Content-Type: application/octet-stream; name="a.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
EOF
r=$(mail_send "$T/single.eml"); echo "  answer: $r"
check "single to multipart: delivered" wait_delivered 3
check "single to multipart: new Content-Type, no old CTE, two parts" python3 - "$SINK/0002.eml" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
ok = (m.get_content_type() == "multipart/mixed" and m.get_boundary() == "=_mugai_1"
      and m["Content-Transfer-Encoding"] is None and len(m.get_all("Content-Type")) == 1
      and len(list(m.iter_parts())) == 2 and b"TVqQ" not in raw)
if not ok:
    print("  ", m.get_content_type(), m.get_boundary(), m["Content-Transfer-Encoding"], raw[:600])
sys.exit(0 if ok else 1)
PY

kill -TERM "$MILTER_PID"
set +e
wait "$MILTER_PID"; rc=$?
set -e
MILTER_PID=
check "SIGTERM: mugai-milter exits 0" test "$rc" -eq 0
finish
