#!/bin/sh
# Mail throughput, latency and milter memory through a private Postfix
# (tests/integration/mail_lib.sh, before-queue milter), mugai-milter +
# mugaid against Debian's clamav-milter + clamd on the same signatures, in
# one run.  Needs root, postfix, clamav-milter and clamav-daemon.
#   bench/bench_mail.sh BUILD_DIR [N]
# For mails with one 4 KiB text attachment (N mails) and with one 5-page
# PDF (N/5): mails/s with 4 SMTP clients (a connection per mail), p50/p99 of
# the SMTP transaction (the milter's work is inside it) and of the delivery
# (first byte sent until the mail is at the sink Postfix relays to), and the
# ratios; then the milters' VmHWM after 1, 10 and 20 MiB mails (and their
# daemons', mugaid and clamd).  Both sides get the same Postfix (a fresh
# instance per measurement, the milter in smtpd_milters), the same clients,
# the same 4 warm-up mails; mugai and clamav-milter alternate per mail kind.
# clamav-milter scans the whole message (MaxFileSize 100M, Postfix's
# message_size_limit), as mugai processes the whole message.
# Nothing waits for ever: a mail refused, an SMTP timeout or a mail that does
# not reach the sink within BENCH_MAIL_TIMEOUT (120) s + 1 s per mail ends
# the run with the reason, Postfix's queue and the logs' tails.
set -eu
build=$(cd "${1:?usage: bench_mail.sh BUILD_DIR [N]}" && pwd)
n=${2:-100}
src=$(cd "$(dirname "$0")/.." && pwd)
timeout=${BENCH_MAIL_TIMEOUT:-120}
export MUGAI_BIN="$build/bin" MUGAI_TESTDB="$build/testdb" MUGAI_SRC="$src"
. "$src/tests/integration/lib.sh"
. "$src/tests/integration/daemon.sh"
. "$src/tests/integration/mail_lib.sh"
. "$src/bench/lib.sh"
command -v clamav-milter > /dev/null && command -v clamd > /dev/null || {
    echo "needs clamav-milter and clamd (apt-get install clamav-milter clamav-daemon)"; exit 2; }
[ "$(id -u)" -eq 0 ] && command -v postfix > /dev/null || { echo "needs root and postfix"; exit 2; }
B="$src/bench/mail_bench.py"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
# diagnose WHAT: why a step failed, then exit 1
diagnose() {
    echo "bench_mail: $1" >&2
    if [ -f "$PF/etc/main.cf" ]; then
        echo "--- postqueue -p" >&2; postqueue -c "$PF/etc" -p >&2 2>&1 || true
        echo "--- Postfix log (last lines)" >&2; tail -n 15 "$PF/maillog" >&2 2>/dev/null || true
    fi
    for f in milter.log clamav-milter.log clamav-milter.out clamd.log daemon.log sink.log; do
        [ -s "$T/$f" ] && { echo "--- $f (last lines)" >&2; tail -n 8 "$T/$f" >&2; }
    done
    exit 1
}
python3 "$B" make "$T/m"

start_clamd "$T" "$MUGAI_TESTDB" || diagnose "clamd did not start"
PIDS="$PIDS $CLAMD_PID"
CLAM_PORT=$(mail_port)
cat > "$T/clamav-milter.conf" <<EOF2
MilterSocket inet:$CLAM_PORT@127.0.0.1
ClamdSocket unix:$T/clamd.sock
Foreground yes
User root
OnClean Accept
OnInfected Reject
OnFail Defer
AddHeader Replace
MaxFileSize 100M
LogFile $T/clamav-milter.log
EOF2
clamav-milter -c "$T/clamav-milter.conf" > "$T/clamav-milter.out" 2>&1 &
CLAM_PID=$!
PIDS="$PIDS $CLAM_PID"
i=0
while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $CLAM_PORT), 1)" 2>/dev/null; do
    kill -0 "$CLAM_PID" 2>/dev/null || diagnose "clamav-milter exited while starting"
    i=$((i + 1)); [ $i -gt 300 ] && diagnose "clamav-milter did not listen on $CLAM_PORT within 30 s"
    sleep 0.1
done

start --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 2 || diagnose "mugaid did not start"
MUGAID_PID=$PID
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"
MILTER_PORT=$(mail_port)
milter_start --server "$U" --config "$T/milter.conf" || diagnose "mugai-milter did not start"

hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
# send NAME FILE N CLIENTS: N mails of FILE through the Postfix with NAME's
# milter, the result line on stdout (in $(...), the diagnosis ends the
# subshell with status 1, and set -e the script)
send() {
    python3 "$B" run "$SMTP_PORT" "$SINK" "$2" "$3" "$4" "$timeout" ||
        diagnose "$1: sending $3 x $(basename "$2") failed (above)"
}
# postfix_with NAME: a fresh Postfix with NAME's milter (mugai or clamav)
postfix_with() {
    case $1 in mugai) port=$MILTER_PORT ;; clamav) port=$CLAM_PORT ;; esac
    postfix_start "$port" || diagnose "$1: Postfix did not start"
}
done_with() { postfix_stop; rm -rf "$PF" "$SINK"; }
: > "$T/results"
for kind in text pdf; do
    k=$n; [ $kind = pdf ] && k=$((n / 5 > 0 ? n / 5 : 1))
    for m in mugai clamav; do
        postfix_with $m
        send $m "$T/m/$kind.eml" 4 4 > /dev/null  # warm up
        res=$(send $m "$T/m/$kind.eml" $k 4)
        echo "$m $kind $res" >> "$T/results"
        done_with
    done
done
for m in mugai clamav; do
    case $m in mugai) mp=$MILTER_PID dp=$MUGAID_PID ;; clamav) mp=$CLAM_PID dp=$CLAMD_PID ;; esac
    postfix_with $m
    for mib in 1 10 20; do
        send $m "$T/m/big$mib.eml" 1 1 > /dev/null
        echo "$m mem$mib $(hwm $mp) $(hwm $dp)" >> "$T/results"
    done
    done_with
done
python3 - "$T/results" "$n" <<'PY'
import sys
r = {}
for l in open(sys.argv[1]):
    f = l.split()
    r[(f[0], f[1])] = [float(x) for x in f[2:]]
print("bench_mail: N = %s (text), %d (pdf); 4 clients; before-queue milter" % (sys.argv[2], max(1, int(sys.argv[2]) // 5)))
print("%-6s %-5s %9s %9s %9s %9s %9s" % ("milter", "mail", "mails/s", "smtp p50", "smtp p99", "dlv p50", "dlv p99"))
for kind in ("text", "pdf"):
    for m in ("mugai", "clamav"):
        v = r[(m, kind)]
        print("%-6s %-5s %9.2f %6.0f ms %6.0f ms %6.0f ms %6.0f ms" % (m, kind, *v))
    a, b = r[("mugai", kind)], r[("clamav", kind)]
    print("  %s: mugai/clamav-milter throughput %.2f, delivery p50 %.1fx, p99 %.1fx"
          % (kind, a[0] / b[0], a[3] / b[3], a[4] / b[4]))
print("VmHWM (kB) after a 1 / 10 / 20 MiB mail:")
for m, names in (("mugai", ("mugai-milter", "mugaid")), ("clamav", ("clamav-milter", "clamd"))):
    for i, name in enumerate(names):
        print("  %-13s %s" % (name, " / ".join("%d" % r[(m, "mem%d" % s)][i] for s in (1, 10, 20))))
t = r[("mugai", "text")][0] / r[("clamav", "text")][0]
print("target (text attachment, >= 0.5 of clamav-milter's mails/s): %s (%.2f)" % ("met" if t >= 0.5 else "NOT met", t))
grow = r[("mugai", "mem20")][0] - r[("mugai", "mem1")][0]
print("target (mugai-milter's memory flat with mail size): %s (%+d kB from 1 to 20 MiB)"
      % ("met" if grow < 4096 else "NOT met", grow))
PY
