#!/bin/sh
# Unpack and scan a zip of N small text files with mugai, and scan the same
# zip with clamscan (same signatures), in the same run; print the ratio.
# usage: bench/bench_unpack.sh BUILD_DIR [N]
set -eu
build=${1:?usage: bench_unpack.sh BUILD_DIR [N]}
n=${2:-1000}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
python3 - "$t/files.zip" "$n" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(int(sys.argv[2])):
        z.writestr("docs/file%05d.txt" % i, ("行 %d: 会議の記録 lorem ipsum\n" % i) * 20)
PY
db="$build/testdb"
now() { python3 -c 'import time; print(time.monotonic())'; }
t0=$(now)
clamscan --no-summary -d "$db" "$t/files.zip" > /dev/null
t1=$(now)
"$build/bin/mugai" sanitize --database "$db" -o "$t/out" "$t/files.zip" > /dev/null
t2=$(now)
released=$(find "$t/out" -type f | wc -l)
python3 - "$t0" "$t1" "$t2" "$n" "$released" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:4])
n, rel = int(sys.argv[4]), int(sys.argv[5])
c, m = t1 - t0, t2 - t1
print("zip of %d text files: clamscan %.2f s, mugai sanitize %.2f s (%d released, %.1f files/s)"
      % (n, c, m, rel, n / m))
print("ratio mugai/clamscan: %.2fx" % (m / c))
PY
