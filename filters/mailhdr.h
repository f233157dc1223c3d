/*
 * mailhdr.h - MIME header values as Japanese mail really writes them:
 * RFC 2047 encoded words (also inside quoted parameters, as Outlook does),
 * RFC 2231 parameters with continuations (split anywhere, even inside a
 * character: the bytes are joined before they are decoded), raw 8-bit
 * CP932 or EUC-JP bytes.  Every charset goes through textenc_decode_label,
 * so ISO-2022-JP names keep their NEC/IBM characters.  Pure functions over
 * bounded strings; used by mime-unpack and mime-repack.
 */
#ifndef MUGAI_MAILHDR_H
#define MUGAI_MAILHDR_H

#include <stddef.h>

/* header values longer than this are refused (mime-unpack: header-too-long) */
#define MAILHDR_VALUE_MAX (64 * 1024)
/* at most this many parameters, and RFC 2231 sections per parameter */
#define MAILHDR_PARAMS_MAX 64
#define MAILHDR_SECTIONS_MAX 128
/* a file name is cut (at a character boundary) to this many bytes */
#define MAILHDR_NAME_MAX 255

/* Unfold (CRLF + WSP -> WSP) and trim a raw header value: new string. */
char *mailhdr_unfold(const char *raw);

/*
 * Decode RFC 2047 encoded words in an unstructured value (Subject, or a
 * parameter value that carries them); text between adjacent encoded words
 * that is only white space is dropped, and adjacent words in the same
 * charset are joined as bytes before decoding.  Raw 8-bit text is decoded
 * as UTF-8, else CP932/EUC-JP.  Never NULL: undecodable bytes become U+FFFD.
 */
char *mailhdr_decode_words(const char *value);

/*
 * Parse a Content-Type or Content-Disposition value: *type receives the
 * lower-cased first token ("text/plain", "attachment"), or NULL.  The value
 * of parameter `param` (e.g. "filename", "name", "charset", "boundary") is
 * returned decoded to UTF-8 (RFC 2231 first, then the plain parameter with
 * RFC 2047 words or raw bytes), or NULL when absent.
 */
char *mailhdr_param(const char *value, const char *param, char **type);

/* A file name safe to show and to release under: the last path component,
 * no control, bidi or NUL characters, at most MAILHDR_NAME_MAX bytes,
 * trimmed; NULL when nothing is left. */
char *mailhdr_safe_name(const char *name);

/* RFC 2047 B-encode UTF-8 text as "=?UTF-8?B?...?=" words (each at most
 * 75 characters, split at character boundaries, joined by " "). */
char *mailhdr_encode_words(const char *utf8);

/* RFC 2231 value UTF-8''%XX... (attribute-chars kept as they are). */
char *mailhdr_encode_2231(const char *utf8);

#endif
