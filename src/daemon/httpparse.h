/* httpparse.h - request parsing that is ours (src/daemon/httpparse.c) */
#ifndef MUGAI_HTTPPARSE_H
#define MUGAI_HTTPPARSE_H

#include <stddef.h>

/* the file name of a Content-Disposition value into out ("" when none);
 * filename*=UTF-8''percent-encoded (RFC 5987) wins over filename= */
void httpparse_disposition_name(const char *cd, char *out, size_t outlen);
/* "/v1/jobs/{id}[/artefacts/{n}]": 0 with a valid id and *n ("" when
 * absent), -1 otherwise */
int httpparse_route_job(const char *url, char *id, size_t idlen, const char **n);

#endif
