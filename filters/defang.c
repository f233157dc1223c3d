/* defang.c - URLs shown as text that is not clickable (see defang.h) */
#include "defang.h"

#include <string.h>

void defang_urls(GString *s)
{
	static const char *const from[] = { "http://", "https://", "ftp://", "www." };
	static const char *const to[] = { "hxxp://", "hxxps://", "fxp://", "www[.]" };
	GString *out = NULL;
	size_t done = 0; /* bytes of s copied to out */

	/* one pass, into a copy made only when there is something to change */
	for (size_t i = 0; i < s->len; i++)
		for (size_t k = 0; k < G_N_ELEMENTS(from); k++) {
			size_t fl = strlen(from[k]);

			if (i + fl <= s->len && g_ascii_strncasecmp(s->str + i, from[k], fl) == 0) {
				if (out == NULL)
					out = g_string_sized_new(s->len + s->len / 8);
				g_string_append_len(out, s->str + done, (gssize)(i - done));
				g_string_append(out, to[k]);
				done = i + fl;
				i = done - 1;
				break;
			}
		}
	if (out == NULL)
		return;
	g_string_append_len(out, s->str + done, (gssize)(s->len - done));
	g_string_truncate(s, 0);
	g_string_append_len(s, out->str, (gssize)out->len);
	g_string_free(out, TRUE);
}
