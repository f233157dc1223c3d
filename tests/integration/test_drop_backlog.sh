#!/bin/sh
# The drop folder with a backlog: ${DROP_BACKLOG:-10000} tiny text files
# in the inbox before the start (in 100 folders) are all taken and written
# to the outbox, while mugaid's resident memory stays bounded: the inbox
# holds back (at most [drop] max_pending files seen, max_queued jobs
# waiting) instead of holding every file in memory.  Scan-only mode keeps
# the run short; the intake and the outbox are the same as in any mode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/drop.sh"

N=${DROP_BACKLOG:-10000}
RSS_MAX_KB=${DROP_RSS_MAX_KB:-131072}
# Under AddressSanitizer freed memory waits in its quarantine (256 MiB by
# default) and every allocation carries red zones: 128 MiB is the bound of
# the normal build (38 MiB measured), 512 MiB that of the ASan build (155
# MiB measured).
if readelf -d "$MUGAI_BIN/mugaid" 2>/dev/null | grep -q 'libasan'; then
    RSS_MAX_KB=${DROP_RSS_MAX_KB:-524288}
fi
cp -r "$MUGAI_TESTDB" "$T/db"
IB="$T/inbox"; OB="$T/outbox"
mkdir -p "$IB" "$OB"
python3 - "$IB" "$N" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "w") as f:
        f.write("backlog file %d\n" % i)
PY
drop_conf "$T/mugai.conf" "$IB" "$OB" "settle_ms = 200" "max_pending = 1000" "max_queued = 32"
printf '[policy]\nmode = scan\nallow_scan_only = true\n' >> "$T/mugai.conf"
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 2
peak() { awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status"; }
check "all $N files reach the outbox" \
    wait_for 1500 sh -c "[ \$(cd '$OB' && find . -type f ! -name '.*' | grep -c .) -ge $N ]"
rss=$(peak)
echo "# mugaid peak RSS (VmHWM) after $N files: $rss kB"
check "none left in the inbox" test -z "$(inbox_files "$IB")"
check "each exactly once" test "$(count_visible "$OB")" -eq "$N"
check "peak RSS ${rss} kB under $RSS_MAX_KB kB" test "$rss" -lt "$RSS_MAX_KB"
stop
finish
