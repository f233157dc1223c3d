#!/bin/sh
# Truncated, empty and random-byte inputs: a clear failed/blocked reason,
# nothing released, the process exits normally (status 1).
. "$(dirname "$0")/lib.sh"
python3 - "$T" <<'PY'
import os, random, sys
d = sys.argv[1]
rnd = random.Random(1234)
for ext in ["pdf", "png", "jpg", "gif", "zip", "7z", "tar", "gz", "txt", "csv", "html",
            "docx", "xlsx", "doc", "exe", "bin", ""]:
    name = "random" + ("." + ext if ext else "")
    open(os.path.join(d, name), "wb").write(bytes(rnd.getrandbits(8) for _ in range(4096)))
open(os.path.join(d, "empty.pdf"), "wb").write(b"")
open(os.path.join(d, "empty.txt"), "wb").write(b"")
PY
python3 "$MUGAI_SRC/samples/generate.py" "$T/s" >/dev/null
cp "$T/s/truncated.pdf" "$T/truncated.pdf"
head -c 150 "$T/s/photo.png" > "$T/truncated.png"
head -c 200 "$T/s/minutes.zip" > "$T/truncated.zip"
sanitize -o "$T/out" "$T"/random* "$T"/empty.* "$T"/truncated.*
check "exit status 1, not a crash" test "$RC" -eq 1
check "one report per input" test "$(wc -l < "$T/report.jsonl")" -eq 22
check "every input failed or blocked with a reason" report_all \
    'r["verdict"] in ("failed", "blocked") and len(r["reason"]) > 5 and r["artefacts"] == []'
check "empty files say so" sh -c "grep '\"name\": *\"empty' '$T/report.jsonl' | grep -q 'empty'"
check "nothing released" test -z "$(files_under "$T/out")"
check "no sanitizer or crash output" sh -c "! grep -Eq 'AddressSanitizer|runtime error|Segmentation' '$T/stderr'"
finish
