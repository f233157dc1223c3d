# bench/lib.sh - helpers shared by the benchmarks (sourced, POSIX sh).
#
#   start_clamd DIR DBDIR [LINE...]
#       clamd from Debian's clamav-daemon on the signatures in DBDIR (the
#       baseline of bench_daemon.sh, bench_drop.sh and bench_mail.sh), in the
#       foreground in the background: config DIR/clamd.conf (plus each LINE,
#       e.g. "StreamMaxLength 100M"), socket DIR/clamd.sock, log
#       DIR/clamd.log.  Waits for the socket at most CLAMD_START_TIMEOUT
#       seconds (30); sets CLAMD_PID.  Returns 1, with the reason and the
#       log's tail on stderr, when clamd is not installed, exits or does not
#       open its socket in time (then it is stopped).
CLAMD_START_TIMEOUT=${CLAMD_START_TIMEOUT:-30}

start_clamd() {
    cdir=$1; cdb=$2; shift 2
    CLAMD_PID=
    command -v clamd > /dev/null || { echo "clamd not installed (apt-get install clamav-daemon)" >&2; return 1; }
    {
        echo "LocalSocket $cdir/clamd.sock"
        echo "DatabaseDirectory $cdb"
        echo "Foreground yes"
        echo "LogFile $cdir/clamd.log"
        echo "PidFile $cdir/clamd.pid"
        for line in "$@"; do echo "$line"; done
    } > "$cdir/clamd.conf"
    clamd -c "$cdir/clamd.conf" > "$cdir/clamd.out" 2>&1 &
    CLAMD_PID=$!
    ci=0
    while [ ! -S "$cdir/clamd.sock" ]; do
        if ! kill -0 "$CLAMD_PID" 2> /dev/null; then
            echo "clamd exited while starting:" >&2
            tail -n 5 "$cdir/clamd.out" "$cdir/clamd.log" >&2 2> /dev/null || true
            CLAMD_PID=; return 1
        fi
        ci=$((ci + 1))
        if [ $ci -gt $((CLAMD_START_TIMEOUT * 10)) ]; then
            echo "clamd did not open $cdir/clamd.sock within $CLAMD_START_TIMEOUT s:" >&2
            tail -n 5 "$cdir/clamd.log" >&2 2> /dev/null || true
            kill "$CLAMD_PID" 2> /dev/null || true
            CLAMD_PID=; return 1
        fi
        sleep 0.1
    done
}
