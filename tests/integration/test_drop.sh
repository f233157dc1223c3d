#!/bin/sh
# The drop folder with real inotify: files present before the start, a
# text file, a PDF with JavaScript, EICAR in a zip, a PPAP zip (held, its
# report written, then completed with `mugai password`), a subfolder made
# after the start, a file written slowly in five chunks (the outbox never
# shows a part of it), ignored names and a symlink, FIFO left alone and
# never read; audit records and metrics by source.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/drop.sh"

cp -r "$MUGAI_TESTDB" "$T/db"
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" > /dev/null
IB="$T/inbox"; OB="$T/outbox"
mkdir -p "$IB/sub" "$OB" "$T/z"
printf '会議資料: 第3回 打ち合わせ\n' > "$T/z/memo.txt"
(cd "$T/z" && zip -q -P secret ../ppap.zip memo.txt)
echo "SECRET-OUTSIDE-THE-INBOX" > "$T/secret.txt"

# before the start: a file at the top and one in a subfolder
printf 'before the start\n' > "$IB/pre.txt"
printf 'before the start, below\n' > "$IB/sub/pre2.txt"
# ignored names, a symlink, a FIFO: left alone
for n in '~$報告書.docx' '.~lock.報告書.odt#' '.hidden.txt' 'a.tmp' 'b.part' 'c.crdownload'; do
    printf 'ignored\n' > "$IB/$n"
done
ln -s "$T/secret.txt" "$IB/link.txt"
mkfifo "$IB/pipe.txt"

# as root, the outbox group is one mugaid is not in
grp=$(id -gn)
[ "$(id -u)" -eq 0 ] && getent group nogroup > /dev/null && grp=nogroup
drop_conf "$T/mugai.conf" "$IB" "$OB" "settle_ms = 1000" "outbox_group = $grp" "outbox_mode = 0640"
start --config "$T/mugai.conf" --spool "$T/spool" --database "$T/db" --workers 2

check "files present at start reach the outbox" \
    wait_for 60 test -f "$OB/pre.txt" -a -f "$OB/sub/pre2.txt"
check "... and left the inbox" test ! -e "$IB/pre.txt" -a ! -e "$IB/sub/pre2.txt"
check "outbox files: [drop] outbox_group and outbox_mode" test "$(stat -c '%G %a' "$OB/sub/pre2.txt")" = "$grp 640"
check "outbox folders made: that group, x where r" test "$(stat -c '%G %a' "$OB/sub")" = "$grp 750"

# a text file, a PDF with JavaScript, EICAR in a zip, a PPAP zip
mkdir "$IB/tanaka"
printf '報告書の本文\n' > "$T/報告書.txt"; cp "$T/報告書.txt" "$IB/tanaka/報告書.txt"
cp "$T/s/hostile.pdf" "$IB/tanaka/hostile.pdf"
cp "$T/s/eicar.zip" "$IB/tanaka/eicar.zip"
cp "$T/s/minutes.zip" "$IB/tanaka/minutes.zip"
cp "$T/ppap.zip" "$IB/tanaka/ppap.zip"
# a subfolder made after the start, a file in it at once
mkdir -p "$IB/new/deeper"; printf 'in a new folder\n' > "$IB/new/deeper/n.txt"
# written slowly: five chunks over three seconds, closed after each
( for i in 1 2 3 4 5; do printf 'chunk-%s ' "$i" >> "$IB/slow.txt"; sleep 0.6; done ) &
WRITER=$!
# watch the outbox meanwhile: every look at slow.txt must see all of it
( seen=0; while [ ! -e "$T/stop-watch" ]; do
      if [ -f "$OB/slow.txt" ]; then
          grep -q 'chunk-5' "$OB/slow.txt" || echo "partial: $(cat "$OB/slow.txt")" >> "$T/partial"
          seen=$((seen + 1))
      fi
      sleep 0.05
  done; echo "$seen" > "$T/seen" ) &
WATCHER=$!
wait "$WRITER"

check "text file in a folder: outbox/tanaka/報告書.txt" wait_for 60 test -f "$OB/tanaka/報告書.txt"
check "... its text" grep -q '報告書の本文' "$OB/tanaka/報告書.txt"
check "PDF with JavaScript: rebuilt, no JavaScript in the outbox copy" \
    wait_for 120 sh -c "test -f '$OB/tanaka/hostile.pdf' && ! grep -q JavaScript '$OB/tanaka/hostile.pdf' && head -c 5 '$OB/tanaka/hostile.pdf' | grep -q '%PDF-'"
check "EICAR in a zip: a report, nothing of the zip" wait_for 60 test -f "$OB/tanaka/eicar.zip.mugai.txt"
check "... the report says blocked, the reason, in Japanese and English" sh -c \
    "grep -q '遮断 (blocked)' '$OB/tanaka/eicar.zip.mugai.txt' && grep -q 'Eicar' '$OB/tanaka/eicar.zip.mugai.txt' && grep -q 'not passed to this side' '$OB/tanaka/eicar.zip.mugai.txt'"
check "... no member of it" test -z "$(ls "$OB/tanaka" | grep -v '^eicar.zip.mugai.txt$' | grep eicar || true)"
check "a zip: its members under a folder named after it" \
    wait_for 60 test -f "$OB/tanaka/minutes/議事録/第1回議事録.txt"
check "PPAP zip: held, a report" wait_for 60 test -f "$OB/tanaka/ppap.zip.mugai.txt"
job=$(sed -n 's/^受付番号 \/ Job ID: *\([0-9a-f]*\).*/\1/p' "$OB/tanaka/ppap.zip.mugai.txt" | tr -d '\r')
check "... the report: held, the job id, the time" sh -c \
    "grep -q '保留 (held)' '$OB/tanaka/ppap.zip.mugai.txt' && [ -n '$job' ] && grep -q '日時 / Time: *20[0-9][0-9]-' '$OB/tanaka/ppap.zip.mugai.txt'"
check "... nothing of the zip but the report" test ! -e "$OB/tanaka/ppap"
printf 'secret\n' | "$MUGAI" password --server "$U" --wait 30 "$job" > "$T/pw.txt" 2>&1 || true
check "mugai password: its member appears in the outbox" wait_for 60 test -f "$OB/tanaka/ppap/memo.txt"
check "... with its text" grep -q '第3回' "$OB/tanaka/ppap/memo.txt"
check "a subfolder made after the start" wait_for 60 test -f "$OB/new/deeper/n.txt"
check "slow file: in the outbox whole" \
    wait_for 60 grep -q chunk-5 "$OB/slow.txt"
touch "$T/stop-watch"; wait "$WATCHER"
check "... never a part of it (looked $(cat "$T/seen") times)" test ! -e "$T/partial"
check "... taken once" test "$(grep -c '^chunk-1' "$OB/slow.txt")" -eq 1 -a ! -e "$OB/slow (2).txt"

# a name already taken in the outbox: "name (2).ext", the first one kept
printf 'second one\n' > "$IB/pre.txt"
check "a name taken: the second as 'pre (2).txt'" wait_for 60 test -f "$OB/pre (2).txt"
check "... with its own text, the first kept" sh -c \
    "grep -q 'second one' '$OB/pre (2).txt' && grep -q 'before the start' '$OB/pre.txt'"

check "ignored names left in the inbox" sh -c \
    "cd '$IB' && test -f '~\$報告書.docx' -a -f '.~lock.報告書.odt#' -a -f .hidden.txt -a -f a.tmp -a -f b.part -a -f c.crdownload"
check "symlink and FIFO left in the inbox" test -L "$IB/link.txt" -a -p "$IB/pipe.txt"
check "nothing of them in the outbox, the link's target never read" sh -c \
    "! grep -rq 'SECRET-OUTSIDE-THE-INBOX\|^ignored' '$OB' && [ -z \"\$(cd '$OB' && ls -a | grep -e link -e pipe -e '~' -e '\.tmp\$' -e '\.part\$' -e crdownload -e hidden)\" ]"
check "the symlink logged once" test "$(grep -c 'link.txt: a symbolic link' "$T/daemon.log")" -eq 1
check "the inbox holds nothing else" test "$(inbox_files "$IB" | grep -vc -e '~' -e '^\.' -e '\.tmp$' -e '\.part$' -e '\.crdownload$' -e link.txt -e pipe.txt || true)" -eq 0
check "no temporaries left in the outbox" test -z "$(find "$OB" -name '.mugai-*')"

check "audit: received with source drop and the relative path" \
    sh -c "grep '\"event\":\"received\"' '$T/audit.jsonl' | grep '\"source\":\"drop\"' | grep -q '\"path\":\"tanaka/報告書.txt\"'"
check "audit: the verdict with source drop and the path" \
    sh -c "grep '\"event\":\"verdict\"' '$T/audit.jsonl' | grep '\"source\":\"drop\"' | grep -q '\"path\":\"tanaka/eicar.zip\"'"
check "metrics by source: drop jobs counted" \
    sh -c "curl -s '$U/metrics' | grep -q 'mugai_jobs_total{verdict=\"released\",source=\"drop\"} [1-9]'"
check "metrics by source: no api job" \
    sh -c "curl -s '$U/metrics' | grep -q 'mugai_jobs_total{verdict=\"released\",source=\"api\"} 0'"
stop
check "stops cleanly" sh -c "! grep -q 'Sanitizer\|fatal' '$T/daemon.log'"
[ "$FAILS" -eq 0 ] || { echo "--- daemon.log"; tail -50 "$T/daemon.log"; ls -laR "$OB" "$IB"; }
finish
