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
};

/* "/v1/jobs/{id}[/artefacts/{n}|/password|/release-original]": 0 with a
 * valid id, *route and *n (the artefact number, "" for the other routes),
 * -1 otherwise */
int httpparse_route_job(const char *url, char *id, size_t idlen, int *route, const char **n);

#endif
