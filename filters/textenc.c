/* textenc.c - Japanese-aware encoding detection, UTF-8 normalisation */
#include "textenc.h"

#include <glib.h>
#include <string.h>

static char *textenc_convert(const unsigned char *buf, size_t len, const char *from)
{
	gsize rd = 0, wr = 0;
	GError *err = NULL;
	char *out = g_convert((const char *)buf, (gssize)len, "UTF-8", from, &rd, &wr, &err);

	if (out == NULL) {
		g_error_free(err);
		return NULL;
	}
	if (rd != len || !g_utf8_validate(out, (gssize)wr, NULL)) {
		g_free(out);
		return NULL;
	}
	return out;
}

/* How Japanese-looking a UTF-8 string is: kana and CJK ideographs count,
 * half-width katakana and rare symbols count against. */
static long textenc_score(const char *s)
{
	long score = 0;

	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x4e00 && c <= 0x9fff) ||
		    (c >= 0x3000 && c <= 0x303f) || (c >= 0xff01 && c <= 0xff5e))
			score += 2;
		else if (c >= 0xff61 && c <= 0xff9f)
			score -= 1; /* half-width katakana: what EUC-JP looks like as CP932 */
		else if (c < 0x80)
			;
		else
			score -= 2;
	}
	return score;
}

static int textenc_is_iso2022jp(const unsigned char *buf, size_t len)
{
	int esc = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] >= 0x80)
			return 0;
		if (buf[i] == 0x1b && i + 2 < len &&
		    ((buf[i + 1] == '$' && (buf[i + 2] == 'B' || buf[i + 2] == '@')) ||
		     (buf[i + 1] == '(' && (buf[i + 2] == 'J' || buf[i + 2] == 'B'))))
			esc = 1;
	}
	return esc;
}

char *textenc_to_utf8(const unsigned char *buf, size_t len, const char **enc)
{
	char *a, *b;

	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
		*enc = "UTF-8";
		if (!g_utf8_validate((const char *)buf + 3, (gssize)len - 3, NULL))
			return NULL;
		return g_strndup((const char *)buf + 3, len - 3);
	}
	if (len >= 4 && buf[0] == 0xff && buf[1] == 0xfe && buf[2] == 0 && buf[3] == 0) {
		*enc = "UTF-32LE";
		return textenc_convert(buf + 4, len - 4, "UTF-32LE");
	}
	if (len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0xfe && buf[3] == 0xff) {
		*enc = "UTF-32BE";
		return textenc_convert(buf + 4, len - 4, "UTF-32BE");
	}
	if (len >= 2 && buf[0] == 0xff && buf[1] == 0xfe) {
		*enc = "UTF-16LE";
		return textenc_convert(buf + 2, len - 2, "UTF-16LE");
	}
	if (len >= 2 && buf[0] == 0xfe && buf[1] == 0xff) {
		*enc = "UTF-16BE";
		return textenc_convert(buf + 2, len - 2, "UTF-16BE");
	}
	if (memchr(buf, 0, len) != NULL)
		return NULL; /* NUL bytes without a BOM: binary, not text */
	/* ISO-2022-JP is 7-bit, so valid UTF-8 too: its escapes decide first */
	if (textenc_is_iso2022jp(buf, len)) {
		*enc = "ISO-2022-JP";
		return textenc_convert(buf, len, "ISO-2022-JP");
	}
	if (g_utf8_validate((const char *)buf, (gssize)len, NULL)) {
		*enc = "UTF-8";
		return g_strndup((const char *)buf, len);
	}
	a = textenc_convert(buf, len, "CP932");
	b = textenc_convert(buf, len, "EUC-JP");
	if (a != NULL && b != NULL) {
		/* both decode: keep the more Japanese-looking; CP932 on a tie */
		if (textenc_score(b) > textenc_score(a)) {
			g_free(a);
			*enc = "EUC-JP";
			return b;
		}
		g_free(b);
		*enc = "CP932";
		return a;
	}
	if (a != NULL) {
		*enc = "CP932";
		return a;
	}
	if (b != NULL) {
		*enc = "EUC-JP";
		return b;
	}
	return NULL;
}

size_t textenc_clean(char *s, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		unsigned char c = (unsigned char)s[r];

		if (c == '\r') {
			s[w++] = '\n';
			r += (r + 1 < len && s[r + 1] == '\n') ? 2 : 1;
			continue;
		}
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
				r++;
				continue;
			}
			s[w++] = (char)c;
			r++;
			continue;
		}
		{
			const char *p = s + r;
			const char *next = g_utf8_find_next_char(p, s + len);
			size_t clen = next != NULL ? (size_t)(next - p) : len - r;
			gunichar u = g_utf8_get_char_validated(p, (gssize)clen);

			if (u == (gunichar)-1 || u == (gunichar)-2 || (u >= 0x80 && u <= 0x9f) ||
			    (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) ||
			    u == 0xfeff || (u >= 0x200e && u <= 0x200f)) {
				r += clen;
				continue;
			}
			memmove(s + w, p, clen);
			w += clen;
			r += clen;
		}
	}
	s[w] = '\0';
	return w;
}
