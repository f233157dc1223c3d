#!/bin/sh
# MuPDF (AGPL-3.0, epub-pdf) is linked into mugai-filter-mupdf only:
# mugai-filter and mugai-filter-lite, exec'd for every other task, carry none
# of it (no symbol, no library only MuPDF needs).  Without mugai-filter-mupdf
# an EPUB fails with "epub support not installed", nothing released, never
# handed to another binary; other types are not affected.
# (On main before this change mugai-filter had MuPDF's fz_* symbols and
# libmujs/libgumbo/libjbig2dec in its DT_NEEDED, and no mugai-filter-mupdf.)
. "$(dirname "$0")/lib.sh"
# defined symbols of MuPDF (fz_*, and the epub filter's own), and the
# libraries only MuPDF needs
mupdf_syms() { nm --defined-only "$1" | grep -c -E ' (fz_[a-z_]+|filter_epub_pdf)$' || true; }
mupdf_libs() { readelf -d "$1" | grep NEEDED | grep -c -E 'libmujs|libgumbo|libjbig2dec|libopenjp2' || true; }
for b in mugai-filter mugai-filter-lite; do
    check "$b: no MuPDF symbol" test "$(mupdf_syms "$MUGAI_BIN/$b")" -eq 0
    check "$b: no library only MuPDF needs" test "$(mupdf_libs "$MUGAI_BIN/$b")" -eq 0
done
m="$MUGAI_BIN/mugai-filter-mupdf"
check "mugai-filter-mupdf carries MuPDF and epub-pdf" test "$(mupdf_syms "$m")" -gt 100
check "mugai-filter-mupdf: no poppler, cairo or librsvg" \
    sh -c "readelf -d '$m' > '$T/mupdf.dyn' && ! grep NEEDED '$T/mupdf.dyn' | grep -q -E 'libpoppler|libcairo|librsvg'"

# mugai-filter-mail (mime-unpack, mime-repack, text: exec'd for every part
# of every mail): GMime, GLib, jansson and libseccomp linked in statically,
# none of the big parsers' libraries, and none of what GMime's crypto, its
# GIO stream and libidn2 would bring (src/filterd/gmime_lean.c): glibc
# alone is shared, with the sanitizers' runtime in their build.
# (Before gmime_lean.c gpgme, libidn2, libmount and libselinux were NEEDED,
# and with them libassuan, libgpg-error, libunistring, libblkid, libpcre2.)
ml="$MUGAI_BIN/mugai-filter-mail"
readelf -d "$ml" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' > "$T/mail.needed"
check "mugai-filter-mail: no libxml2, libarchive, libmagic, libclamav, poppler, cairo" \
    sh -c "! grep -q -E 'libxml2|libarchive|libmagic|libclamav|libpoppler|libcairo|libicu|libstdc' '$T/mail.needed'"
check "mugai-filter-mail: GMime, GLib, jansson, libseccomp linked in, not shared" \
    sh -c "! grep -q -E 'libgmime|libgio|libgobject|libglib|libjansson|libseccomp|libpcre2|libffi|libz\.' '$T/mail.needed'"
check "mugai-filter-mail: its NEEDED list is libc (and libm) only" \
    sh -c "! grep -v -x -E 'libc\.so\.6|libm\.so\.6|lib(a|ub)san\.so\.[0-9]+|libstdc\+\+\.so\.6|libgcc_s\.so\.1' '$T/mail.needed'"
check "mugai-filter-mail: no gpgme, GIO or libidn2 code (nothing runs gpg)" \
    sh -c "nm '$ml' > '$T/mail.all' && ! grep -q -E ' U (gpgme_|idn2_|g_file_|g_mount_)' '$T/mail.all' && ! grep -q -E ' T (g_mime_gpgme_|g_mime_stream_gio_new|g_file_new_for_path)' '$T/mail.all'"
check "mugai-filter-mail carries the mail filters and text, not html-text or unpack" \
    sh -c "nm --defined-only '$ml' > '$T/mail.nm' && grep -q ' filter_mime_unpack\$' '$T/mail.nm' && grep -q ' filter_mime_repack\$' '$T/mail.nm' && grep -q ' filter_text\$' '$T/mail.nm' && ! grep -q -E ' (filter_html_text|filter_unpack|filter_ooxml_text)\$' '$T/mail.nm'"
check "mugai-filter-lite no longer carries the mail filters, nor GMime" \
    sh -c "! nm --defined-only '$MUGAI_BIN/mugai-filter-lite' | grep -q -E ' (filter_mime_unpack|filter_mime_repack)\$' && ! readelf -d '$MUGAI_BIN/mugai-filter-lite' | grep NEEDED | grep -q libgmime"

mkdir -p "$T/in"
python3 - "$T/in" <<'PY'
import os, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(os.path.join(d, "book.epub"), "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
    z.writestr("META-INF/container.xml",
               "<?xml version='1.0'?><container version='1.0' xmlns='urn:oasis:names:tc:"
               "opendocument:xmlns:container'><rootfiles><rootfile full-path='c.opf' "
               "media-type='application/oebps-package+xml'/></rootfiles></container>")
    z.writestr("c.opf",
               "<?xml version='1.0'?><package xmlns='http://www.idpf.org/2007/opf' "
               "version='2.0' unique-identifier='id'><metadata xmlns:dc='http://purl.org/dc/"
               "elements/1.1/'><dc:identifier id='id'>x</dc:identifier><dc:title>t</dc:title>"
               "<dc:language>ja</dc:language></metadata><manifest><item id='c1' "
               "href='c1.xhtml' media-type='application/xhtml+xml'/></manifest><spine>"
               "<itemref idref='c1'/></spine></package>")
    z.writestr("c1.xhtml", "<html xmlns='http://www.w3.org/1999/xhtml'><body><p>本文です。"
               "</p></body></html>")
open(os.path.join(d, "note.txt"), "w").write("ただのテキスト\n")
PY
sanitize -o "$T/out" "$T/in/book.epub"
check "EPUB released through mugai-filter-mupdf" report_all \
    'r["verdict"] == "released" and r["items"][0]["filter"] == "epub-pdf,pdf-image"'

printf '[daemon]\nfilter_mupdf_path = %s\n' "$T/no/mugai-filter-mupdf" > "$T/nomupdf.conf"
sanitize --config "$T/nomupdf.conf" -o "$T/out2" "$T/in/book.epub"
check "EPUB without mugai-filter-mupdf: failed, epub support not installed" report_all \
    'r["verdict"] == "failed" and "epub support not installed" in json.dumps(r, ensure_ascii=False) and not r["artefacts"]'
check "nothing written to the output directory" \
    sh -c "[ -z \"\$(ls -A '$T/out2' 2>/dev/null)\" ]"
sanitize --config "$T/nomupdf.conf" -o "$T/out3" "$T/in/note.txt"
check "a text file is still released without it" report_all 'r["verdict"] == "released"'

# the mail filters and text run in mugai-filter-mail: the CLI with nothing
# but it beside (the others are not installed either: a filter of theirs
# would fail) releases a text file and rebuilds a plain mail
mkdir -p "$T/only"
cp "$MUGAI" "$ml" "$T/only/"
printf 'Subject: hi\r\nFrom: a@example.jp\r\nTo: b@example.jp\r\n\r\nplain body\r\n' > "$T/in/plain.eml"
MUGAI_SAVED="$MUGAI"; MUGAI="$T/only/mugai"
sanitize -o "$T/out4" "$T/in/note.txt"
check "a text file released by mugai-filter-mail alone" report_all \
    'r["verdict"] == "released" and r["items"][0]["filter"] == "text"'
sanitize --mode mail -o "$T/out5" "$T/in/plain.eml"
check "a plain mail rebuilt by mugai-filter-mail alone" report_all 'r["verdict"] == "released"'
check "its body kept, X-Mugai-Sanitized added" python3 - "$T/out5" <<'PY'
import email, email.policy, os, sys
fs = [os.path.join(d, f) for d, _, n in os.walk(sys.argv[1]) for f in n]
m = email.message_from_bytes(open(fs[0], "rb").read(), policy=email.policy.default)
sys.exit(0 if len(fs) == 1 and m["X-Mugai-Sanitized"] and
         "plain body" in m.get_body().get_content() else 1)
PY
MUGAI="$MUGAI_SAVED"
finish
