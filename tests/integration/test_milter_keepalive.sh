#!/bin/sh
# mugai-milter keeps its connections to mugaid for the next message
# ([milter] keepalive): the second mail goes over the connections the first
# one used (the same local ports), to the intake and to the release
# listener; a kept connection that mugaid closed (mugaid restarted on the
# same ports) costs no tempfail, the next mail is delivered sanitised; with
# keepalive = 0 no connection stays open after a mail.  Through a real
# Postfix (before-queue milter) and the real mugaid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/mail_lib.sh"
mail_skip_unless_ready

# mugaid closes no idle connection while the test looks at them
printf '[daemon]\nconnection_timeout = 3600\n' > "$T/mugaid.conf"
start --config "$T/mugaid.conf" --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 1
MILTER_PORT=$(mail_port)
postfix_start "$MILTER_PORT"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill -9 $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# no idle age in the test: what is kept stays kept
printf '[milter]\nrelease_url = %s\nkeepalive = 3600\n' "$R" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"

printf 'From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: keepalive\r\n\r\nplain words\r\n' \
    > "$T/plain.eml"
# deliver: the mail through Postfix, sanitised with its body intact
deliver() {
    mail_deliver "$T/plain.eml" "mail $((MAIL_N + 1))"
    check "mail $MAIL_N: sanitised, body intact" look "$DELIVERED" \
        'm["X-Mugai-Sanitized"] is not None and any("plain words" in text(p) for p in parts)'
}
# conns PORT: the local ports of the milter's established TCP connections
# to 127.0.0.1:PORT, sorted, one line
conns() {
    python3 - "$MILTER_PID" "$1" <<'PY'
import os, sys
pid, port = sys.argv[1], int(sys.argv[2])
inodes = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        t = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
out = []
for line in open("/proc/%s/net/tcp" % pid).readlines()[1:]:
    f = line.split()
    local, remote, state, inode = f[1], f[2], f[3], f[9]
    # 0100007F = 127.0.0.1; state 01 = ESTABLISHED
    if inode in inodes and state == "01" and remote == "0100007F:%04X" % port:
        out.append(int(local.split(":")[1], 16))
print(" ".join(str(p) for p in sorted(out)))
PY
}

deliver
in1=$(conns "$IN"); out1=$(conns "$OUT")
echo "  after mail 1: intake $in1, release $out1"
check "mail 1: a connection to the intake listener is kept" test -n "$in1"
check "mail 1: a connection to the release listener is kept" test -n "$out1"
deliver
in2=$(conns "$IN"); out2=$(conns "$OUT")
echo "  after mail 2: intake $in2, release $out2"
check "mail 2: over the intake connection of mail 1" test -n "$in2" -a "$in2" = "$in1"
check "mail 2: over the release connection of mail 1" test -n "$out2" -a "$out2" = "$out1"

# mugaid restarted on the same ports: the kept connections are dead
stop
"$MUGAID" --config "$T/mugaid.conf" --listen 127.0.0.1:$IN --release-listen 127.0.0.1:$OUT --spool "$T/spool" \
    --database "$MUGAI_TESTDB" --workers 1 >> "$T/daemon.log" 2>&1 &
PID=$!; PIDS="$PIDS $PID"
i=0
until curl -fs "$U/healthz" > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "mugaid did not start again"; cat "$T/daemon.log"; exit 1; }
    sleep 0.1
done
deliver
check "after the restart: 'sanitisation unavailable' never logged" \
    sh -c "! grep -q 'unavailable\|unreachable' '$T/milter.log'"

# keepalive = 0: a connection per request, none left after the mail
milter_stop
printf '[milter]\nrelease_url = %s\nkeepalive = 0\n' "$R" > "$T/milter.conf"
milter_start --server "$U" --config "$T/milter.conf"
deliver
check "keepalive = 0: no connection to mugaid left open" \
    test -z "$(conns "$IN")$(conns "$OUT")"
finish
