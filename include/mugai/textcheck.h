/*
 * textcheck.h - is a buffer text as the text filter writes it?  For mugaid,
 * which takes a text part's conversion from mime-unpack (the process that
 * parsed the whole message) and must not release anything else under a
 * text name.  libc only (libmugai_util).
 */
#ifndef MUGAI_TEXTCHECK_H
#define MUGAI_TEXTCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* true when s (len bytes) is what textenc_clean leaves: valid UTF-8 in its
 * shortest form (no surrogates, nothing above U+10FFFF), no NUL, no C0
 * control but tab and newline, no DEL, no C1 control, no BOM, no LRM/RLM,
 * no bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069) */
bool textcheck_clean(const char *s, size_t len);

/* the same of the whole file fd (read from offset 0 in blocks of
 * TEXTCHECK_BLOCK, whatever its size: no more memory than that) */
#define TEXTCHECK_BLOCK (64 * 1024)
bool textcheck_clean_fd(int fd);

/* the most UTF-8 bytes the text filter makes of one byte it reads
 * (filters/textenc.c: a half-width katakana, one byte in CP932 or
 * ISO-2022-JP, is three; UTF-16 and EUC-JP make at most 1.5 of one):
 * a longer text is not the conversion of its member */
#define TEXTCHECK_MAX_GROWTH 3

#endif
