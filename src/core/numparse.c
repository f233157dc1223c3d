/* numparse.c - cursor-based decimal numbers with an end and a range check */
#include "mugai/numparse.h"

#include <stddef.h>

int numparse_number(const char **p, uint64_t *n, uint64_t max)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');

		if (digit > max || v > (max - digit) / 10)
			return -1; /* over max (and never wraps) */
		v = v * 10 + digit;
	}
	*n = v;
	*p = s;
	return 0;
}

int numparse_whole(const char *s, uint64_t *n, uint64_t max)
{
	const char *p = s;
	uint64_t v;

	if (s == NULL || numparse_number(&p, &v, max) != 0 || *p != '\0')
		return -1;
	*n = v;
	return 0;
}
