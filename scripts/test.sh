#!/bin/sh
# Set up, build and run every test: once normally, once under ASan+UBSan.
# Usage: scripts/test.sh            (from the repository root)
# Env:   MUGAI_SKIP_SETUP=1 skips apt-get; MUGAI_SKIP_ASAN=1 skips the sanitizer run;
#        MUGAI_SKIP_FUZZ=1 skips the fuzzers (MUGAI_FUZZ_RUNS sets their input count).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
start=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 2)

[ "${MUGAI_SKIP_SETUP:-0}" = 1 ] || sh scripts/setup-deps.sh

echo "== build (warnings are errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMUGAI_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs")

if [ "${MUGAI_SKIP_ASAN:-0}" != 1 ]; then
    echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMUGAI_WERROR=ON -DMUGAI_SANITIZE=ON >/dev/null
    cmake --build build-asan -j"$jobs"
    echo "== tests under ASan+UBSan"
    # GLib, fontconfig and poppler keep process-lifetime caches that LeakSanitizer
    # reports as leaks; memory errors and UB still abort the test.
    (cd build-asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure -j"$jobs")
fi
if [ "${MUGAI_SKIP_FUZZ:-0}" != 1 ]; then
    echo "== fuzzers (clang, libFuzzer + ASan/UBSan, fixed seed, 20000 inputs each)"
    sh tests/fuzz/run-fuzzers.sh "${MUGAI_FUZZ_RUNS:-20000}"
fi
echo "== all tests passed ($root) in $(( $(date +%s) - start )) s"
