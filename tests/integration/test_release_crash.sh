#!/bin/sh
# release-original killed (kill -9, by the failfs shim) at each of its
# steps (issue 13 point 1): its durable `original released` record is the
# commit point.  After the restart the original is either listed (and
# served) with its record, or withdrawn: not listed, not in the release
# area, and a record that was written is followed by `original release
# withdrawn`.  Never a served original without approver and reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
SOCK="$T/adm.sock"
cp -r "$MUGAI_TESTDB" "$T/db"
printf '<html><body><p>会議資料</p></body></html>\n' > "$T/page.html"
printf '[daemon]\nallow_release_original = true\n' > "$T/a.conf"
: > "$T/ctl"
SHIM="MUGAI_FAILFS=$T/ctl LD_PRELOAD=$MUGAI_BIN/mugai_failfs.so \
ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0"
MUGAID_ENV="$SHIM"
start --spool "$T/spool" --database "$T/db" --config "$T/a.conf" --admin-socket "$SOCK"

# settled ID OUTCOME: after the restart the job's original is settled as
# OUTCOME (completed | withdrawn), consistently with the audit log
settled() {
    python3 - "$T/audit.jsonl" "$T/spool/done/$1" "$1" "$2" "$T/job.json" <<'PY'
import json, os, sys
log, jd, job, want, jobf = sys.argv[1:]
ev = [json.loads(l) for l in open(log, encoding="utf-8")]
rel = [e for e in ev if e["event"] == "original released" and e["job"] == job]
wd = [e for e in ev if e["event"] == "original release withdrawn" and e["job"] == job]
d = json.load(open(jobf, encoding="utf-8"))
listed = [a for a in d["artefacts"] if a.get("original")]
paths = {a["path"] for a in d["artefacts"]}
stray = sorted(set(os.listdir(jd + "/out")) - paths)
ok = True
def bad(msg):
    global ok
    ok = False
    print("  ", msg)
if listed and not rel:
    bad("the original is listed (served) with no 'original released' record")
if listed and rel and rel[-1]["approver"] != "山田":
    bad("its record lacks the approver")
if rel and not listed and not wd:
    bad("recorded as released, not listed, and no withdrawn record")
if stray:
    bad("files in the release area the result does not list: %s" % stray)
if os.path.exists(jd + "/release-original.json"):
    bad("the release marker is still there")
got = "completed" if listed else "withdrawn"
if got != want:
    bad("settled as %s, not %s" % (got, want))
sys.exit(0 if ok else 1)
PY
}

for step in "rename release-original.json:withdrawn" "rename page.html:withdrawn" \
            "fsync audit.jsonl:withdrawn" "rename result.json:completed" \
            "unlink release-original.json:completed"; do
    point=${step%:*}; want=${step##*:}
    id=$(submit "$T/page.html" page.html)
    echo "kill $point" > "$T/ctl"
    # no answer (000): the daemon died at the crash point; else we kill it
    st=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
        -d '{"approver":"山田","reason":"課長承認"}' "http://localhost/v1/jobs/$id/release-original" || true)
    [ "$st" = 000 ] || kill -9 "$PID"
    wait "$PID" 2>/dev/null || true
    check "killed after '$point'" test "$st" = 000
    : > "$T/ctl"
    start --spool "$T/spool" --database "$T/db" --config "$T/a.conf" --admin-socket "$SOCK"
    curl -s "$U/v1/jobs/$id" > "$T/job.json"
    check "  ... after the restart: $want, consistent with the audit log" settled "$id" "$want"
    if [ "$want" = completed ]; then
        n=$(json '[i for i, a in enumerate(d["artefacts"]) if a.get("original")][0]' < "$T/job.json")
        curl -s "$R/v1/jobs/$id/artefacts/$n" -o "$T/got.html"
        check "  ... the release listener serves the original" cmp -s "$T/got.html" "$T/page.html"
    else
        check "  ... a new release-original succeeds" test "$(curl -s -o /dev/null -w '%{http_code}' \
            --unix-socket "$SOCK" -X POST -d '{"approver":"山田","reason":"再申請"}' \
            "http://localhost/v1/jobs/$id/release-original")" = 200
    fi
done
stop
check "the audit chain verifies" "$MUGAI" admin verify-audit "$T/audit.jsonl"
finish
