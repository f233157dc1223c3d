/* fuzz_detect.c - libmagic detection and the extension/name rules */
#include "mugai/detect.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct detect_ctx *ctx;
	struct detect_result d;
	char err[256], name[64];
	size_t nlen = size < 40 ? size : 40;
	int fd;

	if (ctx == NULL && detect_open(&ctx, err, sizeof(err)) != 0)
		abort();
	/* the first bytes double as a file name (extension, dots, bidi) */
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	if (detect_fd(ctx, fd, name, &d, err, sizeof(err)) == 0) {
		if (memchr(d.mime, '\0', sizeof(d.mime)) == NULL ||
		    memchr(d.extension, '\0', sizeof(d.extension)) == NULL)
			abort();
	}
	close(fd);
	return 0;
}
