/* textenc.h - encoding detection and clean-up shared by the text filters */
#ifndef MUGAI_TEXTENC_H
#define MUGAI_TEXTENC_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decode buf (BOM, UTF-8, ISO-2022-JP, CP932, EUC-JP, UTF-16 by BOM) into a
 * new NUL-terminated UTF-8 string.  *enc receives the name of the encoding
 * that was used.  NULL when no candidate decodes the bytes.
 */
char *textenc_to_utf8(const unsigned char *buf, size_t len, const char **enc);

/*
 * ISO-2022-JP with the NEC/IBM extensions (CP50220-style superset: U+2460
 * and friends that glibc's ISO-2022-JP lacks), JIS X 0201 katakana and
 * JIS X 0212; 8-bit bytes are read as CP932.  NULL when invalid.
 */
char *textenc_iso2022jp(const unsigned char *buf, size_t len);

/*
 * Decode buf labelled with a MIME charset: ISO-2022-JP* (textenc_iso2022jp),
 * Shift_JIS under any of its names (CP932), EUC-JP (EUC-JP-MS), else what
 * iconv knows.  Japanese legacy text is decoded with Microsoft's table
 * (1-33 WAVE DASH -> U+FF5E, 1-61 minus -> U+FF0D, ...) whichever the
 * label, so the same character arrives the same way and round-trips to
 * CP932 on the LGWAN terminals.  A label that does not decode the bytes
 * falls back to textenc_to_utf8.  *used names the decoder.
 */
char *textenc_decode_label(const char *label, const unsigned char *buf, size_t len,
			   const char **used);

/*
 * Clean UTF-8 text in place: CRLF and CR become LF; C0 controls other than
 * tab and newline, DEL, C1 controls, BOMs and bidirectional overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069) are removed.  Returns the new length.
 */
size_t textenc_clean(char *s, size_t len);

struct filter_limits;
struct filter_result;
/* write text (len bytes) to out.txt (or name) under the output cap; 1 when
 * written, 0 with res set otherwise (filters/text.c) */
int text_write_output(int out_dir_fd, const char *text, size_t len,
		      const struct filter_limits *lim, struct filter_result *res);
int text_write_output_as(int out_dir_fd, const char *name, const char *text, size_t len,
			 const struct filter_limits *lim, struct filter_result *res);
/* The text filter's work on bytes already read: decoded (textenc_to_utf8),
 * cleaned (textenc_clean) and written as name; 1 with res FILTER_OK "text
 * from ENC" (and *encp = ENC when encp is not NULL), 0 with res BLOCKED
 * or FAILED.  mime-unpack runs it on a text part so that mugaid needs no
 * text filter run of its own for it. */
int text_convert(const unsigned char *buf, size_t len, int out_dir_fd, const char *name,
		 const struct filter_limits *lim, struct filter_result *res, const char **encp);

/* HTML (UTF-8) to plain text for a mail body: scripts, styles and active
 * elements dropped, each link's target shown after its text, and every
 * URL made non-clickable (hxxp://, www[.]); appended to out (a GString).
 * -1 when the text would pass max bytes or the document is too large.
 * (filters/html_text.c) */
int html_text_convert(const char *utf8, size_t len, uint64_t max, GString *out);

#endif
