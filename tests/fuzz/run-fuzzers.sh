#!/bin/sh
# Build the libFuzzer harnesses with clang (ASan+UBSan) and run each one.
#   tests/fuzz/run-fuzzers.sh [RUNS] [HARNESS...]
# RUNS inputs per harness (default 20000) from a fixed seed, so that a run is
# reproducible; the committed corpus is copied, never grown.  Fails on the
# first crash, leak of a sanitizer report, or timeout; prints CPU time per
# harness.
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-20000}
[ $# -gt 0 ] && shift
harnesses=${*:-"detect config release_path pdfwrite http text html unpack image pdf_text ooxml_text ooxml_cdr netpbm svg mime_unpack mime_repack"}
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DMUGAI_FUZZ=ON -DMUGAI_SANITIZE=ON -DMUGAI_WERROR=OFF \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
for h in $harnesses; do
    cmake --build build-fuzz -j"$(nproc)" --target "fuzz_$h" >/dev/null
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
status=0
for h in $harnesses; do
    mkdir -p "$t/$h"
    cp tests/fuzz/corpus/"$h"/* "$t/$h"/ 2>/dev/null || true
    n=$runs
    # poppler under ASan takes some 15 ms an input: a quarter of the runs
    [ "$h" = pdf_text ] && n=$((runs / 4))
    if ! ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
        /usr/bin/time -f '%U %S' -o "$t/$h.time" "build-fuzz/bin/fuzz_$h" -seed=1 -runs="$n" -timeout=20 -rss_limit_mb=2048 \
        -max_len=262144 -artifact_prefix="$t/crash-$h-" "$t/$h" > "$t/$h.log" 2>&1; then
        echo "fuzz_$h: FAILED"; tail -40 "$t/$h.log"
        ls "$t"/crash-"$h"-* 2>/dev/null && cp "$t"/crash-"$h"-* tests/fuzz/ 2>/dev/null || true
        status=1
        continue
    fi
    python3 - "$h" "$t/$h.time" "$t/$h.log" <<'PY'
import sys, re
cpu = sum(float(x) for x in open(sys.argv[2]).read().split()[-2:])
log = open(sys.argv[3], errors="replace").read()
m = re.findall(r"cov: (\d+) ft: (\d+)", log)
print("fuzz_%s: ok, %.1f s CPU, coverage %s" % (sys.argv[1], cpu, m[-1] if m else "?"))
PY
done
exit $status
