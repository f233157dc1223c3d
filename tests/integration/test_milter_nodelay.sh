#!/bin/sh
# mugai-milter on an inet socket turns Nagle off (TCP_NODELAY) on the
# listening socket, so that every connection from the MTA has it: without
# it, the few small packets of our reply at the end of a message waited for
# the MTA's delayed ACK, about 40 ms a mail (bench/bench_mail.sh with
# BENCH_MAIL_SOCKET=inet: SMTP p50 140 ms before, 88 ms after, one client).
# The option is read on the milter's own sockets, copied into this test with
# pidfd_getfd(2) (needs Linux 5.6 and the right to ptrace the milter: root).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mail_lib.sh"
MILTER_PORT=$(mail_port)
# no mugaid is needed: the milter reaches it only for a message
milter_start --server "http://127.0.0.1:$(mail_port)"
trap 'milter_stop; rm -rf "$T"' EXIT
python3 - "$MILTER_PID" "$MILTER_PORT" > "$T/nodelay.out" 2>&1 <<'PY'
import ctypes, os, socket, sys, time
pid, port = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_getfd = 438
pidfd = os.pidfd_open(pid)
def their_sockets():
    """(listening, connected) copies of the milter's TCP sockets"""
    out = []
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            if not os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                continue
        except OSError:
            continue
        fd = libc.syscall(SYS_pidfd_getfd, pidfd, int(name), 0)
        if fd < 0:
            e = ctypes.get_errno()
            if e in (1, 38):  # EPERM, ENOSYS
                print("skip: pidfd_getfd: %s" % os.strerror(e))
                sys.exit(0)
            continue
        s = socket.socket(fileno=fd)
        if s.family == socket.AF_INET and s.type == socket.SOCK_STREAM:
            out.append(s)
        else:
            s.detach()
            os.close(fd)
    return out
lsn = [s for s in their_sockets() if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
       and s.getsockname()[1] == port]
print("listening socket found:", len(lsn) == 1)
print("listening TCP_NODELAY:", lsn[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) if lsn else None)
c = socket.create_connection(("127.0.0.1", port))
mine = c.getsockname()
conn = []
for _ in range(50):  # until the milter has accepted it
    conn = [s for s in their_sockets() if not s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
            and s.getpeername() == mine]
    if conn:
        break
    time.sleep(0.1)
print("accepted connection found:", len(conn) == 1)
print("accepted TCP_NODELAY:", conn[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) if conn else None)
PY
cat "$T/nodelay.out"
if grep -q '^skip:' "$T/nodelay.out"; then
    echo "cannot read the milter's sockets here: skipped"; echo "0 passed, 0 failed"; exit 0
fi
check "the milter's listening socket is found" grep -qx "listening socket found: True" "$T/nodelay.out"
check "TCP_NODELAY on the listening socket" grep -qx "listening TCP_NODELAY: 1" "$T/nodelay.out"
check "the accepted connection is found" grep -qx "accepted connection found: True" "$T/nodelay.out"
check "TCP_NODELAY on the accepted connection" grep -qx "accepted TCP_NODELAY: 1" "$T/nodelay.out"
finish
