# lib.sh - shared helpers for the integration tests (sourced, POSIX sh).
# Environment from ctest: MUGAI_BIN (build/bin), MUGAI_TESTDB, MUGAI_SRC.
set -eu
: "${MUGAI_BIN:?}" "${MUGAI_TESTDB:?}" "${MUGAI_SRC:?}"
MUGAI="$MUGAI_BIN/mugai"
T=$(mktemp -d "${TMPDIR:-/tmp}/mugai-it-XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
PASSES=0

ok() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
not_ok() { FAILS=$((FAILS + 1)); echo "not ok - $*"; }
check() { # check "description" command...
    desc=$1; shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
# sanitize ARGS... : runs mugai sanitize --json with the test database,
# report lines in $T/report.jsonl, exit status in $RC
sanitize() {
    set +e
    "$MUGAI" sanitize --json --database "$MUGAI_TESTDB" "$@" > "$T/report.jsonl" 2> "$T/stderr"
    RC=$?
    set -e
}
# jq-like checks with python: report_check 'python expression over r (one report)'
# true when the expression holds for every report line
report_all() {
    python3 - "$T/report.jsonl" "$1" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
ok = len(lines) > 0
for l in lines:
    r = json.loads(l)
    if not eval(sys.argv[2]):
        print("  report fails check:", sys.argv[2], "->", json.dumps(r, ensure_ascii=False)[:600])
        ok = False
sys.exit(0 if ok else 1)
PY
}
# eicar FILE: the EICAR test string (68 bytes, no newline) into FILE
eicar() { printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$1"; }
# the only files under DIR are those listed (relative, sorted, newline separated)
files_under() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort); }
