#!/usr/bin/env python3
"""Print up to N words a document holds, read without mugai: a PDF through
pdftotext (poppler-utils), an OpenDocument or OOXML file from its XML parts.
test_real_docs.sh checks that mugai's text mode keeps them.

Words: runs of 5 or more Latin letters, or 2 or more kana/kanji; in a PDF
never the last on a line (it may be hyphenated or joined differently).

usage: doc_words.py FILE [N]
"""
import re
import subprocess
import sys
import zipfile

WORD = re.compile(r"[A-Za-z]{5,}|[\u3040-\u30ff\u4e00-\u9fff]{2,}")
# the parts whose text a rendering shows (not styles, not settings)
PARTS = re.compile(r"^(content\.xml|word/document\.xml|xl/sharedStrings\.xml|"
                   r"ppt/slides/slide\d+\.xml)$")


def lines_of(path):
    """the lines, and how many words at the end of each to leave out"""
    if open(path, "rb").read(5) == b"%PDF-":
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], check=True,
                             stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")
        return out.splitlines(), 1
    lines = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if PARTS.match(n)):
            xml = z.read(name).decode("utf-8", "replace")
            # a template's placeholders ("<Sender's name>") are not printed
            xml = re.sub(r"<text:placeholder[^>]*>.*?</text:placeholder>", "", xml, flags=re.S)
            # a paragraph (ODF text:p/text:h, OOXML w:p/a:p, a shared string) is a line
            for para in re.split(r"</(?:text:p|text:h|w:p|a:p|si)>", xml):
                lines.append(re.sub(r"<[^>]+>", "", para))
    return lines, 0


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    seen = []
    lines, drop = lines_of(sys.argv[1])
    for line in lines:
        words = WORD.findall(line)
        for w in words[:len(words) - drop]:
            if w not in seen:
                seen.append(w)
        if len(seen) >= n:
            break
    print("\n".join(seen[:n]))


if __name__ == "__main__":
    main()
