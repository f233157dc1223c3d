#!/bin/sh
# CPU per filter run of each helper binary on tiny real tasks, exec and
# sandbox included, as mugaid runs them (filterproc_run, through the
# bench-filter-exec driver, bench/filter_exec.c): the children's user +
# system CPU per run, against a baseline measured in the same run.
#   bench/bench_filter_exec.sh BUILD_DIR [N] [ROUNDS] [BEFORE_BUILD]
# Tasks: text of a 4 KiB Japanese text file; mime-unpack of a small mail
# (a text body and a 4 KiB text attachment); mime-repack of that mail's
# plan; html-text of a small page.  Each task runs N times (default 100) in
# every binary that carries its filter, the binaries interleaved, ROUNDS
# times (default 5); the median of the rounds is printed, with the ratio to
# the task's baseline: mugai-filter-lite where it carries the filter, else
# mugai-filter (which stands in for a binary that is not installed).  The
# floor is /bin/true spawned and reaped the same way (an exec of nothing).
# BEFORE_BUILD: a build of the code before mugai-filter-mail (main at ecbe540,
# with bench/filter_exec.c compiled against it as BEFORE_BUILD/bin/
# bench-filter-exec, since the filter protocol's version differs): its
# mugai-filter-lite, which carried the mail filters then, runs every task
# too ("lite-before") and is the baseline.
# Run as root for the whole sandbox (network and mount namespaces); as
# another user the layers that need root are left out, for every binary
# alike.  Nothing here is a pass/fail test.
set -eu
build=$(cd "${1:?usage: bench_filter_exec.sh BUILD_DIR [N] [ROUNDS] [BEFORE_BUILD]}" && pwd)
n=${2:-100}
rounds=${3:-5}
before=${4:+$(cd "$4" && pwd)}
if [ -n "$before" ] && [ ! -x "$before/bin/bench-filter-exec" ]; then
    echo "$before/bin/bench-filter-exec is missing"; exit 2
fi
bin="$build/bin"
drv="$bin/bench-filter-exec"
[ -x "$drv" ] || { echo "build first: $drv is missing"; exit 2; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
chmod 755 "$t"

python3 - "$t" <<'PY'
import os, sys
d = sys.argv[1]
line = "令和6年度 予算 第%d回 会議の記録 lorem ipsum dolor sit amet\n"
text = "".join(line % i for i in range(80)).encode()[:4096].decode(errors="ignore").encode()
open(os.path.join(d, "note.txt"), "wb").write(text)
att = "".join("%d,品目,%d\n" % (i, i * 100) for i in range(400)).encode()[:4096]
import base64
mail = ("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: bench\r\n"
        "Message-ID: <bench@example.jp>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n本文です。\r\n"
        "--b\r\nContent-Type: text/csv; name=\"list.csv\"\r\n"
        "Content-Disposition: attachment; filename=\"list.csv\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n").encode()
mail += base64.encodebytes(att).replace(b"\n", b"\r\n") + b"--b--\r\n"
open(os.path.join(d, "mail.eml"), "wb").write(mail)
open(os.path.join(d, "page.html"), "w").write(
    "<html><head><title>t</title><script>x()</script></head><body><p>本文 "
    "<a href='https://example.jp/'>link</a></p></body></html>\n")
PY

# mime-repack's input: the plan mugaid makes of mime-unpack's structure,
# every part released as the text it is, in the directory holding them
mkdir "$t/art"
"$drv" "$bin/mugai-filter-mail" mime-unpack "$t/mail.eml" 1 "$t/art" > /dev/null
python3 - "$t/art" "$t/plan.json" <<'PY'
import json, os, sys
d = sys.argv[1]
s = json.load(open(os.path.join(d, "structure.json")))
def leaves(n):
    if n.get("kind") == "message":
        leaves(n["body"])
    elif n.get("kind") == "multipart":
        for k in n["children"]:
            leaves(k)
    elif "file" in n:
        n["artefacts"] = [{"file": n["file"], "name": n.get("name", "body"),
                           "type": "text/plain", "charset": "UTF-8"}]
leaves(s)
s["job"] = "BENCH"
s["options"] = {"html": "text"}
json.dump(s, open(sys.argv[2], "w"))
PY

# task filter input [dir]: which binaries, in order; the first is the baseline
binaries() {
    [ -z "$before" ] || printf 'lite-before '
    case $1 in
        text) echo "mugai-filter-lite mugai-filter-mail mugai-filter" ;;
        html-text) echo "mugai-filter-lite mugai-filter" ;;
        *) echo "mugai-filter mugai-filter-mail" ;;
    esac
}
# run FILTER INPUT DIR BINARY: one round's CPU ms per run ("" DIR: fresh
# ones) appended to the results; a run that does not end OK stops the bench
run() {
    if [ "$4" = lite-before ]; then
        out=$("$before/bin/bench-filter-exec" "$before/bin/mugai-filter-lite" "$1" "$2" "$n" $3 \
              2> "$t/err") || { cat "$t/err" >&2; exit 1; }
    else
        out=$("$drv" "$bin/$4" "$1" "$2" "$n" $3 2> "$t/err") || { cat "$t/err" >&2; exit 1; }
    fi
    case $out in
        *"ok=$n") ;;
        *) echo "$4 $1: not every run ended OK ($out)" >&2; head -n 3 "$t/err" >&2; exit 1 ;;
    esac
    echo "$1 $4 $(echo "$out" | sed 's/^cpu_ms=\([0-9.]*\) .*/\1/')" >> "$t/results"
}
: > "$t/results"
r=0
while [ $r -lt "$rounds" ]; do
    r=$((r + 1))
    echo "floor /bin/true $("$drv" --exec /bin/true "$n" | sed 's/^cpu_ms=\([0-9.]*\) .*/\1/')" >> "$t/results"
    for task in "text note.txt" "mime-unpack mail.eml" "mime-repack plan.json art" "html-text page.html"; do
        set -- $task
        f=$1 in="$t/$2" dir=""
        [ $# -gt 2 ] && dir="$t/$3"
        for b in $(binaries "$f"); do
            run "$f" "$in" "$dir" "$b"
        done
    done
done

python3 - "$t/results" "$n" "$rounds" <<'PY'
import statistics, sys
rows = {}
order = []
for line in open(sys.argv[1]):
    task, b, ms = line.split()
    if (task, b) not in rows:
        order.append((task, b))
    rows.setdefault((task, b), []).append(float(ms))
med = {k: statistics.median(v) for k, v in rows.items()}
print("CPU per filter run (exec + sandbox + work), median of %s rounds of %s runs"
      % (sys.argv[3], sys.argv[2]))
print("%-12s %-18s %9s %9s" % ("task", "binary", "cpu ms", "ratio"))
base = {}
for task, b in order:
    base.setdefault(task, med[(task, b)])
    print("%-12s %-18s %9.3f %8.2fx" % (task, b, med[(task, b)], med[(task, b)] / base[task]))
mail = [t for t in ("mime-unpack", "mime-repack")]
full = sum(med[(t, "mugai-filter")] for t in mail)
small = sum(med[(t, "mugai-filter-mail")] for t in mail)
print("a plain mail (mime-unpack + mime-repack): mugai-filter-mail %.3f ms, "
      "mugai-filter %.3f ms: ratio %.2fx" % (small, full, small / full))
if ("mime-unpack", "lite-before") in med:
    old = sum(med[(t, "lite-before")] for t in mail)
    print("  against mugai-filter-lite before (it carried them): %.3f ms: ratio %.2fx"
          % (old, small / old))
PY
