/* mimetype.c - tests on MIME type names */
#include "mugai/mimetype.h"

#include <string.h>

bool mimetype_is_ooxml(const char *mime)
{
	return strncmp(mime, "application/vnd.openxmlformats-officedocument.", 46) == 0 ||
	       strncmp(mime, "application/vnd.ms-word.", 24) == 0 ||
	       strncmp(mime, "application/vnd.ms-excel.", 25) == 0 ||
	       strncmp(mime, "application/vnd.ms-powerpoint.", 30) == 0;
}

bool mimetype_is_plain_text(const char *mime)
{
	return (strncmp(mime, "text/", 5) == 0 && strstr(mime, "html") == NULL) ||
	       strcmp(mime, "application/csv") == 0;
}
