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
# BENCH_MAIL_TMP=DIR: both sides' temporary files in DIR (a tmpfs, as
# amavisd-new and MIMEDefang recommend for a mail filter's work area):
# mugaid's and mugai-milter's TMPDIR, clamd's and clamav-milter's
# TemporaryDirectory.  Unset: each program's default (/tmp, /var/tmp).
# The spool stays where it is (durable, on disk).
tmpd=${BENCH_MAIL_TMP:-}
if [ -n "$tmpd" ]; then
    mkdir -p "$tmpd" && chmod 1777 "$tmpd"
    export MUGAID_ENV="${MUGAID_ENV:+$MUGAID_ENV }TMPDIR=$tmpd"
fi
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

start_clamd "$T" "$MUGAI_TESTDB" ${tmpd:+"TemporaryDirectory $tmpd"} || diagnose "clamd did not start"
PIDS="$PIDS $CLAMD_PID"
# both milters on the same kind of socket: unix (Debian's clamav-milter
# default) or inet on loopback (BENCH_MAIL_SOCKET=inet)
chmod 711 "$T"  # Postfix (user postfix) reaches the sockets beneath it
case ${BENCH_MAIL_SOCKET:-unix} in
    unix) CLAM_LISTEN=unix:$T/clamav-milter.sock CLAM_ADDR=unix:$T/clamav-milter.sock
          MUGAI_LISTEN=unix:$T/mugai-milter.sock MUGAI_ADDR=unix:$T/mugai-milter.sock ;;
    inet) p1=$(mail_port) p2=$(mail_port)
          CLAM_LISTEN=inet:$p1@127.0.0.1 CLAM_ADDR=inet:127.0.0.1:$p1
          MUGAI_LISTEN=inet:$p2@127.0.0.1 MUGAI_ADDR=inet:127.0.0.1:$p2 ;;
    *) echo "BENCH_MAIL_SOCKET: unix or inet"; exit 2 ;;
esac
# listening ADDR PID NAME: wait until the milter NAME (PID) takes
# connections on ADDR (Postfix's form), at most 30 s; a unix socket is
# opened to Postfix's user (mode 666: the sockets are in $T only)
listening() {
    li=0
    while :; do
        case $1 in
            unix:*) [ -S "${1#unix:}" ] && { chmod 666 "${1#unix:}"; break; } ;;
            inet:*) a=${1#inet:}
                    python3 -c "import socket; socket.create_connection(('${a%:*}', ${a##*:}), 1)" 2>/dev/null && break ;;
        esac
        kill -0 "$2" 2>/dev/null || diagnose "$3 exited while starting"
        li=$((li + 1)); [ $li -gt 300 ] && diagnose "$3 did not listen on $1 within 30 s"
        sleep 0.1
    done
}
cat > "$T/clamav-milter.conf" <<EOF2
MilterSocket $CLAM_LISTEN
MilterSocketMode 666
ClamdSocket unix:$T/clamd.sock
Foreground yes
User root
OnClean Accept
OnInfected Reject
OnFail Defer
AddHeader Replace
MaxFileSize 100M
LogFile $T/clamav-milter.log
${tmpd:+TemporaryDirectory $tmpd}
EOF2
clamav-milter -c "$T/clamav-milter.conf" > "$T/clamav-milter.out" 2>&1 &
CLAM_PID=$!
PIDS="$PIDS $CLAM_PID"
listening "$CLAM_ADDR" "$CLAM_PID" clamav-milter

# BENCH_MAIL_WORKERS: mugaid's --workers (default: mugaid's, one per core)
start --spool "$T/spool" --database "$MUGAI_TESTDB" ${BENCH_MAIL_WORKERS:+--workers "$BENCH_MAIL_WORKERS"} ||
    diagnose "mugaid did not start"
MUGAID_PID=$PID
printf '[milter]\nrelease_url = %s\n' "$R" > "$T/milter.conf"
env ${tmpd:+TMPDIR=$tmpd} "$MUGAI_BIN/mugai-milter" --socket "$MUGAI_LISTEN" --server "$U" --config "$T/milter.conf" > "$T/milter.log" 2>&1 &
MILTER_PID=$!
listening "$MUGAI_ADDR" "$MILTER_PID" mugai-milter

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
    case $1 in mugai) addr=$MUGAI_ADDR ;; clamav) addr=$CLAM_ADDR ;; esac
    postfix_start "$addr" || diagnose "$1: Postfix did not start"
}
# done_with NAME: every mail at the sink went through NAME's milter (its
# header: X-Mugai-Sanitized, or clamav-milter's X-Virus-Status: Clean), then
# Postfix and the sink go
done_with() {
    case $1 in mugai) hdr='^X-Mugai-Sanitized:' ;; clamav) hdr='^X-Virus-Status: Clean' ;; esac
    bad=$(grep -L "$hdr" "$SINK"/*.eml | head -n 1)
    [ -z "$bad" ] || diagnose "$1: $bad at the sink has no $hdr header"
    postfix_stop; rm -rf "$PF" "$SINK"
}
: > "$T/results"
for kind in text pdf; do
    k=$n; [ $kind = pdf ] && k=$((n / 5 > 0 ? n / 5 : 1))
    for m in mugai clamav; do
        postfix_with $m
        send $m "$T/m/$kind.eml" 4 4 > /dev/null  # warm up
        case $m in mugai) cp="$MUGAID_PID $MILTER_PID" ;; clamav) cp="$CLAMD_PID $CLAM_PID" ;; esac
        c0=$(python3 "$B" cpu $cp)
        res=$(send $m "$T/m/$kind.eml" $k 4)
        c1=$(python3 "$B" cpu $cp)
        echo "$m $kind $res" >> "$T/results"
        echo "$m cpu$kind $k $c0 $c1" >> "$T/results"
        done_with $m
    done
done
for m in mugai clamav; do
    case $m in mugai) mp=$MILTER_PID dp=$MUGAID_PID ;; clamav) mp=$CLAM_PID dp=$CLAMD_PID ;; esac
    postfix_with $m
    for mib in 1 10 20; do
        send $m "$T/m/big$mib.eml" 1 1 > /dev/null
        kill -0 $mp && kill -0 $dp || diagnose "$m: a milter or daemon exited"
        echo "$m mem$mib $(hwm $mp) $(hwm $dp)" >> "$T/results"
    done
    done_with $m
done
python3 - "$T/results" "$n" "${BENCH_MAIL_SOCKET:-unix}" "${BENCH_MAIL_WORKERS:-$(nproc)}" "${tmpd:-each program's default}" <<'PY'
import sys
r = {}
for l in open(sys.argv[1]):
    f = l.split()
    r[(f[0], f[1])] = [float(x) for x in f[2:]]
print("bench_mail: N = %s (text), %d (pdf); 4 clients; before-queue milters on %s sockets; "
      "mugaid %s workers; temporary files: %s" % (sys.argv[2], max(1, int(sys.argv[2]) // 5),
                                                    sys.argv[3], sys.argv[4], sys.argv[5]))
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
# the CPU used during the timed run (mail_bench.py cpu before and after),
# per mail: the whole machine's busy time (Postfix, the clients, the sink
# and whatever else runs on the machine included), the daemon's own
# (mugaid, clamd), its children's (mugaid's filter processes; clamd has
# none) and the milter's own
print("CPU per mail (ms) during the timed run: machine busy, daemon (mugaid / clamd), "
      "its filter processes, milter")
print("%-6s %-5s %9s %9s %9s %9s" % ("milter", "mail", "machine", "daemon", "filters", "milter"))
cpu = {}
for kind in ("text", "pdf"):
    for m in ("mugai", "clamav"):
        v = r[(m, "cpu" + kind)]
        k, a, b = v[0], v[1:6], v[6:11]
        d = [(y - x) / k for x, y in zip(a, b)]
        cpu[(m, kind)] = (d[0], d[1], d[2], d[3])
        print("%-6s %-5s %9.2f %9.2f %9.2f %9.2f" % ((m, kind) + cpu[(m, kind)]))
    a, b = cpu[("mugai", kind)], cpu[("clamav", kind)]
    print("  %s: mugai/clamav-milter CPU per mail: machine %.1fx, daemon+milter %.1fx "
          "(mugaid+mugai-milter %.2f ms, filters %.2f ms)"
          % (kind, a[0] / max(b[0], 0.01), (a[1] + a[3]) / max(b[1] + b[3], 0.01), a[1] + a[3], a[2]))
# the ceiling this machine allows: the throughput ratio were mugaid's own
# CPU nothing (the machine busy per mail less mugaid's own: Postfix, the
# clients, the sink, the kernel's share, the filter processes, the milter),
# the machine being the limit on both sides
a, b = cpu[("mugai", "text")], cpu[("clamav", "text")]
print("  text: with mugaid's own CPU at zero, mugai/clamav-milter throughput would be "
      "at most %.2f (%.2f ms a mail left: filters %.2f, milter %.2f, the rest %.2f)"
      % (b[0] / max(a[0] - a[1], 0.01), a[0] - a[1], a[2], a[3], a[0] - a[1] - a[2] - a[3]))
t = r[("mugai", "text")][0] / r[("clamav", "text")][0]
print("target (text attachment, >= 0.5 of clamav-milter's mails/s): %s (%.2f)" % ("met" if t >= 0.5 else "NOT met", t))
grow = r[("mugai", "mem20")][0] - r[("mugai", "mem1")][0]
print("target (mugai-milter's memory flat with mail size): %s (%+d kB from 1 to 20 MiB)"
      % ("met" if grow < 4096 else "NOT met", grow))
PY
