/* textenc.h - encoding detection and clean-up shared by the text filters */
#ifndef MUGAI_TEXTENC_H
#define MUGAI_TEXTENC_H

#include <stddef.h>

/*
 * Decode buf (BOM, UTF-8, ISO-2022-JP, CP932, EUC-JP, UTF-16 by BOM) into a
 * new NUL-terminated UTF-8 string.  *enc receives the name of the encoding
 * that was used.  NULL when no candidate decodes the bytes.
 */
char *textenc_to_utf8(const unsigned char *buf, size_t len, const char **enc);

/*
 * Clean UTF-8 text in place: CRLF and CR become LF; C0 controls other than
 * tab and newline, DEL, C1 controls, BOMs and bidirectional overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069) are removed.  Returns the new length.
 */
size_t textenc_clean(char *s, size_t len);

struct filter_limits;
struct filter_result;
/* write text (len bytes) to out.txt under the output cap; 1 when written,
 * 0 with res set otherwise (filters/text.c) */
int text_write_output(int out_dir_fd, const char *text, size_t len,
		      const struct filter_limits *lim, struct filter_result *res);

#endif
