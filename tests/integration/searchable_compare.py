#!/usr/bin/env python3
"""Compare the text layer of mugai's image PDF with the source PDF.

  searchable_compare.py text SRC OUT       per page: similarity of pdftotext
                                           (NFKC, whitespace removed), the
                                           better of default and -layout
  searchable_compare.py boxes SRC OUT      pdftotext -bbox-layout lines of the
                                           source found in OUT within 2 pt
  searchable_compare.py ocr TEXTFILE OUT   similarity of OUT's pdftotext to the
                                           reference text (whole document)

Prints one line per page and a summary line "min=<ratio>"; exit 0.
"""
import difflib
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET


def pages(pdf):
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def text(pdf, page=None, layout=False):
    cmd = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if page is not None:
        cmd += ["-f", str(page), "-l", str(page)]
    return subprocess.run(cmd + [pdf, "-"], capture_output=True, text=True, check=True).stdout


def norm(s):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def ratio(a, b):
    a, b = norm(a), norm(b)
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def lines(pdf):
    out = subprocess.run(["pdftotext", "-bbox-layout", pdf, "-"], capture_output=True,
                         text=True, check=True).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out)
    root = ET.fromstring(out)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    res = []
    for p, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page")):
        for line in page.iter("{http://www.w3.org/1999/xhtml}line"):
            words = "".join(w.text or "" for w in line.findall("x:word", ns))
            box = tuple(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
            res.append((p, norm(words), box))
    return res


def main():
    mode, a, b = sys.argv[1:4]
    if mode == "text":
        n = pages(a)
        if pages(b) != n:
            print("page count differs: %d vs %d" % (n, pages(b)))
            print("min=0")
            return
        worst = 1.0
        for p in range(1, n + 1):
            # reading order (pdftotext's heuristics, partly from font
            # metrics) or physical layout (-layout): the better of the two
            r0 = ratio(text(a, p), text(b, p))
            r1 = ratio(text(a, p, True), text(b, p, True))
            worst = min(worst, max(r0, r1))
            print("page %d %.4f (reading order %.4f, -layout %.4f)" % (p, max(r0, r1), r0, r1))
        print("min=%.4f" % worst)
    elif mode == "boxes":
        src, out = lines(a), lines(b)
        index = {}
        for p, t, box in out:
            index.setdefault((p, t), []).append(box)
        found = 0
        for p, t, box in src:
            cands = index.get((p, t), [])
            if any(max(abs(x - y) for x, y in zip(box, c)) <= 2.0 for c in cands):
                found += 1
            else:
                print("line not within 2 pt: page %d %r %s" % (p + 1, t[:40], box))
        print("lines %d found %d" % (len(src), found))
        print("min=%.4f" % (found / len(src) if src else 1.0))
    elif mode == "ocr":
        ref = open(a, encoding="utf-8").read()
        got = text(b)
        print("reference %d chars, OCR %d chars" % (len(norm(ref)), len(norm(got))))
        print("min=%.4f" % ratio(ref, got))


if __name__ == "__main__":
    main()
