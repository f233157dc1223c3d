/*
 * httpparse.c - the parts of HTTP request handling that are mugai's own
 * (libmicrohttpd parses the protocol and multipart bodies): the file name
 * from Content-Disposition and the job routes.  Fuzzed by fuzz_http.
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

