/* mailheader.c - see mailheader.h */
#include "mugai/mailheader.h"

#include <stddef.h>
#include <strings.h>

bool mailheader_dropped(const char *name)
{
	static const char *const pictures[] = { "X-Face", "Face", "X-Image-URL", "X-Face-URL" };

	if (strncasecmp(name, "Content-", 8) == 0 || strcasecmp(name, "MIME-Version") == 0 ||
	    strncasecmp(name, "X-Mugai-", 8) == 0)
		return true;
	for (size_t i = 0; i < sizeof(pictures) / sizeof(pictures[0]); i++)
		if (strcasecmp(name, pictures[i]) == 0)
			return true;
	return false;
}
