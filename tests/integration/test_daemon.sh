#!/bin/sh
# mugaid over HTTP with curl: submit, wait, fetch; auth; limits; the release
# listener; a kill -9 in the middle of 200 jobs; signature reload under load.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

cp -r "$MUGAI_TESTDB" "$T/db"
printf '[limits]\ninput_max_size = 1M\n' > "$T/small.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/small.conf" --workers 2
U1=$U; R1=$R # the first daemon: the CLI section below uses it again

check "/readyz with signatures" test "$(code $U/readyz)" = 200
printf '会議の議事録です\n' > "$T/memo.txt"
curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt&wait=30" > "$T/r.json"
check "submit with ?wait: released" test "$(json 'd["verdict"]' < "$T/r.json")" = released
id=$(json 'd["id"]' < "$T/r.json")
url=$(json 'd["artefacts"][0]["url"]' < "$T/r.json")
sha=$(json 'd["artefacts"][0]["sha256"]' < "$T/r.json")
curl -s "$R$url" -o "$T/fetched.txt"
check "artefact fetched from the release listener, sha256 matches" \
    test "$(sha256sum < "$T/fetched.txt" | cut -d' ' -f1)" = "$sha"
check "GET job on the release listener" test "$(curl -s "$R/v1/jobs/$id" | json 'd["state"]')" = done

# RFC 5987 Japanese name in multipart and Content-Disposition
curl -s -F "file=@$T/memo.txt;filename=議事録.txt" "$U/v1/jobs?wait=30" > "$T/r2.json"
check "multipart upload released under its Japanese name" \
    test "$(json 'd["artefacts"][0]["name"]' < "$T/r2.json")" = 議事録.txt
curl -s -X POST -H "Content-Disposition: attachment; filename*=UTF-8''%E8%B3%87%E6%96%99.txt" \
    --data-binary @"$T/memo.txt" "$U/v1/jobs?wait=30" > "$T/r3.json"
check "RFC 5987 filename*=" test "$(json 'd["name"]' < "$T/r3.json")" = 資料.txt

eicar "$T/eicar.com"
curl -s -X POST --data-binary @"$T/eicar.com" "$U/v1/jobs?filename=eicar.com&wait=30" > "$T/r4.json"
check "EICAR blocked, no artefact" test "$(json 'd["verdict"], len(d["artefacts"])' < "$T/r4.json")" = "blocked 0"

check "unknown job: 404" test "$(code $U/v1/jobs/0123456789abcdef0123456789abcdef)" = 404
check "job id with ../: 404" test "$(code --path-as-is "$U/v1/jobs/../../etc/passwd")" = 404
check "artefact index out of range: 404" test "$(code "$U/v1/jobs/$id/artefacts/7")" = 404
check "release listener takes no upload" test "$(code -X POST --data-binary x "$R/v1/jobs")" = 404
check "release listener has no original" test "$(code "$R/v1/jobs/$id/original")" = 404
check "error body is JSON" sh -c "curl -s '$U/v1/jobs/zz' | grep -q '\"error\":{\"code\":\"not-found\"'"

head -c 2000000 /dev/zero > "$T/big.bin"
check "over the limit with Content-Length: 413" \
    test "$(code -X POST --data-binary @"$T/big.bin" "$U/v1/jobs?filename=big.bin")" = 413
rss0=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
set +e
head -c 200000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X POST -H "Transfer-Encoding: chunked" \
    --data-binary @- "$U/v1/jobs?filename=stream.bin" > "$T/chunked.code" 2>/dev/null
set -e
rss1=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
check "chunked upload over the limit is cut off (no 2xx)" sh -c "! grep -q '^2' '$T/chunked.code'"
echo "  RSS before/after a 200 MB chunked upload: $rss0 / $rss1 KiB"
check "daemon RSS did not grow by the upload" test $((rss1 - rss0)) -lt 51200
check "nothing of the cut upload left in the spool" test -z "$(ls -A "$T/spool/incoming")"
check "malformed multipart: 400" test "$(code -X POST -H 'Content-Type: multipart/form-data; boundary=xyz' \
    --data-binary $'--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--xyz--\r\n' "$U/v1/jobs")" = 400
check "bad mode: 400" test "$(code -X POST --data-binary x "$U/v1/jobs?mode=exe")" = 400
check "metrics count the verdicts" sh -c "curl -s '$U/metrics' | grep -q 'mugai_jobs_total{verdict=\"released\",source=\"api\"} [1-9]'"
check "daemon still healthy" test "$(code $U/healthz)" = 200
check "audit log: received and verdict records, chain intact" sh -c \
    "grep -q '\"event\":\"received\"' '$T/audit.jsonl' && grep -q '\"verdict\":\"blocked\"' '$T/audit.jsonl' && '$MUGAI' admin verify-audit '$T/audit.jsonl' > /dev/null"

# the hostile corpus through the daemon: every file gets a verdict with a
# reason, no bomb or dropper is released, and the daemon keeps serving
mkdir -p "$T/h" "$T/sentinel"
python3 "$MUGAI_SRC/tests/integration/make_hostile_archives.py" "$T/h" "$T/sentinel"
python3 "$MUGAI_SRC/samples/generate.py" "$T/hs" > /dev/null
cp "$T/hs/invoice.pdf.exe" "$T/hs/請求書.pdf" "$T/hs/eicar.zip" "$T/hs/truncated.pdf" "$T/hs/hostile.pdf" "$T/h/"
printf '[limits]\ninput_max_size = 8M\n' > "$T/mid.conf"
start --spool "$T/spool4" --database "$T/db" --config "$T/mid.conf" --workers 2
U4="http://127.0.0.1:$IN"
for f in "$T"/h/*; do
    n=$(basename "$f")
    curl -s -X POST --data-binary @"$f" "$U4/v1/jobs?filename=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$n")&wait=60" > "$T/h.json"
    v=$(json 'd["verdict"] + " | " + d["reason"]' < "$T/h.json")
    echo "  $n: $v"
    case "$n" in
    hostile.pdf|traversal.zip|symlink-write.tar|hardlink.tar|device.tar) ;;
    *) check "$n: not released" sh -c "! grep -q '^released' <<EOF2
$v
EOF2" ;;
    esac
done
check "nothing written through the symlink" test -z "$(ls -A "$T/sentinel")"
check "daemon still answers /healthz after the hostile corpus" test "$(code $U4/healthz)" = 200
check "daemon process alive" kill -0 $PID

# ?wait must not starve the listener: 10 slow waiting uploads at once, and
# /healthz and status still answer
"$MUGAI_BIN/mkpdf" "$T/slow.pdf" --pages 12
waiters=""
for i in $(seq 1 10); do
    curl -s -o /dev/null -X POST --data-binary @"$T/slow.pdf" "$U4/v1/jobs?filename=w$i.pdf&wait=60" &
    waiters="$waiters $!"
done
sleep 0.5
check "/healthz answers while 10 uploads wait" test "$(curl -s -m 3 -o /dev/null -w '%{http_code}' $U4/healthz)" = 200
check "status answers while 10 uploads wait" test "$(curl -s -m 3 -o /dev/null -w '%{http_code}' $U4/v1/jobs/0123456789abcdef0123456789abcdef)" = 404
for p in $waiters; do wait $p || true; done

# ?wait suspends the connection, no pool thread is held: 50 waiting uploads
# parked behind slow jobs while /healthz answers quickly; each gets its
# verdict (200) when its job is done.  Over [daemon] max_waiters: 202 at once.
printf '[limits]\ninput_max_size = 8M\n[daemon]\nmax_waiters = 60\n' > "$T/wait.conf"
start --spool "$T/spool5" --database "$T/db" --config "$T/wait.conf" --workers 2
U5="http://127.0.0.1:$IN"
parked_waiters() { curl -s "$U5/metrics" | awk '/^mugai_http_waiters / {print $2}'; }
"$MUGAI_BIN/mkpdf" "$T/busy.pdf" --pages 20 --photo   # about a second per job
for i in 1 2 3 4; do
    curl -s -o /dev/null -X POST --data-binary @"$T/busy.pdf" "$U5/v1/jobs?filename=busy$i.pdf"
done
waiters=""
for i in $(seq 1 50); do
    curl -s -o "$T/w50.$i.json" -w '%{http_code}\n' -X POST --data-binary @"$T/memo.txt" \
        "$U5/v1/jobs?filename=w$i.txt&wait=120" > "$T/w50.$i.code" &
    waiters="$waiters $!"
done
for i in $(seq 1 50); do
    [ "$(parked_waiters)" -ge 40 ] 2>/dev/null && break
    sleep 0.1
done
parked=$(parked_waiters)
t=$(curl -s -m 3 -o /dev/null -w '%{http_code} %{time_total}' "$U5/healthz")
echo "  $parked requests parked; /healthz: $t s"
check "at least 40 of 50 waiting uploads parked at once" test "${parked:-0}" -ge 40
check "/healthz answers in under 0.5 s while 50 uploads wait" \
    sh -c "echo '$t' | awk '\$1 == 200 && \$2 < 0.5 {ok=1} END {exit !ok}'"
check "status answers while 50 uploads wait" test "$(curl -s -m 3 -o /dev/null -w '%{http_code}' $U5/v1/jobs/0123456789abcdef0123456789abcdef)" = 404
for p in $waiters; do wait $p || true; done
check "all 50 waiting uploads answered 200 with their verdict" sh -c \
    "[ \$(cat '$T'/w50.*.code | grep -c '^200\$') -eq 50 ] && [ \$(grep -l '\"verdict\":\"released\"' '$T'/w50.*.json | wc -l) -eq 50 ]"
check "no waiter left parked" test "$(parked_waiters)" = 0
# the deadline: a job queued behind slow ones answers 202 after wait=1
for i in 1 2 3; do
    curl -s -o /dev/null -X POST --data-binary @"$T/busy.pdf" "$U5/v1/jobs?filename=busy$i.pdf"
done
r=$(curl -s -w ' %{http_code} %{time_total}' -X POST --data-binary @"$T/memo.txt" "$U5/v1/jobs?filename=late.txt&wait=1")
echo "  wait=1 behind slow jobs: $(echo "$r" | awk '{print $(NF-1), $NF}') s"
check "?wait=1 on a queued job: 202 after about a second" sh -c \
    "echo '$r' | awk '\$(NF-1) == 202 && \$NF >= 0.9 && \$NF < 2.5 {ok=1} END {exit !ok}'"
# SIGTERM with requests parked: each gets its 202, mugaid stops cleanly
for i in 1 2 3 4; do
    curl -s -o /dev/null -X POST --data-binary @"$T/busy.pdf" "$U5/v1/jobs?filename=busy$i.pdf"
done
waiters=""
for i in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST --data-binary @"$T/memo.txt" \
        "$U5/v1/jobs?filename=t$i.txt&wait=60" > "$T/term.$i.code" &
    waiters="$waiters $!"
done
for i in $(seq 1 50); do
    [ "$(parked_waiters)" -ge 5 ] 2>/dev/null && break
    sleep 0.1
done
kill $PID
set +e; wait $PID; term_rc=$?; set -e
for p in $waiters; do wait $p || true; done
check "SIGTERM with 5 parked requests: exit 0, each answered 202" \
    sh -c "[ $term_rc -eq 0 ] && [ \$(cat '$T'/term.*.code | grep -c '^202\$') -eq 5 ]"
printf '[daemon]\nmax_waiters = 0\n' > "$T/nowait.conf"
start --spool "$T/spool6" --database "$T/db" --config "$T/nowait.conf" --workers 1
U6="http://127.0.0.1:$IN"
for i in 1 2; do
    curl -s -o /dev/null -X POST --data-binary @"$T/busy.pdf" "$U6/v1/jobs?filename=busy$i.pdf"
done
r=$(curl -s -w ' %{http_code} %{time_total}' -X POST --data-binary @"$T/memo.txt" "$U6/v1/jobs?filename=capped.txt&wait=30")
check "over max_waiters: 202 at once" sh -c "echo '$r' | awk '\$(NF-1) == 202 && \$NF < 1 {ok=1} END {exit !ok}'"
check "refused waits counted" sh -c "curl -s '$U6/metrics' | grep -q '^mugai_http_waits_refused_total 1'"
kill $PID; wait $PID 2>/dev/null || true

# the CLI client
"$MUGAI" submit --server "$U1" --wait 30 "$T/memo.txt" > "$T/sub.txt"
check "mugai submit --wait: released" grep -q "	released	" "$T/sub.txt"
cid=$(cut -f1 "$T/sub.txt")
check "mugai status" sh -c "'$MUGAI' status --server '$U1' $cid | grep -q '\"verdict\": \"released\"'"
"$MUGAI" fetch --server "$R1" -o "$T/fetched" "$cid" > /dev/null
check "mugai fetch from the release listener" cmp -s "$T/fetched/memo.txt" "$T/memo.txt"
set +e
"$MUGAI" status --server "$U1" 0123456789abcdef0123456789abcdef > /dev/null 2>&1; rc=$?
set -e
check "mugai status of an unknown job: exit 2" test "$rc" -eq 2

# tokens: per role, stored as SHA-256
submit_tok=s3cret-submit; fetch_tok=s3cret-fetch
{ echo "submit $(printf %s $submit_tok | sha256sum | cut -d' ' -f1)"
  echo "fetch $(printf %s $fetch_tok | sha256sum | cut -d' ' -f1)"; } > "$T/tokens"
start --spool "$T/spool2" --database "$T/db" --tokens "$T/tokens" --workers 1
U2="http://127.0.0.1:$IN"; R2="http://127.0.0.1:$OUT"
check "no token: 401" test "$(code -X POST --data-binary @"$T/memo.txt" "$U2/v1/jobs")" = 401
check "wrong token: 401" test "$(code -H 'Authorization: Bearer nope' -X POST --data-binary @"$T/memo.txt" "$U2/v1/jobs")" = 401
check "fetch token may not submit: 403" test "$(code -H "Authorization: Bearer $fetch_tok" -X POST --data-binary @"$T/memo.txt" "$U2/v1/jobs")" = 403
id2=$(curl -s -H "Authorization: Bearer $submit_tok" -X POST --data-binary @"$T/memo.txt" "$U2/v1/jobs?filename=m.txt&wait=30" | json 'd["id"]')
check "submit token: accepted" test -n "$id2"
check "release listener: submit token refused (403)" test "$(code -H "Authorization: Bearer $submit_tok" "$R2/v1/jobs/$id2/artefacts/0")" = 403
check "release listener: fetch token gets the artefact" test "$(code -H "Authorization: Bearer $fetch_tok" "$R2/v1/jobs/$id2/artefacts/0")" = 200

# crash test: 200 jobs submitted, kill -9 mid-way, restart: every job
# reaches one verdict
start --spool "$T/spool3" --database "$T/db" --workers 1
U3="http://127.0.0.1:$IN"
# PDFs rendered to image PDFs (one worker: slower than the intake), all 200
# acknowledged by 4 clients; the daemon is killed while most of them are
# still queued and one is running
"$MUGAI_BIN/mkpdf" "$T/c.pdf" --pages 4
crash_clients=""
for c in 1 2 3 4; do
    ( for i in $(seq 1 50); do
        curl -s -m 10 -X POST --data-binary @"$T/c.pdf" "$U3/v1/jobs?filename=c$c-$i.pdf" | json 'd["id"]' 2>/dev/null
      done > "$T/ids.$c" ) &
    crash_clients="$crash_clients $!"
done
for p in $crash_clients; do wait $p || true; done
pending=$(find "$T/spool3/queue" "$T/spool3/active" -mindepth 1 -maxdepth 1 | wc -l)
kill -9 $PID
cat "$T"/ids.* > "$T/ids"
n_done=$(ls "$T/spool3/done" | wc -l)
n_ack=$(grep -c . "$T/ids" || true)
echo "  killed with $n_done done, $pending queued or running, $n_ack acknowledged"
check "all 200 submissions acknowledged" test "$n_ack" -eq 200
check "jobs were queued or running at the kill" test "$pending" -gt 0
start --spool "$T/spool3" --database "$T/db" --workers 2
U3="http://127.0.0.1:$IN"
for i in $(seq 1 600); do
    [ "$(ls "$T/spool3/done" | wc -l)" -ge "$n_ack" ] && break
    sleep 0.1
done
grep . "$T/ids" | sort > "$T/ids.sorted"
check "every acknowledged job reached a verdict after the restart" test "$(ls "$T/spool3/done" | wc -l)" -ge "$n_ack"
check "none lost, none duplicated, nothing left queued" sh -c "[ \$(sort -u '$T/ids.sorted' | wc -l) -eq $n_ack ] && ls '$T/spool3/done' | sort | comm -23 '$T/ids.sorted' - | grep -q . ; [ \$? -ne 0 ] && [ -z \"\$(find '$T/spool3/queue' '$T/spool3/active' -mindepth 1)\" ]"
check "every job released one image PDF, no partial file" python3 - "$T/spool3/done" <<'PY'
import json, os, sys, hashlib
ok = True
for j in os.listdir(sys.argv[1]):
    r = json.load(open(os.path.join(sys.argv[1], j, "result.json")))
    ok &= r["verdict"] == "released" and len(r["artefacts"]) == 1
    out = os.path.join(sys.argv[1], j, "out")
    files = os.listdir(out)
    ok &= files == [r["artefacts"][0]["path"]]
    ok &= hashlib.sha256(open(os.path.join(out, files[0]), "rb").read()).hexdigest() == r["artefacts"][0]["sha256"]
sys.exit(0 if ok else 1)
PY

# reload under load: 4 clients submit while the database is replaced
: > "$T/codes"
clients=""
for c in 1 2 3 4; do
    ( for i in $(seq 1 15); do curl -s -o /dev/null -w '%{http_code}\n' -X POST --data-binary @"$T/memo.txt" "$U3/v1/jobs?filename=l$c-$i.txt"; done > "$T/codes.$c" ) &
    clients="$clients $!"
done
sleep 0.3
printf 'Mugai-Reload-Test:0:*:%s\n' "$(printf 'mugai reload marker' | od -An -tx1 | tr -d ' \n')" > "$T/db/reload.ndb"
kill -HUP $PID
for p in $clients; do wait $p; done
cat "$T"/codes.* > "$T/codes"
echo "  status codes during the reload: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
check "no request failed during the reload (60 x 202)" sh -c "[ \$(grep -c '^202$' '$T/codes') -eq 60 ]"
printf 'mugai reload marker\n' > "$T/marker.txt"
for i in $(seq 1 50); do
    v=$(curl -s -X POST --data-binary @"$T/marker.txt" "$U3/v1/jobs?filename=marker.txt&wait=30" | json 'd["verdict"]')
    [ "$v" = blocked ] && break
    sleep 0.2
done
check "the new signature detects after the reload" test "$v" = blocked
check "reload counted" sh -c "curl -s '$U3/metrics' | grep -q 'mugai_signature_reloads_total{result=\"ok\"} [2-9]'"

# scan mode: a Shift_JIS CSV is released byte for byte, as a second name of
# the spool's original (no copy); EICAR in scan mode is still blocked
kill $PID
printf '[policy]\nallow_scan_only = true\n' > "$T/scan.conf"
start --spool "$T/spool-scan" --database "$T/db" --config "$T/scan.conf" --workers 1
U4="http://127.0.0.1:$IN"
printf '\212\224\216\256,\220\224\227\312\r\nA,1\r\n' > "$T/sjis.csv" # 株式,数量 in Shift_JIS
curl -s -X POST --data-binary @"$T/sjis.csv" "$U4/v1/jobs?filename=sjis.csv&mode=scan&wait=30" > "$T/r.json"
id=$(json 'd["id"]' < "$T/r.json")
check "scan mode: released" test "$(json 'd["verdict"]' < "$T/r.json")" = released
check "  ... byte for byte" cmp -s "$T/sjis.csv" "$T/spool-scan/done/$id/out/sjis.csv"
check "  ... as the original itself (one file, two names)" \
    test "$(stat -c %i "$T/spool-scan/done/$id/out/sjis.csv")" = "$(stat -c %i "$T/spool-scan/done/$id/original")"
check "  ... whose sha256 the job reports" test "$(json 'd["artefacts"][0]["sha256"]' < "$T/r.json")" = "$(sha256sum "$T/sjis.csv" | cut -d' ' -f1)"
curl -s -X POST --data-binary @"$T/eicar.com" "$U4/v1/jobs?filename=e.txt&mode=scan&wait=30" > "$T/r.json"
check "scan mode: EICAR blocked" test "$(json 'd["verdict"]' < "$T/r.json")" = blocked
finish
