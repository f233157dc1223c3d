/* fuzz_config.c - the INI configuration parser and its validation */
#include "mugai/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mugai_config cfg;
	char err[CONFIG_ERR_MAX], path[64];
	int fd = memfd_create("fuzz.conf", 0);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_defaults(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) == 0) {
		/* whatever loads must still be within every range */
		if (cfg.pdf_dpi < 36 || cfg.pdf_dpi > 600 || cfg.archive_max_ratio < 2)
			abort();
	}
	close(fd);
	return 0;
}
