/* httpparse.h - request parsing that is ours (src/daemon/httpparse.c) */
#ifndef MUGAI_HTTPPARSE_H
#define MUGAI_HTTPPARSE_H

#include <stddef.h>

/* the file name of a Content-Disposition value into out ("" when none);
 * filename*=UTF-8''percent-encoded (RFC 5987) wins over filename= */
void httpparse_disposition_name(const char *cd, char *out, size_t outlen);
enum httpparse_route {
	ROUTE_JOB = 0,            /* /v1/jobs/{id} */
	ROUTE_ARTEFACT,           /* /v1/jobs/{id}/artefacts/{n} */
	ROUTE_PASSWORD,           /* /v1/jobs/{id}/password */
	ROUTE_RELEASE_ORIGINAL,   /* /v1/jobs/{id}/release-original */
	ROUTE_PASSWORD_RESET,     /* /v1/jobs/{id}/password-reset */
};

/* "/v1/jobs/{id}[/artefacts/{n}|/password|/release-original]": 0 with a
 * valid id, *route and *n (the artefact number, "" for the other routes),
 * -1 otherwise */
int httpparse_route_job(const char *url, char *id, size_t idlen, int *route, const char **n);

/* an extension kept when a long name is shortened: at most this many
 * bytes after the last dot */
#define HTTPPARSE_EXT_MAX 16

/* a submitted file name into out (cap bytes, the NUL included): copied
 * when it fits, else shortened at a UTF-8 character boundary keeping its
 * extension (".pdf").  0; -1 when in is not UTF-8 (out is then "") */
int httpparse_name_fit(const char *in, char *out, size_t cap);

/* the Content-Disposition of an artefact named name (its last path
 * component): attachment, an ASCII filename= and the UTF-8 name as
 * filename*= (RFC 6266, RFC 5987).  g_free it */
char *httpparse_attachment(const char *name);

#endif
