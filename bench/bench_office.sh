#!/bin/sh
# Office documents against LibreOffice itself, in the same run (issue #4).
#   bench/bench_office.sh BUILD_DIR [PAGES] [DOCS]       (runs: $BENCH_RUNS)
# 1. image-pdf: `mugai sanitize --mode image-pdf` on a PAGES-page docx
#    (default 10) against `soffice --headless --convert-to pdf` followed by
#    `pdftoppm -r 150 -jpeg` (150 dpi = [policy] pdf_dpi), LibreOffice with
#    a fresh profile per run (as mugai runs it) and with a warm one.
# 2. ooxml-text and ooxml-cdr: DOCS documents (default 30: a third each
#    docx, xlsx, pptx) through `mugai sanitize --mode text` and `--mode cdr`,
#    all in one process and one process per document, against LibreOffice's
#    own text export per document (warm profile): docx --convert-to txt,
#    xlsx --convert-to csv (every sheet, tab-separated), pptx --convert-to pdf
#    + pdftotext (Impress has no text export).
# Prints the median wall time and peak RSS (largest single process, mugai's
# filters and soffice.bin included) of BENCH_RUNS runs (default 5) and the
# ratios mugai / LibreOffice (wall time: below 1.0x mugai is faster).
# Needs soffice (libreoffice-*-nogui), pdfinfo, pdftoppm, pdftotext
# (poppler-utils) and python3.
set -eu
build=${1:?usage: bench_office.sh BUILD_DIR [PAGES] [DOCS]}
pages=${2:-10}
docs=${3:-30}
runs=${BENCH_RUNS:-5}
here=$(cd "$(dirname "$0")" && pwd)
for c in soffice pdfinfo pdftoppm pdftotext python3; do
    command -v "$c" > /dev/null || { echo "bench_office.sh: $c not found" >&2; exit 2; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
trap 'exit 130' INT TERM HUP
# LibreOffice's and mugai's temporary files stay below $t
mkdir "$t/tmp"
TMPDIR=$t/tmp
export TMPDIR
per=$(( (docs + 2) / 3 ))

# sources: flat ODF with Japanese text, converted by LibreOffice (one
# process per target type); document i of each type is distinct (docx:
# 1..10 pages)
mkdir "$t/gen" "$t/src" "$t/docs"
python3 "$here/../tests/office/make_office_docs.py" "$t/gen/big" --pages "$pages"
cp "$t/gen/big/doc.fodt" "$t/src/big.fodt"
i=1
while [ "$i" -le "$per" ]; do
    n=$(printf %02d "$i")
    python3 "$here/../tests/office/make_office_docs.py" "$t/gen/$n" --pages $(( (i - 1) % 10 + 1 ))
    cp "$t/gen/$n/doc.fodt" "$t/src/doc$n.fodt"
    cp "$t/gen/$n/sheet.fods" "$t/src/sheet$n.fods"
    cp "$t/gen/$n/slides.fodp" "$t/src/slides$n.fodp"
    i=$((i + 1))
done
lo() { # lo PROFILE_DIR ARGS... : soffice, headless, quiet
    soffice --headless "-env:UserInstallation=file://$1" "$@" > /dev/null 2>&1 < /dev/null
}
lo "$t/prof-gen" --convert-to docx --outdir "$t/docs" "$t"/src/*.fodt
lo "$t/prof-gen" --convert-to xlsx --outdir "$t/docs" "$t"/src/*.fods
lo "$t/prof-gen" --convert-to pptx --outdir "$t/docs" "$t"/src/*.fodp
mkdir "$t/big"
mv "$t/docs/big.docx" "$t/big/doc.docx"
rm -rf "$t/prof-gen" "$t/gen" "$t/src"

# LibreOffice's text export of the documents given:
#   lo_text.sh PROFILE_DIR OUTDIR per-doc|batch FILE...
cat > "$t/lo_text.sh" <<'SH'
#!/bin/sh
set -eu
prof=$1 out=$2 how=$3
shift 3
lo() { # lo TARGET FILE... (--outdir only after --convert-to)
    target=$1
    shift
    soffice --headless "-env:UserInstallation=file://$prof" --convert-to "$target" \
        --outdir "$out" "$@" > /dev/null 2>&1 < /dev/null
}
txt='txt:Text (encoded):UTF8'
csv='csv:Text - txt - csv (StarCalc):9,34,76,1,,0,false,true,false,false,false,-1'
if [ "$how" = per-doc ]; then
    for f; do
        case $f in
        *.docx) lo "$txt" "$f" ;;
        *.xlsx) lo "$csv" "$f" ;;
        *.pptx) lo pdf "$f"
                b=$(basename "$f" .pptx)
                pdftotext -enc UTF-8 "$out/$b.pdf" "$out/$b.txt" ;;
        esac
    done
else
    d='' x='' p=''
    for f; do
        case $f in
        *.docx) d="$d $f" ;; *.xlsx) x="$x $f" ;; *.pptx) p="$p $f" ;;
        esac
    done
    # shellcheck disable=SC2086 # the paths (mktemp) hold no blanks
    { [ -z "$d" ] || lo "$txt" $d; [ -z "$x" ] || lo "$csv" $x
      [ -z "$p" ] || lo pdf $p; }
    for f in $p; do
        b=$(basename "$f" .pptx)
        pdftotext -enc UTF-8 "$out/$b.pdf" "$out/$b.txt"
    done
fi
SH

python3 - "$t" "$build" "$runs" "$here/../tests/integration/measure.py" "$pages" <<'PY'
import glob, json, os, shutil, statistics, subprocess, sys
t, build, runs, measure, want_pages = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                       sys.argv[4], int(sys.argv[5]))
mugai, db = build + "/bin/mugai", build + "/testdb"
MiB = 1024.0

def fresh(*dirs):
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

def run_once(cmd, what):
    """(wall s, peak RSS KiB) of one run of cmd, by measure.py"""
    res = t + "/m.json"
    with open(t + "/m.err", "wb") as err:
        rc = subprocess.run([sys.executable, measure, res] + cmd, stderr=err).returncode
    if rc != 0:
        sys.stderr.write("bench_office.sh: %s failed (exit %d): %s\n%s%s" % (
            what, rc, " ".join(cmd), open(res + ".stdout", errors="replace").read()[-2000:],
            open(t + "/m.err", errors="replace").read()[-2000:]))
        sys.exit(1)
    m = json.load(open(res))
    return m["wall"], m["maxrss_kib"]

def medians(*specs):
    """median wall and median peak RSS of `runs` runs of each spec (cmd, what,
    before, after), interleaved (run i of every spec, then run i+1) so that
    the load of a shared machine spreads over all of them alike; before()
    prepares a run (not timed), after() checks its output"""
    walls, rss = [[] for _ in specs], [[] for _ in specs]
    for _ in range(runs):
        for k, (cmd, what, before, after) in enumerate(specs):
            before()
            w, r = run_once(cmd, what)
            after()
            walls[k].append(w)
            rss[k].append(r)
    return [(statistics.median(w), statistics.median(r)) for w, r in zip(walls, rss)]

def pdf_pages(path):
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return int(out.split("Pages:")[1].split()[0])

# --- 1. image-pdf on the big docx ------------------------------------------
docx = t + "/big/doc.docx"
fresh(t + "/plain")
subprocess.run(["soffice", "--headless", "-env:UserInstallation=file://" + t + "/prof-warm",
                "--convert-to", "pdf", "--outdir", t + "/plain", docx],
               check=True, capture_output=True)
lo_pages = pdf_pages(t + "/plain/doc.pdf")
if abs(lo_pages - want_pages) > 1:
    sys.exit("bench_office.sh: the %d-page docx has %d pages in LibreOffice's PDF"
             % (want_pages, lo_pages))

def check_mugai_pdf():
    arts = glob.glob(t + "/o/*.pdf")
    if len(arts) != 1 or pdf_pages(arts[0]) != lo_pages:
        sys.exit("bench_office.sh: mugai image-pdf wrote %s, not one %d-page PDF"
                 % (arts, lo_pages))

def check_ppm():
    n = len(glob.glob(t + "/ppm/p-*.jpg"))
    if n != lo_pages:
        sys.exit("bench_office.sh: pdftoppm wrote %d pages, not %d" % (n, lo_pages))

base_sh = ('soffice --headless "-env:UserInstallation=file://$1" --convert-to pdf '
           '--outdir "$2" "$3" > /dev/null 2>&1 < /dev/null && '
           'pdftoppm -r 150 -jpeg "$2/doc.pdf" "$2/p"')
def base_cmd(prof):
    return ["sh", "-c", base_sh, "sh", prof, t + "/ppm", docx]
mugai_pdf = [mugai, "sanitize", "--database", db, "--mode", "image-pdf", "-o", t + "/o", docx]

# one untimed run of each first: page cache, warm profile, and mugai works
fresh(t + "/o"); run_once(mugai_pdf, "mugai image-pdf"); check_mugai_pdf()
fresh(t + "/ppm"); run_once(base_cmd(t + "/prof-warm"), "soffice + pdftoppm"); check_ppm()

b_fresh, b_warm, m_pdf = medians(
    (base_cmd(t + "/prof-fresh"), "soffice (fresh profile) + pdftoppm",
     lambda: fresh(t + "/prof-fresh", t + "/ppm"), check_ppm),
    (base_cmd(t + "/prof-warm"), "soffice (warm profile) + pdftoppm",
     lambda: fresh(t + "/ppm"), check_ppm),
    (mugai_pdf, "mugai image-pdf", lambda: fresh(t + "/o"), check_mugai_pdf))
shutil.rmtree(t + "/prof-fresh", ignore_errors=True)

print("office benchmark, image-pdf: %d-page docx (%d pages in LibreOffice's PDF), 150 dpi, "
      "median of %d runs" % (want_pages, lo_pages, runs))
print("                                                 wall    peak RSS")
print("  soffice -> pdf, fresh profile, + pdftoppm   %6.3f s  %5.0f MiB"
      % (b_fresh[0], b_fresh[1] / MiB))
print("  soffice -> pdf, warm profile, + pdftoppm    %6.3f s  %5.0f MiB"
      % (b_warm[0], b_warm[1] / MiB))
print("  mugai sanitize --mode image-pdf             %6.3f s  %5.0f MiB   ratio %.2fx (fresh), "
      "%.2fx (warm)" % (m_pdf[0], m_pdf[1] / MiB, m_pdf[0] / b_fresh[0], m_pdf[0] / b_warm[0]))

# --- 2. ooxml-text / ooxml-cdr throughput --------------------------------------
files = sorted(glob.glob(t + "/docs/*.docx") + glob.glob(t + "/docs/*.xlsx") +
               glob.glob(t + "/docs/*.pptx"))
n = len(files)
kinds = {e: sum(f.endswith("." + e) for f in files) for e in ("docx", "xlsx", "pptx")}

def check_released(mode):
    def check():
        got = len(os.listdir(t + "/o"))
        if got != n:
            sys.exit("bench_office.sh: mugai --mode %s released %d of %d documents"
                     % (mode, got, n))
    return check

def check_lo_text():
    for f in files:
        stem = os.path.basename(f).rsplit(".", 1)[0]
        if not [g for g in glob.glob(t + "/o/" + stem + "*")
                if g.endswith((".txt", ".csv")) and os.path.getsize(g) > 0]:
            sys.exit("bench_office.sh: LibreOffice wrote no text for " + os.path.basename(f))

def clean_o():
    fresh(t + "/o")

lo_text = ["sh", t + "/lo_text.sh", t + "/prof-warm", t + "/o"]
per_doc_sh = ('m=$1 db=$2 mode=$3 o=$4; shift 4; for f; do '
              '"$m" sanitize --database "$db" --mode "$mode" -o "$o" "$f" > /dev/null || exit; done')
specs = [("soffice text export, 1 process per doc",
          (lo_text + ["per-doc"] + files, "soffice text export", clean_o, check_lo_text)),
         ("soffice text export, 1 process per type",
          (lo_text + ["batch"] + files, "soffice text export (batch)", clean_o, check_lo_text))]
for mode in ("text", "cdr"):
    specs.append(("mugai --mode %s, 1 process" % mode,
                  ([mugai, "sanitize", "--database", db, "--mode", mode, "-o", t + "/o"] + files,
                   "mugai " + mode, clean_o, check_released(mode))))
    specs.append(("mugai --mode %s, 1 process per doc" % mode,
                  (["sh", "-c", per_doc_sh, "sh", mugai, db, mode, t + "/o"] + files,
                   "mugai " + mode + " per doc", clean_o, check_released(mode))))
rows = list(zip([name for name, _ in specs], medians(*[spec for _, spec in specs])))

print()
print("office benchmark, ooxml-text / ooxml-cdr: %d documents (%d docx of 1-%d pages, %d xlsx, "
      "%d pptx), median of %d runs" % (n, kinds["docx"], min(kinds["docx"], 10),
                                       kinds["xlsx"], kinds["pptx"], runs))
print("                                                 wall     docs/s  peak RSS   "
      "ratio vs soffice per doc / per type")
lo_doc, lo_type = rows[0][1][0], rows[1][1][0]
for name, (w, r) in rows:
    line = "  %-43s %6.3f s %7.1f  %5.0f MiB" % (name, w, n / w, r / MiB)
    if name.startswith("mugai"):
        line += "   %.3fx / %.3fx" % (w / lo_doc, w / lo_type)
    print(line)

# what the text filter found (informative): a marker string per type
fresh(t + "/o")
run_once([mugai, "sanitize", "--database", db, "--mode", "text", "-o", t + "/o"] + files,
         "mugai text")
markers = {"docx": "住民票の写しを添付します", "xlsx": "住民税", "pptx": "避難所一覧"}
found = {e: 0 for e in markers}
for f in glob.glob(t + "/o/*.txt"):
    base = os.path.basename(f)
    e = "docx" if base.startswith("doc") else "xlsx" if base.startswith("sheet") else "pptx"
    if markers[e] in open(f, encoding="utf-8", errors="replace").read():
        found[e] += 1
print("  --mode text, marker string found: " + ", ".join(
    "%s %d/%d (%s)" % (e, found[e], kinds[e], markers[e]) for e in markers))
PY
