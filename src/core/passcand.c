/* passcand.c - password candidates from the text of a mail (PPAP) */
#include "mugai/passcand.h"

#include <glib.h>
#include <string.h>

/* labels, matched on the text with full-width ASCII folded to ASCII and
 * lower-cased; ASCII ones only at a word boundary */
static const char *const passcand_labels[] = {
	"解凍パスワード", "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "パスコード", "暗証番号", "解凍キー",
	"password", "passwd", "passcode", "pass", "pwd", "pw", NULL,
};

/* full-width ASCII (U+FF01-U+FF5E) and the ideographic space folded:
 * every folded character keeps a map back to its byte in the original */
struct passcand_text {
	GString *s;      /* folded, lower-cased ASCII */
	GArray *orig;    /* offset in the original of each byte of s */
};

static void passcand_fold(struct passcand_text *t, const char *text, size_t len)
{
	const char *end = text + len;

	t->s = g_string_sized_new(len);
	t->orig = g_array_sized_new(FALSE, FALSE, sizeof(size_t), (guint)len);
	for (const char *p = text; p < end;) {
		const char *n = g_utf8_find_next_char(p, end);
		size_t off = (size_t)(p - text), cl = n != NULL ? (size_t)(n - p) : (size_t)(end - p);
		gunichar u = g_utf8_get_char_validated(p, (gssize)cl);

		if (u >= 0xff01 && u <= 0xff5e)
			u -= 0xfee0;
		else if (u == 0x3000)
			u = ' ';
		if (u < 0x80 && u != (gunichar)-1 && u != (gunichar)-2) {
			g_string_append_c(t->s, g_ascii_tolower((char)u));
			g_array_append_val(t->orig, off);
		} else {
			for (size_t i = 0; i < cl; i++) {
				size_t o = off + i;

				g_string_append_c(t->s, p[i]);
				g_array_append_val(t->orig, o);
			}
		}
		p += cl;
	}
}

static int passcand_space(const char *p)
{
	return *p == ' ' || *p == '\t';
}

/* the limits in force: 0 or over the ceiling is the ceiling */
static unsigned passcand_max(const struct passcand *pc)
{
	return pc->lim.max == 0 || pc->lim.max > PASSCAND_MAX ? PASSCAND_MAX : pc->lim.max;
}

static size_t passcand_len_max(const struct passcand *pc)
{
	return pc->lim.len_max == 0 || pc->lim.len_max > PASSCAND_LEN_MAX ? PASSCAND_LEN_MAX
									 : pc->lim.len_max;
}

static size_t passcand_scan_max(const struct passcand *pc)
{
	return pc->lim.scan_max == 0 || pc->lim.scan_max > PASSCAND_SCAN_MAX ? PASSCAND_SCAN_MAX
									     : pc->lim.scan_max;
}

static void passcand_add(struct passcand *pc, const char *v, size_t len)
{
	if (len == 0 || len > passcand_len_max(pc) || pc->n >= passcand_max(pc) ||
	    !g_utf8_validate(v, (gssize)len, NULL))
		return;
	for (unsigned i = 0; i < pc->n; i++)
		if (strlen(pc->v[i]) == len && memcmp(pc->v[i], v, len) == 0)
			return;
	memcpy(pc->v[pc->n], v, len);
	pc->v[pc->n][len] = '\0';
	pc->n++;
}

/* quotes and brackets around a value, and a polite ending after it */
static const char *const passcand_open[] = { "「", "『", "【", "\"", "'", "(", "（", "<", "＜", NULL };
static const char *const passcand_close[] = { "」", "』", "】", "\"", "'", ")", "）", ">", "＞", NULL };
static const char *const passcand_tail[] = { "です。", "です", "。", "、", NULL };

/* one value: the original text from a to b (a line's rest), trimmed */
static void passcand_value(struct passcand *pc, const char *a, const char *b)
{
	int changed = 1;

	while (changed && a < b) {
		changed = 0;
		while (a < b && (passcand_space(a) ||
				 (b - a >= 3 && memcmp(a, "\xe3\x80\x80", 3) == 0)))
			a += *a == ' ' || *a == '\t' ? 1 : 3;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		while (b - a >= 3 && memcmp(b - 3, "\xe3\x80\x80", 3) == 0)
			b -= 3, changed = 1;
		for (size_t i = 0; passcand_tail[i] != NULL; i++) {
			size_t tl = strlen(passcand_tail[i]);

			if ((size_t)(b - a) > tl && memcmp(b - tl, passcand_tail[i], tl) == 0) {
				b -= tl;
				changed = 1;
				break;
			}
		}
		for (size_t i = 0; passcand_open[i] != NULL; i++) {
			size_t ol = strlen(passcand_open[i]), cl = strlen(passcand_close[i]);

			if ((size_t)(b - a) >= ol + cl + 1 && memcmp(a, passcand_open[i], ol) == 0 &&
			    memcmp(b - cl, passcand_close[i], cl) == 0) {
				a += ol;
				b -= cl;
				changed = 1;
				break;
			}
		}
	}
	if (a >= b || memchr(a, ' ', (size_t)(b - a)) != NULL ||
	    (size_t)(b - a) > passcand_len_max(pc))
		return; /* a sentence, not a password */
	{
		/* ＡＢＣ１２３ is most likely typed as ABC123 */
		GString *h = g_string_new(NULL);
		int ascii = 0;

		for (const char *p = a; p < b; p = g_utf8_next_char(p)) {
			gunichar u = g_utf8_get_char(p);

			if (u >= 0xff01 && u <= 0xff5e)
				u -= 0xfee0;
			ascii |= u > 0x20 && u < 0x7f;
			g_string_append_unichar(h, u);
		}
		/* "パスワードは別途お送りします": words, not a password (archive
		 * passwords are typed in ASCII; one ASCII character at least) */
		if (ascii) {
			passcand_add(pc, a, (size_t)(b - a));
			passcand_add(pc, h->str, h->len);
		}
		explicit_bzero(h->str, h->len);
		g_string_free(h, TRUE);
	}
}

void passcand_extract(struct passcand *pc, const char *text, size_t len)
{
	struct passcand_text t;
	const char *s;
	size_t n;

	if (len > passcand_scan_max(pc))
		len = passcand_scan_max(pc);
	passcand_fold(&t, text, len);
	s = t.s->str;
	n = t.s->len;
	for (size_t i = 0; i < n && pc->n < passcand_max(pc); i++) {
		for (size_t k = 0; passcand_labels[k] != NULL; k++) {
			const char *lab = passcand_labels[k];
			size_t ll = strlen(lab), j;
			const char *line_end, *orig_a, *orig_b;

			if (i + ll > n || memcmp(s + i, lab, ll) != 0)
				continue;
			if ((unsigned char)lab[0] < 0x80 &&
			    ((i > 0 && g_ascii_isalnum(s[i - 1])) ||
			     (i + ll < n && g_ascii_isalnum(s[i + ll]))))
				continue;
			j = i + ll;
			while (j < n && passcand_space(s + j))
				j++;
			if (j < n && (s[j] == ':' || s[j] == '='))
				j++;
			else if (j + 3 <= n && memcmp(s + j, "は", 3) == 0)
				j += 3;
			else if (j + 3 <= n && (memcmp(s + j, "】", 3) == 0 || memcmp(s + j, "]", 1) == 0))
				j += s[j] == ']' ? 1 : 3;
			else if (!(j >= n || s[j] == '\n' || s[j] == '\r'))
				break; /* no separator: "パスワード付き", "password protected" */
			while (j < n && passcand_space(s + j))
				j++;
			if (j < n && (s[j] == ':' || s[j] == '='))
				j++;
			while (j < n && passcand_space(s + j))
				j++;
			/* nothing after the label on its line: the next line that has text */
			if (j >= n || s[j] == '\n' || s[j] == '\r') {
				while (j < n && (s[j] == '\n' || s[j] == '\r' || passcand_space(s + j)))
					j++;
			}
			if (j >= n)
				break;
			line_end = memchr(s + j, '\n', n - j);
			orig_a = text + g_array_index(t.orig, size_t, j);
			orig_b = line_end != NULL
					 ? text + g_array_index(t.orig, size_t, (size_t)(line_end - s))
					 : text + len;
			passcand_value(pc, orig_a, orig_b);
			i = j;
			break;
		}
	}
	explicit_bzero(t.s->str, t.s->len);
	g_string_free(t.s, TRUE);
	g_array_free(t.orig, TRUE);
}

void passcand_init(struct passcand *pc, const struct passcand_limits *lim)
{
	memset(pc, 0, sizeof(*pc));
	if (lim != NULL)
		pc->lim = *lim;
}

void passcand_clear(struct passcand *pc)
{
	explicit_bzero(pc->v, sizeof(pc->v));
	pc->n = 0;
}
