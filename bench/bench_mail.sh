#!/bin/sh
# Mail throughput, latency and milter memory through a private Postfix
# (tests/integration/mail_lib.sh, before-queue milter), mugai-milter +
# mugaid against Debian's clamav-milter + clamd on the same signatures, in
# one run.  Needs root, postfix, clamav-milter and clamav-daemon.
#   bench/bench_mail.sh BUILD_DIR [N]
# For mails with one 4 KiB text attachment and with one 5-page PDF: mails/s
# (4 SMTP clients) and p50/p99 of the SMTP transaction (the milter's work is
# inside it), and the ratios; then the milters' VmHWM after 1, 10 and
# 20 MiB mails.  Latency here includes delivery to the sink.
set -eu
build=$(cd "${1:?usage: bench_mail.sh BUILD_DIR [N]}" && pwd)
n=${2:-100}
src=$(cd "$(dirname "$0")/.." && pwd)
export MUGAI_BIN="$build/bin" MUGAI_TESTDB="$build/testdb" MUGAI_SRC="$src"
. "$src/tests/integration/lib.sh"
. "$src/tests/integration/daemon.sh"
. "$src/tests/integration/mail_lib.sh"
command -v clamav-milter > /dev/null && command -v clamd > /dev/null || {
    echo "needs clamav-milter and clamd (apt-get install clamav-milter clamav-daemon)"; exit 2; }
B="$src/bench/mail_bench.py"
python3 "$B" make "$T/m"
trap 'milter_stop; postfix_stop; for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$T"' EXIT

# clamd + clamav-milter on the test signatures
cat > "$T/clamd.conf" <<EOF2
LocalSocket $T/clamd.sock
DatabaseDirectory $MUGAI_TESTDB
Foreground yes
LogFile $T/clamd.log
PidFile $T/clamd.pid
EOF2
clamd -c "$T/clamd.conf" > /dev/null 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 1 100); do [ -S "$T/clamd.sock" ] && break; sleep 0.1; done
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
MaxFileSize 25M
LogFile $T/clamav-milter.log
EOF2
clamav-milter -c "$T/clamav-milter.conf" > "$T/clamav-milter.out" 2>&1 &
CLAM_PID=$!
PIDS="$PIDS $CLAM_PID"
for i in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $CLAM_PORT), 1)" 2>/dev/null && break
    sleep 0.1
done

start --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 2
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"

hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
# measure NAME PORT PID: every mail kind through Postfix with that milter
measure() {
    postfix_start "$2"
    for kind in text pdf; do
        k=$n; [ $kind = pdf ] && k=$((n / 5 > 0 ? n / 5 : 1))
        python3 "$B" run "$SMTP_PORT" "$SINK" "$T/m/$kind.eml" 4 4 > /dev/null  # warm up
        echo "$1 $kind $(python3 "$B" run "$SMTP_PORT" "$SINK" "$T/m/$kind.eml" $k 4)" >> "$T/results"
    done
    for mib in 1 10 20; do
        python3 "$B" run "$SMTP_PORT" "$SINK" "$T/m/big$mib.eml" 1 1 > /dev/null
        echo "$1 mem$mib $(hwm "$3")" >> "$T/results"
    done
    postfix_stop
    rm -rf "$PF" "$SINK"
}
: > "$T/results"
MILTER_PORT=$(mail_port)
milter_start --server "$U" --config "$T/milter.conf"
measure mugai "$MILTER_PORT" "$MILTER_PID"
measure clamav "$CLAM_PORT" "$CLAM_PID"
python3 - "$T/results" <<'PY'
import sys
r = {}
for l in open(sys.argv[1]):
    f = l.split()
    r[(f[0], f[1])] = [float(x) for x in f[2:]]
print("%-6s %-5s %9s %8s %8s" % ("milter", "mail", "mails/s", "p50 ms", "p99 ms"))
for kind in ("text", "pdf"):
    for m in ("mugai", "clamav"):
        v = r[(m, kind)]
        print("%-6s %-5s %9.2f %8.0f %8.0f" % (m, kind, v[0], v[1], v[2]))
    a, b = r[("mugai", kind)], r[("clamav", kind)]
    print("  %s: mugai/clamav-milter throughput %.2f, p50 %.1fx" % (kind, a[0] / b[0], a[1] / b[1]))
print("milter VmHWM (kB) after a 1 / 10 / 20 MiB mail:")
for m in ("mugai", "clamav"):
    print("  %-6s %s" % (m, " / ".join("%d" % r[(m, "mem%d" % s)][0] for s in (1, 10, 20))))
t = r[("mugai", "text")][0] / r[("clamav", "text")][0]
print("target (text attachment, >= 0.5 of clamav-milter's mails/s): %s" % ("met" if t >= 0.5 else "NOT met"))
PY
