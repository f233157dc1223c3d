#!/bin/sh
# mugai-milter on a unix socket under the unit's UMask=0077: the socket gets
# [milter] socket_mode (default 0660), so that Postfix's smtpd (the group
# postfix, or any user with 0666) can connect; with the umask alone it was
# 0700 and Postfix could not reach the milter (every mail tempfailed).
# A mode it cannot set stops it with a reason naming the key.
. "$(dirname "$0")/lib.sh"
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$T"' EXIT
# run SOCKET [CONFIG]: the milter under umask 077, until its socket exists
run() {
    (umask 077; exec "$MUGAI_BIN/mugai-milter" --socket "unix:$1" \
        --server "http://127.0.0.1:9" ${2:+--config "$2"}) > "$T/milter.log" 2>&1 &
    PIDS="$PIDS $!"
    for _ in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.05; done
    return 1
}
mode() { stat -c %a "$1"; }

chmod 711 "$T" # the other user below walks through it
run "$T/default.sock"
sleep 0.2
check "default: the socket is 0660 under umask 077" test "$(mode "$T/default.sock")" = 660
printf '[milter]\nsocket_mode = 0666\n' > "$T/open.conf"
run "$T/open.sock" "$T/open.conf"
sleep 0.2
check "socket_mode = 0666: the socket is 0666" test "$(mode "$T/open.sock")" = 666
check "a connection reaches it as another user" sh -c \
    "command -v setpriv > /dev/null || exit 0; [ \$(id -u) -ne 0 ] && exit 0; setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('$T/open.sock')\""
printf '[milter]\nsocket_mode = 0999\n' > "$T/bad.conf"
rc=0; "$MUGAI_BIN/mugai-milter" --socket "unix:$T/bad.sock" --server http://127.0.0.1:9 \
    --config "$T/bad.conf" > "$T/bad.log" 2>&1 || rc=$?
check "socket_mode not octal: refused at start, naming the key" sh -c \
    "[ $rc -ne 0 ] && grep -q socket_mode '$T/bad.log'"
finish
