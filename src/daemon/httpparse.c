/*
 * httpparse.c - the parts of HTTP request handling that are mugai's own
 * (libmicrohttpd parses the protocol and multipart bodies): the file name
 * from Content-Disposition, a long name shortened, an artefact's
 * Content-Disposition, and the job routes.  Fuzzed by fuzz_http.
 */
#include "httpparse.h"
#include "mugai/jobid.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

/* name from Content-Disposition: filename*=UTF-8''pct-encoded (RFC 5987) wins */
void httpparse_disposition_name(const char *cd, char *out, size_t outlen)
{
	const char *p = strstr(cd, "filename*=");

	if (p != NULL) {
		p += 10;
		if (g_ascii_strncasecmp(p, "UTF-8''", 7) == 0) {
			char *end, *dec, *val;

			p += 7;
			end = strpbrk(p, "; \t");
			val = g_strndup(p, end ? (gsize)(end - p) : strlen(p));
			dec = g_uri_unescape_string(val, NULL);
			if (dec != NULL && g_utf8_validate(dec, -1, NULL))
				g_strlcpy(out, dec, outlen);
			g_free(dec);
			g_free(val);
			if (out[0] != '\0')
				return;
		}
	}
	p = strstr(cd, "filename=");
	if (p != NULL) {
		const char *end;

		p += 9;
		if (*p == '"') {
			p++;
			end = strchr(p, '"');
		} else {
			end = strpbrk(p, "; \t");
		}
		snprintf(out, outlen, "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
	}
}

/* "/v1/jobs/{id}[/artefacts/{n}|/password|/release-original]" -> id, route,
 * n ("" unless an artefact); 0 when it parses */
int httpparse_route_job(const char *url, char *id, size_t idlen, int *route, const char **n)
{
	const char *p = url + 9, *slash;

	if (strncmp(url, "/v1/jobs/", 9) != 0)
		return -1;
	slash = strchr(p, '/');
	if ((size_t)(slash ? slash - p : (long)strlen(p)) >= idlen)
		return -1;
	snprintf(id, idlen, "%.*s", (int)(slash ? slash - p : (long)strlen(p)), p);
	*n = "";
	*route = ROUTE_JOB;
	if (slash != NULL) {
		if (strcmp(slash, "/password") == 0) {
			*route = ROUTE_PASSWORD;
		} else if (strcmp(slash, "/password-reset") == 0) {
			*route = ROUTE_PASSWORD_RESET;
		} else if (strcmp(slash, "/release-original") == 0) {
			*route = ROUTE_RELEASE_ORIGINAL;
		} else if (strncmp(slash, "/artefacts/", 11) == 0) {
			*route = ROUTE_ARTEFACT;
			*n = slash + 11;
		} else {
			return -1;
		}
	}
	return jobid_valid(id) ? 0 : -1;
}


/* the start of the UTF-8 character at or before byte i of s */
static size_t httpparse_char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

int httpparse_name_fit(const char *in, char *out, size_t cap)
{
	size_t len = strlen(in), ext = 0, stem;
	const char *dot = strrchr(in, '.');

	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (!g_utf8_validate(in, (gssize)len, NULL))
		return -1;
	if (len < cap) {
		memcpy(out, in, len + 1);
		return 0;
	}
	/* an extension is a short tail after the last dot, not the whole name */
	if (dot != NULL && dot != in && len - (size_t)(dot - in) <= HTTPPARSE_EXT_MAX + 1 &&
	    len - (size_t)(dot - in) < cap - 1)
		ext = len - (size_t)(dot - in);
	/* the stem cut where a character starts: what is left is UTF-8 */
	stem = httpparse_char_start(in, cap - 1 - ext);
	memcpy(out, in, stem);
	memcpy(out + stem, in + len - ext, ext);
	out[stem + ext] = '\0';
	return 0;
}

char *httpparse_attachment(const char *name)
{
	GString *v = g_string_new("attachment; filename=\"");
	const char *base = strrchr(name, '/');

	base = base != NULL ? base + 1 : name;
	/* the ASCII fallback: printable ASCII (and space) but the quote and
	 * backslash */
	for (const char *p = base; *p != '\0'; p++)
		g_string_append_c(v, (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p
									       : '_');
	g_string_append(v, "\"; filename*=UTF-8''");
	/* RFC 5987 attr-char stays, the rest percent-encoded */
	for (const unsigned char *p = (const unsigned char *)base; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			g_string_append_c(v, (char)*p);
		else
			g_string_append_printf(v, "%%%02X", *p);
	}
	return g_string_free(v, FALSE);
}
