/* fuzz_http.c - mugaid's own request parsing: Content-Disposition names and
 * the job routes (an id that is not 32 hex digits never reaches the spool) */
#include "httpparse.h"
#include "mugai/jobid.h"

#include <glib.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[4096], name[256], id[40];
	const char *n;
	int route;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	name[0] = '\0';
	httpparse_disposition_name(in, name, sizeof(name));
	if (memchr(name, '\0', sizeof(name)) == NULL)
		abort();
	/* a name that fits is UTF-8 and within its buffer */
	if (httpparse_name_fit(in, name, 64) == 0 &&
	    (strlen(name) >= 64 || !g_utf8_validate(name, -1, NULL)))
		abort();
	if (httpparse_route_job(in, id, sizeof(id), &route, &n) == 0) {
		if (!jobid_valid(id) || strstr(id, "..") != NULL || strchr(id, '/') != NULL)
			abort();
		if (route < ROUTE_JOB || route > ROUTE_PASSWORD_RESET ||
		    (route != ROUTE_ARTEFACT && *n != '\0'))
			abort();
		if (*n != '\0' && (n < in || n > in + size))
			abort();
	}
	return 0;
}
