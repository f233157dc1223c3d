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
/*
 * ISO-2022-JP as mail really carries it (the CP50220-style superset): the
 * JIS X 0208 rows NEC and IBM added (row 13: circled digits such as U+2460,
 * rows 89-92), JIS X 0201 katakana (ESC ( I, and SO/SI), JIS X 0212 (ESC $ ( D).
 * glibc's ISO-2022-JP knows none of the extensions, so each 2-byte run is
 * turned into Shift_JIS and decoded as CP932, whose table has them all and
 * maps 1-33 to U+FF5E like every other legacy decoder here.  8-bit bytes
 * (Shift_JIS mislabelled ISO-2022-JP) are CP932 bytes as they stand.
 * NULL when a byte sequence is invalid.
 */
#define TEXTENC_ASCII 0
#define TEXTENC_JIS0208 1
#define TEXTENC_KANA 2
#define TEXTENC_JIS0212 3

static int textenc_flush(GString *out, GString *sjis)
{
	char *u;

	if (sjis->len == 0)
		return 0;
	u = textenc_convert((const unsigned char *)sjis->str, sjis->len, "CP932");
	g_string_truncate(sjis, 0);
	if (u == NULL)
		return -1;
	g_string_append(out, u);
	g_free(u);
	return 0;
}

char *textenc_iso2022jp(const unsigned char *buf, size_t len)
{
	GString *out = g_string_sized_new(len + len / 2), *sjis = g_string_new(NULL);
	int mode = TEXTENC_ASCII, shifted = 0;
	size_t i = 0;

	while (i < len) {
		unsigned char c = buf[i];

		if (c == 0x1b) {
			const unsigned char *e = buf + i + 1;
			size_t left = len - i - 1;

			if (left >= 2 && e[0] == '(' && (e[1] == 'B' || e[1] == 'J')) {
				mode = TEXTENC_ASCII, i += 3;
			} else if (left >= 2 && e[0] == '(' && e[1] == 'I') {
				mode = TEXTENC_KANA, i += 3;
			} else if (left >= 2 && e[0] == '$' && (e[1] == 'B' || e[1] == '@')) {
				mode = TEXTENC_JIS0208, i += 3;
			} else if (left >= 3 && e[0] == '$' && e[1] == '(' && e[2] == 'D') {
				mode = TEXTENC_JIS0212, i += 4;
			} else if (left >= 3 && e[0] == '&' && e[1] == '@' && e[2] == 0x1b) {
				i += 3; /* JIS X 0208-1990 announcer: the ESC $ B follows */
			} else {
				goto bad; /* another character set: not Japanese mail */
			}
			continue;
		}
		if (c == 0x0e || c == 0x0f) { /* SO/SI: katakana shift (CP50221) */
			shifted = c == 0x0e;
			i++;
			continue;
		}
		if (c < 0x21 || c == 0x7f || c >= 0x80 || (mode == TEXTENC_ASCII && !shifted)) {
			/* controls and line ends pass in any mode; 8-bit bytes are CP932 */
			g_string_append_c(sjis, (char)c);
			i++;
			continue;
		}
		if (mode == TEXTENC_KANA || shifted) {
			if (c > 0x5f)
				goto bad;
			g_string_append_c(sjis, (char)(c + 0x80));
			i++;
			continue;
		}
		if (i + 1 >= len || buf[i + 1] < 0x21 || buf[i + 1] > 0x7e)
			goto bad;
		if (mode == TEXTENC_JIS0212) {
			unsigned char euc[3] = { 0x8f, (unsigned char)(c | 0x80),
						 (unsigned char)(buf[i + 1] | 0x80) };
			char *u;

			if (textenc_flush(out, sjis) != 0)
				goto bad;
			u = textenc_convert(euc, 3, "EUC-JP");
			if (u == NULL)
				goto bad;
			g_string_append(out, u);
			g_free(u);
		} else {
			unsigned c1 = c, c2 = buf[i + 1];
			unsigned s1 = ((c1 + 1) >> 1) + (c1 <= 0x5e ? 0x70 : 0xb0);
			unsigned s2 = (c1 & 1) ? c2 + (c2 >= 0x60 ? 0x20 : 0x1f) : c2 + 0x7e;

			g_string_append_c(sjis, (char)s1);
			g_string_append_c(sjis, (char)s2);
		}
		i += 2;
	}
	if (textenc_flush(out, sjis) != 0)
		goto bad;
	g_string_free(sjis, TRUE);
	return g_string_free(out, FALSE);
bad:
	g_string_free(sjis, TRUE);
	g_string_free(out, TRUE);
	return NULL;
}

static const char *const textenc_sjis_labels[] = {
	"shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "cp932", "windows-31j",
	"csshiftjis", "x-ms-cp932", "ms932", "csWindows31J", NULL,
};

static int textenc_label_in(const char *label, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (g_ascii_strcasecmp(label, list[i]) == 0)
			return 1;
	return 0;
}

char *textenc_decode_label(const char *label, const unsigned char *buf, size_t len,
			   const char **used)
{
	char *u = NULL;

	if (label != NULL && label[0] == '\0')
		label = NULL;
	if (label == NULL || g_ascii_strcasecmp(label, "us-ascii") == 0 ||
	    g_ascii_strcasecmp(label, "utf-8") == 0 || g_ascii_strcasecmp(label, "utf8") == 0) {
		/* unlabelled, or labelled ASCII/UTF-8 but not: what it really is */
		return textenc_to_utf8(buf, len, used);
	}
	if (g_ascii_strncasecmp(label, "iso-2022-jp", 11) == 0 ||
	    g_ascii_strcasecmp(label, "csiso2022jp") == 0 ||
	    g_ascii_strncasecmp(label, "cp5022", 6) == 0) {
		*used = "ISO-2022-JP (CP50220)";
		u = textenc_iso2022jp(buf, len);
	} else if (textenc_label_in(label, textenc_sjis_labels)) {
		*used = "CP932";
		u = textenc_convert(buf, len, "CP932");
	} else if (g_ascii_strcasecmp(label, "euc-jp") == 0 ||
		   g_ascii_strcasecmp(label, "x-euc-jp") == 0 ||
		   g_ascii_strcasecmp(label, "cseucpkdfmtjapanese") == 0) {
		*used = "EUC-JP-MS";
		u = textenc_convert(buf, len, "EUC-JP-MS");
	} else if (g_ascii_strcasecmp(label, "iso-8859-1") == 0 ||
		   g_ascii_strcasecmp(label, "latin1") == 0) {
		*used = "WINDOWS-1252";
		u = textenc_convert(buf, len, "WINDOWS-1252");
	} else {
		*used = label;
		u = textenc_convert(buf, len, label);
	}
	/* a wrong label (Shift_JIS sent as ISO-2022-JP, ...): what the bytes are */
	if (u == NULL)
		u = textenc_to_utf8(buf, len, used);
	return u;
}

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
		return textenc_iso2022jp(buf, len);
	}
	if (g_utf8_validate((const char *)buf, (gssize)len, NULL)) {
		*enc = "UTF-8";
		return g_strndup((const char *)buf, len);
	}
	a = textenc_convert(buf, len, "CP932");
	b = textenc_convert(buf, len, "EUC-JP-MS");
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
			/* the character the lead byte announces, exactly: a byte
			 * that starts none (a stray continuation byte, even right
			 * after a valid character) goes alone */
			const char *p = s + r;
			size_t clen = (size_t)g_utf8_skip[c];
			gunichar u;

			if (clen > len - r)
				clen = len - r;
			u = g_utf8_get_char_validated(p, (gssize)clen);
			if (u == (gunichar)-1 || u == (gunichar)-2) {
				r++;
				continue;
			}
			if ((u >= 0x80 && u <= 0x9f) ||
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
