/*
 * naming.h - the names released files get.
 *
 * A released name comes from the original's (untrusted) name: valid UTF-8,
 * no separators, no control or bidirectional-override characters, never
 * "." or "..", at most NAMING_MAX bytes.  When the sanitised file is of
 * another type than the original, the original's extension stays in the
 * name, joined by "_", and the new type's extension follows:
 *
 *   notice_ja.docx -> notice_ja_docx.pdf     notice_ja.xlsx -> notice_ja_xlsx.pdf
 *   report.pdf     -> report.pdf (same type) page.html      -> page_html.txt
 *
 * so two originals that differ only by type never collide, and staff can
 * tell which one a file came from.  There is never a second dot: Windows,
 * which hides the last extension, shows "notice_ja_docx", not a name that
 * pretends to be a .docx.
 */
#ifndef MUGAI_NAMING_H
#define MUGAI_NAMING_H

#include <stddef.h>

#define NAMING_MAX 200            /* bytes of a released name kept from the original */
#define NAMING_BUF (NAMING_MAX + 16) /* room for a name from naming_output() */

/* The name a file is released under, from an untrusted one (outlen should
 * allow NAMING_MAX + 8). */
void naming_safe(const char *in, char *out, size_t outlen);

/* The artefact's name: safe (from naming_safe) with the extension out_ext
 * (without the dot) of what filter wrote.  The name is kept as it is when
 * the type did not change (same extension; jpeg and jpg; csv, tsv, log and
 * md files the text filter passes as text); else the original extension is
 * kept before the new one: "stem_ext.out_ext". */
void naming_output(const char *safe, const char *filter, const char *out_ext, char *out,
		   size_t outlen);

/* The directory an archive's members are released under: its name without
 * archive suffixes (up to two: "data.tar.gz" -> "data"), "archive" if
 * nothing is left. */
void naming_archive_dir(const char *safe, char *out, size_t outlen);

/* One name for a file that sits in folders, for a mail attachment (mail
 * clients show no folders): rel's components (a release path: "/"-separated,
 * each already a safe name) joined by "_", "資料/2024/見積.pdf" ->
 * "資料_2024_見積.pdf".  Over NAMING_MAX bytes the outermost folders go
 * first and "…_" stands for them ("…_2024_見積.pdf"); the file's own name is
 * always kept whole.  outlen should allow NAMING_BUF. */
void naming_flatten(const char *rel, char *out, size_t outlen);

/* A name already taken, numbered: "name.ext" -> "name (k).ext", "name" ->
 * "name (k)"; the stem is cut (at a character boundary) when the result
 * would not fit in outlen, so the number and the extension are always
 * there (outlen should allow NAMING_BUF). */
void naming_numbered(const char *name, unsigned k, char *out, size_t outlen);

#endif
