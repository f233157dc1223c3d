/* fuzz_release_path.c - the release path check never lets an escape through */
#include "mugai/release.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[2048], err[256];

	if (size >= sizeof(path))
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	if (release_path_check(path, err, sizeof(err)) == 0) {
		/* accepted: relative, no "..", "." or empty component, no control char */
		const char *p = path;

		if (path[0] == '/' || strstr(path, "//") != NULL)
			abort();
		while (p != NULL) {
			const char *s = strchr(p, '/');
			size_t n = s ? (size_t)(s - p) : strlen(p);

			if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
				abort();
			p = s ? s + 1 : NULL;
		}
		for (size_t i = 0; path[i] != '\0'; i++)
			if ((unsigned char)path[i] < 0x20 || path[i] == '\\')
				abort();
	}
	return 0;
}
