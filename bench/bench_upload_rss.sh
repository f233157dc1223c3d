#!/bin/sh
# mugaid's memory under concurrent large uploads.
#   bench/bench_upload_rss.sh BUILD_DIR [N] [SIZE_MIB] [LIMIT_MIB]
# N (50) clients upload SIZE_MIB (100) MiB each at once, bodies generated on
# the fly (tests/integration/upload_stream.py, zeros, Content-Length, no
# files on disk); every upload must get 202.  Then the jobs are processed
# (detect, scan: a file of zeros is blocked as an unknown type).  Prints
# mugaid's peak RSS (VmHWM) after start, after the uploads and after the
# processing, and PASS/FAIL against LIMIT_MIB (300).  Heavy: N x SIZE_MIB
# through loopback into the spool (5 GB by default), so not a ctest.
# MUGAI_BENCH_NO_SIGNATURES=1 starts mugaid without signatures: every job
# fails at once, so the figure is the intake's alone.
set -eu
build=${1:?usage: bench_upload_rss.sh BUILD_DIR [N] [SIZE_MIB] [LIMIT_MIB]}
n=${2:-50}
size=${3:-100}
limit=${4:-300}
src=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d "${TMPDIR:-/tmp}/mugai-bench-XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$t"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kib() { awk -v k="$1" '/^'"$1"':/ {print $2}' /proc/$pid/status; }
metric() { curl -s "http://127.0.0.1:$in/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

printf '[limits]\ninput_max_size = %dM\n' $((size + 1)) > "$t/bench.conf"
db="$build/testdb"
if [ "${MUGAI_BENCH_NO_SIGNATURES:-0}" = 1 ]; then
    db="$t/empty-db"
    mkdir -p "$db"
    echo "no signatures: jobs fail at once, intake only"
fi
in=$(port); out=$(port)
"$build/bin/mugaid" --listen 127.0.0.1:$in --release-listen 127.0.0.1:$out --spool "$t/spool" \
    --database "$db" --config "$t/bench.conf" --workers 2 > "$t/mugaid.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -fs "http://127.0.0.1:$in/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
# one small job first: engine, worker and pools are warm
printf 'memo\n' | curl -s -o /dev/null -X POST --data-binary @- "http://127.0.0.1:$in/v1/jobs?filename=memo.txt&wait=30"
h0=$(kib VmHWM)

t0=$(date +%s.%N)
python3 "$src/tests/integration/upload_stream.py" 127.0.0.1:$in '/v1/jobs?filename=up{i}.bin' \
    ${size}M --parallel "$n" > "$t/uploads.json"
t1=$(date +%s.%N)
h1=$(kib VmHWM)
ok=$(grep -c '"status": 202' "$t/uploads.json" || true)
for i in $(seq 1 3000); do
    [ "$(metric mugai_queue_depth)" = 0 ] && [ "$(metric mugai_jobs_active)" = 0 ] && break
    sleep 0.2
done
t2=$(date +%s.%N)
h2=$(kib VmHWM)
done_jobs=$(ls "$t/spool/done" | wc -l)

awk -v n="$n" -v s="$size" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    printf "%d concurrent uploads of %d MiB: %.1f s (%.0f MiB/s into the spool); processing %.1f s\n",
           n, s, b - a, n * s / (b - a), c - b }'
echo "uploads answered 202: $ok / $n; jobs done: $((done_jobs - 1)) / $n"
echo "mugaid VmHWM: $((h0 / 1024)) MiB after start, $((h1 / 1024)) MiB after the uploads, $((h2 / 1024)) MiB after processing"
echo "peak RSS $((h2 / 1024)) MiB (limit $limit MiB)"
if [ "$ok" -eq "$n" ] && [ "$h2" -lt $((limit * 1024)) ]; then
    echo "PASS: $n x $size MiB uploads, mugaid peak RSS $((h2 / 1024)) MiB < $limit MiB"
else
    echo "FAIL: $ok/$n uploads accepted, mugaid peak RSS $((h2 / 1024)) MiB (limit $limit MiB)"
    exit 1
fi
