#!/bin/sh
# Image-PDF rendering against pdftoppm, in the same run.
#   bench/bench_pdf_image.sh BUILD_DIR [PAGES] [RUNS]
# Prints the wall time of `pdftoppm -r 150 -jpeg` and of
# `mugai sanitize --mode image-pdf` (one render thread, then two), the
# ratios (target: <= 1.0x with one thread, <= 0.6x with two), and the peak
# RSS of mugai and its filter on a 300-page PDF (target: < 512 MiB).
# Each time is the best of RUNS runs (default 3).
set -eu
build=${1:?usage: bench_pdf_image.sh BUILD_DIR [PAGES] [RUNS]}
pages=${2:-30}
runs=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$build/bin/mkpdf" "$t/doc.pdf" --pages "$pages"
"$build/bin/mkpdf" "$t/doc300.pdf" --pages 300
printf '[limits]\nfilter_threads = 1\n' > "$t/t1.conf"
printf '[limits]\nfilter_threads = 2\n' > "$t/t2.conf"
db="$build/testdb"
python3 - "$t" "$build" "$db" "$runs" "$here/../tests/integration/measure.py" <<'PY'
import json, subprocess, sys, time, os, shutil
t, build, db, runs, measure = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
def best(cmd, outdir):
    times = []
    for _ in range(runs):
        shutil.rmtree(outdir, ignore_errors=True); os.makedirs(outdir)
        t0 = time.monotonic()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - t0)
    return min(times)
pdf = t + "/doc.pdf"
base = best(["pdftoppm", "-r", "150", "-jpeg", pdf, t + "/ppm/p"], t + "/ppm")
m1 = best([build + "/bin/mugai", "sanitize", "--config", t + "/t1.conf", "--database", db,
           "--mode", "image-pdf", "-o", t + "/o1", pdf], t + "/o1")
m2 = best([build + "/bin/mugai", "sanitize", "--config", t + "/t2.conf", "--database", db,
           "--mode", "image-pdf", "-o", t + "/o2", pdf], t + "/o2")
pages = int(subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout.split("Pages:")[1].split()[0])
print("pdf-image benchmark: %d pages, 150 dpi, best of %d runs" % (pages, runs))
print("  pdftoppm -r 150 -jpeg        %6.3f s" % base)
print("  mugai, 1 render thread       %6.3f s   ratio %.2fx (target <= 1.0x)" % (m1, m1 / base))
print("  mugai, 2 render threads      %6.3f s   ratio %.2fx (target <= 0.6x)" % (m2, m2 / base))
subprocess.run([sys.executable, measure, t + "/rss.json", build + "/bin/mugai", "sanitize",
                "--config", t + "/t2.conf", "--database", db, "--mode", "image-pdf",
                "-o", t + "/o3", t + "/doc300.pdf"], check=True, stdout=subprocess.DEVNULL)
m = json.load(open(t + "/rss.json"))
print("  300 pages: %.2f s, peak RSS %.0f MiB (target < 512 MiB)" % (m["wall"], m["maxrss_kib"] / 1024))
PY
