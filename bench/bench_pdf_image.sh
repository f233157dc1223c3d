#!/bin/sh
# Image-PDF rendering against pdftoppm, in the same run.
#   bench/bench_pdf_image.sh BUILD_DIR [PAGES] [RUNS] [--photo|--vector]
# Two kinds of PDF, both by default: --photo pages carry a scanned-photo
# raster image (what most municipal PDFs are: scans), --vector pages only
# text and shapes (where pdftoppm's Splash rasteriser is at its fastest).
# Prints the wall time of `pdftoppm -r 150 -jpeg` and of
# `mugai sanitize --mode image-pdf` (one render thread, then two), the
# ratios (target: <= 1.0x with one thread, <= 0.6x with two), and the peak
# RSS of mugai and its filter on a 300-page PDF (target: < 512 MiB).
# Each time is the best of RUNS runs (default 3).
set -eu
build=${1:?usage: bench_pdf_image.sh BUILD_DIR [PAGES] [RUNS]}
pages=${2:-30}
runs=${3:-3}
kinds=${4:-"--photo --vector"}
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$build/bin/mkpdf" "$t/doc300.pdf" --pages 300 --photo
printf '[limits]\nfilter_threads = 1\n' > "$t/t1.conf"
printf '[limits]\nfilter_threads = 2\n' > "$t/t2.conf"
db="$build/testdb"
for kind in $kinds; do
"$build/bin/mkpdf" "$t/doc.pdf" --pages "$pages" $( [ "$kind" = --photo ] && echo --photo )
python3 - "$t" "$build" "$db" "$runs" "$here/../tests/integration/measure.py" "$kind" <<'PY'
import json, subprocess, sys, time, os, shutil
t, build, db, runs, measure, kind = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
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
print("pdf-image benchmark, %s pages: %d pages, 150 dpi, best of %d runs" % (kind[2:], pages, runs))
print("  pdftoppm -r 150 -jpeg        %6.3f s" % base)
print("  mugai, 1 render thread       %6.3f s   ratio %.2fx (target <= 1.0x)" % (m1, m1 / base))
print("  mugai, 2 render threads      %6.3f s   ratio %.2fx (target <= 0.6x)" % (m2, m2 / base))
if kind != "--photo":
    sys.exit(0)
subprocess.run([sys.executable, measure, t + "/rss.json", build + "/bin/mugai", "sanitize",
                "--config", t + "/t2.conf", "--database", db, "--mode", "image-pdf",
                "-o", t + "/o3", t + "/doc300.pdf"], check=True, stdout=subprocess.DEVNULL)
m = json.load(open(t + "/rss.json"))
print("  300 pages: %.2f s, peak RSS %.0f MiB (target < 512 MiB)" % (m["wall"], m["maxrss_kib"] / 1024))
PY
done
