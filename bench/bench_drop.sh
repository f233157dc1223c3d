#!/bin/sh
# The drop folder's throughput, inbox to outbox, against the "ClamAV only"
# way many sites run a transfer folder today (clamdscan each file, then
# copy it), in the same run.
#   bench/bench_drop.sh BUILD_DIR [NTEXT] [NPDF]
# NTEXT (1000) small text files and NPDF (100) five-page PDFs (mkpdf) are
# moved into mugaid's inbox at once; the time until the last one is in the
# outbox gives files/s.  Then clamdscan --stream against a clamd on the
# same signatures, file by file, each clean one copied to a second outbox.
# Prints files/s of both and their ratio (mugai / scan-and-copy; the target
# for text is at least 0.5: mugai rebuilds every file, the copy does not).
# Needs clamd and clamdscan (Debian clamav-daemon, clamdscan) for the comparison.
set -eu
build=${1:?usage: bench_drop.sh BUILD_DIR [NTEXT] [NPDF]}
. "$(dirname "$0")/lib.sh"
ntext=${2:-1000}
npdf=${3:-100}
workers=${BENCH_WORKERS:-$(nproc)}
t=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$t"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$t/inbox" "$t/outbox" "$t/copyout" "$t/stage/text" "$t/stage/pdf"
# settle_ms = 100: the bench measures the pipeline, not the quiet wait
printf '[drop]\ninbox = %s\noutbox = %s\nsettle_ms = 100\n' "$t/inbox" "$t/outbox" > "$t/mugai.conf"
python3 - "$t/stage/text" "$ntext" <<'PY'
import os, sys
for i in range(int(sys.argv[2])):
    line = ("t%05d 会議資料 lorem ipsum dolor sit amet\n" % i).encode()
    open(os.path.join(sys.argv[1], "t%05d.txt" % i), "wb").write((line * (4096 // len(line) + 1))[:4096])
PY
"$build/bin/mkpdf" "$t/five.pdf" --pages 5
for i in $(seq 1 "$npdf"); do cp "$t/five.pdf" "$t/stage/pdf/p$i.pdf"; done
"$build/bin/mugaid" --config "$t/mugai.conf" --listen 127.0.0.1:$(port) --release-listen 127.0.0.1:$(port) \
    --spool "$t/spool" --database "$build/testdb" --workers "$workers" > "$t/mugaid.log" 2>&1 &
pids="$pids $!"
sleep 1
now() { python3 -c 'import time; print(time.monotonic())'; }
count() { find "$1" -type f ! -name '.*' | grep -c . || true; }
# drop_run KIND N: move the staged files in at once, wait for N in the outbox
drop_run() {
    before=$(count "$t/outbox")
    t0=$(now)
    mv "$t/stage/$1" "$t/inbox/$1"
    while [ "$(count "$t/outbox")" -lt $((before + $2)) ]; do sleep 0.05; done
    t1=$(now)
    python3 -c "print('%.2f' % ($2 / ($t1 - $t0)))"
}
mt=$(drop_run text "$ntext")
mp=$(drop_run pdf "$npdf")
reports=$(find "$t/outbox" -name '*.mugai.txt' | grep -c . || true)
echo "mugai drop folder ($workers workers): text $mt files/s, five-page PDF $mp files/s ($reports reports)"
if ! command -v clamd > /dev/null || ! command -v clamdscan > /dev/null; then
    echo "no clamd/clamdscan (Debian clamav-daemon): no comparison"
    exit 0
fi
start_clamd "$t" "$build/testdb" || exit 1
pids="$pids $CLAMD_PID"
# scan_copy DIR: files/s of clamdscan-then-copy over the files in DIR
scan_copy() {
    n=$(count "$1")
    t0=$(now)
    for f in "$1"/*; do
        clamdscan --no-summary --stream -c "$t/clamd.conf" "$f" > /dev/null 2>&1 &&
            cp "$f" "$t/copyout/"
    done
    t1=$(now)
    python3 -c "print('%.2f' % ($n / ($t1 - $t0)))"
}

# the same inputs again, fresh copies (the inbox is empty now)
mkdir -p "$t/again/text" "$t/again/pdf"
python3 - "$t/again/text" "$ntext" <<'PY'
import os, sys
for i in range(int(sys.argv[2])):
    line = ("t%05d 会議資料 lorem ipsum dolor sit amet\n" % i).encode()
    open(os.path.join(sys.argv[1], "t%05d.txt" % i), "wb").write((line * (4096 // len(line) + 1))[:4096])
PY
for i in $(seq 1 "$npdf"); do cp "$t/five.pdf" "$t/again/pdf/p$i.pdf"; done
ct=$(scan_copy "$t/again/text")
cp_=$(scan_copy "$t/again/pdf")
echo "clamdscan each, then copy:     text $ct files/s, five-page PDF $cp_ files/s"
python3 -c "print('ratio mugai / scan-and-copy: text %.2f (target >= 0.5), PDF %.2f' % ($mt / $ct, $mp / $cp_))"
