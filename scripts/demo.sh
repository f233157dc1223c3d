#!/bin/sh
# Set up, build, and sanitise the sample files with the embedded default
# configuration.  Results go to ./out, one JSON report per input to ./out.jsonl.
# The signature database is /var/lib/clamav when freshclam has filled it,
# else the generated test database (EICAR + clamav-testfiles signatures).
set -eu
cd "$(dirname "$0")/.."
[ "${MUGAI_SKIP_SETUP:-0}" = 1 ] || sh scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
sh samples/generate.sh build/samples build/bin
db=/var/lib/clamav
if ! ls "$db"/*.cvd "$db"/*.cld >/dev/null 2>&1; then
    db=build/testdb
    echo "demo: /var/lib/clamav has no signatures (run freshclam for real use);"
    echo "demo: using the generated test database $db"
fi
rm -rf out
set +e
build/bin/mugai sanitize --database "$db" -o out build/samples/* /usr/share/clamav-testfiles/clam.zip
rc=$?
set -e
echo
echo "demo: exit status $rc (0 all released, 1 something blocked/held/failed)"
echo "demo: released files:"
find out -type f | sort
