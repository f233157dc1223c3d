#!/bin/sh
# The drop folder across a crash: 200 small files dropped into several
# subfolders while mugaid runs, kill -9 once about 50 have reached the
# outbox, a restart on the same spool: every one of the 200 is in the
# outbox exactly once, none is left in the inbox, no temporary is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/drop.sh"

cp -r "$MUGAI_TESTDB" "$T/db"
IB="$T/inbox"; OB="$T/outbox"
mkdir -p "$IB" "$OB"
drop_conf "$T/mugai.conf" "$IB" "$OB" "settle_ms = 200"
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 2

: > "$T/want"
for i in $(seq 1 200); do
    d="dept$((i % 5))/課$((i % 3))"
    mkdir -p "$IB/$d"
    printf 'file %s of 200\n' "$i" > "$IB/$d/f$i.txt"
    echo "$d/f$i.txt" >> "$T/want"
done
LC_ALL=C sort -o "$T/want" "$T/want"

wait_for 120 sh -c "[ \$(cd '$OB' && find . -type f ! -name '.*' | grep -c .) -ge 50 ]" ||
    not_ok "50 files did not reach the outbox"
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
n1=$(count_visible "$OB")
left=$(inbox_files "$IB" | grep -c . || true)
echo "# killed with $n1 in the outbox, $left in the inbox"
check "killed part way: some in the outbox, some still in the inbox" \
    test "$n1" -ge 50 -a "$n1" -lt 200 -a "$left" -gt 0

start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 2
check "after the restart all 200 reach the outbox" \
    wait_for 300 sh -c "[ \$(cd '$OB' && find . -type f ! -name '.*' | grep -c .) -ge 200 ]"
# the spool's last jobs are written out before it goes quiet
wait_for 30 sh -c "[ -z \"\$(find '$OB' -name '.mugai-*')\" ]" || true
visible "$OB" > "$T/got"
check "every one of the 200 exactly once, nothing else (no 'name (2)')" cmp -s "$T/want" "$T/got"
check "each with its own text" sh -c "for i in 1 50 99 137 200; do grep -q \"^file \$i of 200\" \"$OB\"/dept\$((i % 5))/課\$((i % 3))/f\$i.txt || exit 1; done"
check "none left in the inbox" test -z "$(inbox_files "$IB")"
check "no temporaries left in the outbox" test -z "$(find "$OB" -name '.mugai-*')"
check "no inbox file received twice (audit log)" sh -c \
    "[ -z \"\$(grep '\"event\":\"received\"' '$T/audit.jsonl' | grep '\"source\":\"drop\"' | sed 's/.*\"path\":\"\([^\"]*\)\".*/\\1/' | sort | uniq -d)\" ]"
echo "# after the restart: $(grep -c 'taken before the stop' "$T/daemon.log" || true) inbox files found taken already," \
     "$(grep -o 'drop: [0-9]* finished jobs* written to the outbox after the stop' "$T/daemon.log" || echo 'no finished job') "
stop

# hand-made: the stop fell after a delivery was recorded and before its
# temporary was removed (a second link of the outbox file): the next start
# removes the temporary, the file stays, once
tmp=$(python3 - "$T/spool/done" "$OB" <<'PY'
import json, os, sys
done, ob = sys.argv[1], sys.argv[2]
for job in sorted(os.listdir(done)):
    r = json.load(open(os.path.join(done, job, "result.json")))
    if r.get("drop_delivered") and r.get("artefacts"):
        d = os.path.dirname(r["path"])
        tmp = os.path.join(ob, d, ".mugai-%s-%d-%d-0.tmp" % (job, r["finished"], r["processing_ms"]))
        os.link(os.path.join(ob, d, r["artefacts"][0]["path"]), tmp)
        print(tmp)
        break
PY
)
check "hand-made leftover temporary: a second link of an outbox file" test "$(stat -c %h "$tmp")" -eq 2
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 2
check "... removed at the next start, the outbox file kept" sh -c \
    "[ ! -e '$tmp' ] && [ \"\$(cd '$OB' && find . -type f ! -name '.*' | grep -c .)\" -eq 200 ]"
stop

# hand-made: the stop fell after a job was made durable and before its
# inbox file was removed.  A file is put back in the inbox and a job's meta
# made to name it (its dev, ino, size, mtime): the next start removes it
# from the inbox and takes it no second time
printf 'file 7 of 200\n' > "$IB/dept2/課1/f7.txt"
python3 - "$T/spool/done" "$IB" <<'PY'
import json, os, sys
done, ib = sys.argv[1], sys.argv[2]
rel = "dept2/課1/f7.txt"
st = os.stat(os.path.join(ib, rel), follow_symlinks=False)
for job in sorted(os.listdir(done)):
    mp = os.path.join(done, job, "meta.json")
    m = json.load(open(mp))
    if m.get("path") == rel:
        m["inbox"] = "drop|%s|%d|%d|%d|%d.%09d" % (rel, st.st_dev, st.st_ino, st.st_size,
                                                  st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9)
        open(mp, "w").write(json.dumps(m, ensure_ascii=False))
        break
PY
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 2
check "an inbox file whose job was durable before the stop: removed at the next start" \
    wait_for 60 test ! -e "$IB/dept2/課1/f7.txt"
check "... and not taken twice" sh -c \
    "grep -q 'f7.txt was taken before the stop' '$T/daemon.log' && [ \"\$(cd '$OB' && find . -type f ! -name '.*' | grep -c .)\" -eq 200 ] && [ ! -e '$OB/dept2/課1/f7 (2).txt' ]"
stop
check "no sanitizer report" sh -c "! grep -q Sanitizer '$T/daemon.log'"
[ "$FAILS" -eq 0 ] || { diff "$T/want" "$T/got" | head; tail -30 "$T/daemon.log"; }
finish
