/* naming.c - the names released files get (see naming.h) */
#include "mugai/naming.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

void naming_safe(const char *in, char *out, size_t outlen)
{
	gchar *valid = g_utf8_make_valid(in, -1);
	GString *s = g_string_new(NULL);
	const char *p;

	for (p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || (c >= 0x80 && c < 0xa0) ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			g_string_append_c(s, '_');
		else
			g_string_append_unichar(s, c);
	}
	/* cut at a character boundary */
	if (s->len > NAMING_MAX) {
		const char *end = s->str + NAMING_MAX;

		end = g_utf8_find_prev_char(s->str, end + 1);
		g_string_truncate(s, end != NULL ? (gsize)(end - s->str) : 0);
	}
	if (s->len == 0 || strcmp(s->str, ".") == 0 || strcmp(s->str, "..") == 0)
		g_string_assign(s, "file");
	g_strlcpy(out, s->str, outlen);
	g_string_free(s, TRUE);
	g_free(valid);
}

/* the extension of a name, without the dot; "" for none (".profile" has none) */
static const char *naming_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && dot != name ? dot + 1 : "";
}

/* the type did not change: the name stays */
static int naming_same_type(const char *ext, const char *filter, const char *out_ext)
{
	static const char *const keep_text[] = { "txt", "csv", "tsv", "log", "md" };

	if (g_ascii_strcasecmp(ext, out_ext) == 0 ||
	    (strcmp(out_ext, "jpg") == 0 && g_ascii_strcasecmp(ext, "jpeg") == 0))
		return 1;
	if (strcmp(filter, "text") == 0)
		for (size_t i = 0; i < G_N_ELEMENTS(keep_text); i++)
			if (g_ascii_strcasecmp(ext, keep_text[i]) == 0)
				return 1;
	return 0;
}

void naming_output(const char *safe, const char *filter, const char *out_ext, char *out,
		   size_t outlen)
{
	const char *ext = naming_ext(safe);

	if (naming_same_type(ext, filter, out_ext))
		g_strlcpy(out, safe, outlen);
	else if (*ext != '\0')
		snprintf(out, outlen, "%.*s_%s.%s", (int)(ext - 1 - safe), safe, ext, out_ext);
	else
		snprintf(out, outlen, "%s.%s", safe, out_ext);
}

void naming_archive_dir(const char *safe, char *out, size_t outlen)
{
	static const char *const sfx[] = { "zip", "7z", "tar", "gz", "tgz", "bz2", "xz", "zst",
					   "rar", "cab", "lzh", "lha", "iso", "img", "cpio" };
	char *s = g_strdup(safe);

	for (int round = 0; round < 2; round++) {
		char *dot = strrchr(s, '.');
		int hit = 0;

		if (dot == NULL || dot == s)
			break;
		for (size_t i = 0; i < G_N_ELEMENTS(sfx); i++)
			if (g_ascii_strcasecmp(dot + 1, sfx[i]) == 0)
				hit = 1;
		if (!hit)
			break;
		*dot = '\0';
	}
	g_strlcpy(out, s[0] != '\0' ? s : "archive", outlen);
	g_free(s);
}

#define NAMING_CUT "\xe2\x80\xa6_" /* "…_": where outer folders were left out */

void naming_flatten(const char *rel, char *out, size_t outlen)
{
	gchar **parts = g_strsplit(rel, "/", -1);
	GPtrArray *c = g_ptr_array_new();
	GString *s = g_string_new(NULL);
	size_t total;
	guint first;

	for (gchar **p = parts; *p != NULL; p++)
		if (**p != '\0')
			g_ptr_array_add(c, *p);
	if (c->len == 0) {
		g_strlcpy(out, "file", outlen);
		goto out;
	}
	/* from the file's own name outwards, every folder that still fits */
	first = c->len - 1;
	total = strlen(g_ptr_array_index(c, first));
	while (first > 0) {
		size_t add = 1 + strlen(g_ptr_array_index(c, first - 1));

		if (total + add + (first - 1 > 0 ? strlen(NAMING_CUT) : 0) > NAMING_MAX)
			break;
		total += add;
		first--;
	}
	if (first > 0)
		g_string_append(s, NAMING_CUT);
	for (guint i = first; i < c->len; i++) {
		if (i > first)
			g_string_append_c(s, '_');
		g_string_append(s, g_ptr_array_index(c, i));
	}
	g_strlcpy(out, s->str, outlen);
out:
	g_string_free(s, TRUE);
	g_ptr_array_free(c, TRUE);
	g_strfreev(parts);
}

void naming_numbered(const char *name, unsigned k, char *out, size_t outlen)
{
	const char *dot = strrchr(name, '.');
	char num[16];
	size_t stem, room;

	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	snprintf(num, sizeof(num), " (%u)", k);
	stem = (size_t)(dot - name);
	room = outlen > strlen(num) + strlen(dot) ? outlen - 1 - strlen(num) - strlen(dot) : 0;
	if (stem > room) {
		stem = room;
		while (stem > 0 && ((unsigned char)name[stem] & 0xc0) == 0x80)
			stem--;
	}
	snprintf(out, outlen, "%.*s%s%s", (int)stem, name, num, dot);
}
