/* mailhdr.c - RFC 2047 / RFC 2231 header values, Japanese-mail tolerant */
#include "mailhdr.h"
#include "textenc.h"

#include <glib.h>
#include <string.h>

#define MAILHDR_CHARSET_MAX 64
#define MAILHDR_COMMENT_DEPTH 16

char *mailhdr_unfold(const char *raw)
{
	GString *s = g_string_new(NULL);

	for (const char *p = raw; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue; /* a folded line goes on with its white space */
		g_string_append_c(s, *p);
	}
	while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '\t'))
		g_string_truncate(s, s->len - 1);
	{
		size_t lead = strspn(s->str, " \t");

		g_string_erase(s, 0, (gssize)lead);
	}
	return g_string_free(s, FALSE);
}

/* bytes (any encoding) to UTF-8: as they are when UTF-8, else detected
 * (ISO-2022-JP escapes, CP932, EUC-JP), else made valid */
static char *mailhdr_raw_utf8(const char *b, size_t len, const char *charset)
{
	const char *used = NULL;
	char *u;

	if (charset != NULL && charset[0] != '\0')
		u = textenc_decode_label(charset, (const unsigned char *)b, len, &used);
	else if (memchr(b, 0x1b, len) == NULL && g_utf8_validate(b, (gssize)len, NULL))
		return g_strndup(b, len);
	else
		u = textenc_to_utf8((const unsigned char *)b, len, &used);
	if (u != NULL)
		return u;
	return g_utf8_make_valid(b, (gssize)len);
}

static int mailhdr_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* one encoded word at p: charset and decoded bytes; returns its length, 0
 * when p does not start a well-formed word */
static size_t mailhdr_word(const char *p, char *charset, GString *bytes)
{
	const char *q = p + 2, *cs, *text, *end;
	char enc;

	if (p[0] != '=' || p[1] != '?')
		return 0;
	cs = q;
	while (*q != '\0' && *q != '?' && *q != ' ' && (size_t)(q - cs) < MAILHDR_CHARSET_MAX)
		q++;
	if (*q != '?' || q == cs)
		return 0;
	{
		size_t n = (size_t)(q - cs);
		const char *star = memchr(cs, '*', n); /* RFC 2231 language suffix */

		if (star != NULL)
			n = (size_t)(star - cs);
		memcpy(charset, cs, n);
		charset[n] = '\0';
	}
	enc = q[1];
	if ((enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') || q[2] != '?')
		return 0;
	text = q + 3;
	end = strstr(text, "?=");
	if (end == NULL || memchr(text, ' ', (size_t)(end - text)) != NULL)
		return 0;
	if (enc == 'B' || enc == 'b') {
		gint state = 0;
		guint save = 0;
		size_t n = (size_t)(end - text);
		size_t old = bytes->len;

		g_string_set_size(bytes, old + n * 3 / 4 + 3);
		n = g_base64_decode_step(text, n, (guchar *)bytes->str + old, &state, &save);
		g_string_set_size(bytes, old + n);
	} else {
		for (const char *r = text; r < end; r++) {
			int h, l;

			if (*r == '_') {
				g_string_append_c(bytes, ' ');
			} else if (*r == '=' && r + 2 < end && (h = mailhdr_hex(r[1])) >= 0 &&
				   (l = mailhdr_hex(r[2])) >= 0) {
				g_string_append_c(bytes, (char)(h * 16 + l));
				r += 2;
			} else {
				g_string_append_c(bytes, *r);
			}
		}
	}
	return (size_t)(end + 2 - p);
}

static void mailhdr_flush(GString *out, GString *pend, char *pend_cs)
{
	char *u;

	if (pend->len == 0)
		return;
	u = mailhdr_raw_utf8(pend->str, pend->len, pend_cs);
	g_string_append(out, u);
	g_free(u);
	g_string_truncate(pend, 0);
	pend_cs[0] = '\0';
}

char *mailhdr_decode_words(const char *value)
{
	GString *out = g_string_new(NULL), *pend = g_string_new(NULL);
	GString *word = g_string_new(NULL), *lit = g_string_new(NULL);
	char pend_cs[MAILHDR_CHARSET_MAX + 1] = "", cs[MAILHDR_CHARSET_MAX + 1];
	const char *p = value;
	int last_word = 0;

	while (*p != '\0') {
		size_t n;

		g_string_truncate(word, 0);
		n = mailhdr_word(p, cs, word);
		if (n == 0) {
			g_string_append_c(lit, *p++);
			continue;
		}
		/* white space between two encoded words is not text */
		if (!last_word || strspn(lit->str, " \t") != lit->len) {
			char *u = mailhdr_raw_utf8(lit->str, lit->len, NULL);

			mailhdr_flush(out, pend, pend_cs);
			g_string_append(out, u);
			g_free(u);
		}
		g_string_truncate(lit, 0);
		/* adjacent words in one charset are joined as bytes: a character
		 * split between two words decodes whole */
		if (g_ascii_strcasecmp(cs, pend_cs) != 0)
			mailhdr_flush(out, pend, pend_cs);
		g_strlcpy(pend_cs, cs, sizeof(pend_cs));
		g_string_append_len(pend, word->str, (gssize)word->len);
		last_word = 1;
		p += n;
	}
	mailhdr_flush(out, pend, pend_cs);
	if (lit->len > 0) {
		char *u = mailhdr_raw_utf8(lit->str, lit->len, NULL);

		g_string_append(out, u);
		g_free(u);
	}
	g_string_free(pend, TRUE);
	g_string_free(word, TRUE);
	g_string_free(lit, TRUE);
	return g_string_free(out, FALSE);
}

/* skip white space and (nested, bounded) comments */
static const char *mailhdr_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		{
			int depth = 0;

			do {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(' && ++depth > MAILHDR_COMMENT_DEPTH)
					return p + strlen(p);
				else if (*p == ')')
					depth--;
				p++;
			} while (*p != '\0' && depth > 0);
		}
	}
}

static int mailhdr_sjis_lead(unsigned char c)
{
	return (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
}

static const char *mailhdr_quoted_pass(const char *p, GString *v, int sjis)
{
	int trail = 0;

	while (*p != '\0' && (*p != '"' || trail)) {
		if (trail) {
			trail = 0;
		} else if (sjis && mailhdr_sjis_lead((unsigned char)*p)) {
			trail = 1;
		} else if (*p == '\\' && p[1] != '\0') {
			p++;
		}
		g_string_append_c(v, *p++);
	}
	return *p == '"' ? p + 1 : p;
}

/* a quoted string at p (after the quote); the unquoted bytes into v.
 * Raw Shift_JIS puts 0x5C ("\") and 0x22 never, but 0x5C often, in trail
 * bytes (予 = 0x97 0x5C): when the text read with escapes is not UTF-8, it
 * is read again with a backslash after a lead byte kept as a trail byte. */
static const char *mailhdr_quoted(const char *p, GString *v)
{
	size_t start = v->len;
	const char *end = mailhdr_quoted_pass(p, v, 0);
	int high = 0;

	for (size_t i = start; i < v->len; i++)
		high |= (unsigned char)v->str[i] >= 0x80;
	if (!high || g_utf8_validate(v->str + start, (gssize)(v->len - start), NULL))
		return end;
	g_string_truncate(v, start);
	return mailhdr_quoted_pass(p, v, 1);
}

struct mailhdr_section {
	GString *bytes;
	int encoded;
};

static void mailhdr_pct(GString *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int h, l;

		if (s[i] == '%' && i + 2 < n && (h = mailhdr_hex(s[i + 1])) >= 0 &&
		    (l = mailhdr_hex(s[i + 2])) >= 0) {
			g_string_append_c(out, (char)(h * 16 + l));
			i += 2;
		} else {
			g_string_append_c(out, s[i]);
		}
	}
}

/* the RFC 2231 value from its sections: charset'lang' then the bytes */
static char *mailhdr_join_2231(struct mailhdr_section *sec, unsigned n)
{
	GString *all = g_string_new(NULL);
	char charset[MAILHDR_CHARSET_MAX + 1] = "";
	char *u;

	for (unsigned i = 0; i < n && sec[i].bytes != NULL; i++) {
		const char *s = sec[i].bytes->str;
		size_t len = sec[i].bytes->len;

		if (i == 0 && sec[i].encoded) {
			const char *q1 = memchr(s, '\'', len);
			const char *q2 = q1 != NULL ? memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - s)) : NULL;

			if (q2 != NULL) {
				size_t cl = (size_t)(q1 - s);

				if (cl <= MAILHDR_CHARSET_MAX) {
					memcpy(charset, s, cl);
					charset[cl] = '\0';
				}
				len -= (size_t)(q2 + 1 - s);
				s = q2 + 1;
			}
		}
		if (sec[i].encoded)
			mailhdr_pct(all, s, len);
		else
			g_string_append_len(all, s, (gssize)len);
	}
	u = mailhdr_raw_utf8(all->str, all->len, charset);
	g_string_free(all, TRUE);
	return u;
}

char *mailhdr_param(const char *value, const char *param, char **type)
{
	struct mailhdr_section sec[MAILHDR_SECTIONS_MAX];
	size_t plen = strlen(param);
	const char *p = mailhdr_cfws(value);
	GString *t = g_string_new(NULL), *plain = NULL;
	unsigned nparams = 0;
	char *result = NULL;
	int have_2231 = 0;

	memset(sec, 0, sizeof(sec));
	while (*p != '\0' && *p != ';') {
		if (*p == '(') {
			p = mailhdr_cfws(p);
			continue;
		}
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			g_string_append_c(t, g_ascii_tolower(*p));
		p++;
	}
	if (type != NULL)
		*type = t->len > 0 ? g_strdup(t->str) : NULL;
	g_string_free(t, TRUE);
	while (*p == ';' && nparams++ < MAILHDR_PARAMS_MAX) {
		const char *a, *ae;
		GString *v = g_string_new(NULL);

		p = mailhdr_cfws(p + 1);
		a = p;
		while (*p != '\0' && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		ae = p;
		p = mailhdr_cfws(p);
		if (*p != '=') {
			g_string_free(v, TRUE);
			while (*p != '\0' && *p != ';')
				p++;
			continue;
		}
		p = mailhdr_cfws(p + 1);
		if (*p == '"') {
			p = mailhdr_quoted(p + 1, v);
			while (*p != '\0' && *p != ';')
				p++;
		} else {
			while (*p != '\0' && *p != ';')
				g_string_append_c(v, *p++);
			while (v->len > 0 && (v->str[v->len - 1] == ' ' || v->str[v->len - 1] == '\t'))
				g_string_truncate(v, v->len - 1);
		}
		if ((size_t)(ae - a) >= plen && g_ascii_strncasecmp(a, param, plen) == 0) {
			const char *suf = a + plen;
			size_t sl = (size_t)(ae - suf);

			if (sl == 0) {
				if (plain == NULL) {
					plain = v;
					v = NULL;
				}
			} else if (suf[0] == '*') {
				unsigned idx = 0;
				int enc = 0, ok = 1;
				const char *q = suf + 1;

				if (sl == 1) {
					enc = 1;
				} else {
					int digits = 0;

					while (q < ae && g_ascii_isdigit(*q) && digits < 4) {
						idx = idx * 10 + (unsigned)(*q - '0');
						q++, digits++;
					}
					if (digits == 0)
						ok = 0;
					if (q < ae && *q == '*')
						enc = 1, q++;
					if (q != ae)
						ok = 0;
				}
				if (ok && idx < MAILHDR_SECTIONS_MAX && sec[idx].bytes == NULL) {
					sec[idx].bytes = v;
					sec[idx].encoded = enc;
					v = NULL;
					have_2231 = 1;
				}
			}
		}
		if (v != NULL)
			g_string_free(v, TRUE);
	}
	if (have_2231 && sec[0].bytes != NULL)
		result = mailhdr_join_2231(sec, MAILHDR_SECTIONS_MAX);
	else if (plain != NULL) {
		if (strstr(plain->str, "=?") != NULL)
			result = mailhdr_decode_words(plain->str);
		else
			result = mailhdr_raw_utf8(plain->str, plain->len, NULL);
	}
	for (unsigned i = 0; i < MAILHDR_SECTIONS_MAX; i++)
		if (sec[i].bytes != NULL)
			g_string_free(sec[i].bytes, TRUE);
	if (plain != NULL)
		g_string_free(plain, TRUE);
	return result;
}

char *mailhdr_safe_name(const char *name)
{
	GString *s = g_string_new(NULL);
	char *v = g_utf8_make_valid(name, -1);
	const char *base = v;

	for (const char *p = v; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (const char *p = base; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);

		if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || u == 0xfeff ||
		    (u >= 0x200b && u <= 0x200f) || (u >= 0x202a && u <= 0x202e) ||
		    (u >= 0x2066 && u <= 0x2069))
			continue;
		if (u == ':' || u == '*' || u == '?' || u == '"' || u == '<' || u == '>' || u == '|')
			u = '_';
		g_string_append_unichar(s, u);
	}
	g_free(v);
	while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '.'))
		g_string_truncate(s, s->len - 1);
	while (s->len > 0 && s->str[0] == ' ')
		g_string_erase(s, 0, 1);
	if (s->len > MAILHDR_NAME_MAX) {
		const char *dot = strrchr(s->str, '.');
		size_t ext = dot != NULL && strlen(dot) <= 16 ? strlen(dot) : 0;
		size_t keep = MAILHDR_NAME_MAX - ext;
		char *cut;

		while (keep > 0 && (s->str[keep] & 0xc0) == 0x80)
			keep--;
		cut = g_strdup_printf("%.*s%s", (int)keep, s->str, ext ? dot : "");
		g_string_assign(s, cut);
		g_free(cut);
	}
	if (s->len == 0 || strcmp(s->str, ".") == 0 || strcmp(s->str, "..") == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

char *mailhdr_encode_words(const char *utf8)
{
	GString *out = g_string_new(NULL);
	const char *p = utf8;
	const size_t chunk = 45; /* 60 base64 characters: a word of 72 */

	while (*p != '\0') {
		const char *q = p;
		char *b;

		while (*q != '\0') {
			const char *n = g_utf8_next_char(q);

			if ((size_t)(n - p) > chunk && q > p)
				break;
			q = n;
		}
		b = g_base64_encode((const guchar *)p, (gsize)(q - p));
		if (out->len > 0)
			g_string_append_c(out, ' ');
		g_string_append_printf(out, "=?UTF-8?B?%s?=", b);
		g_free(b);
		p = q;
	}
	return g_string_free(out, FALSE);
}

char *mailhdr_encode_2231(const char *utf8)
{
	GString *out = g_string_new("UTF-8''");

	for (const unsigned char *p = (const unsigned char *)utf8; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			g_string_append_c(out, (char)*p);
		else
			g_string_append_printf(out, "%%%02X", *p);
	}
	return g_string_free(out, FALSE);
}
