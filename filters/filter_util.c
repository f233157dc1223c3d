/* filter_util.c - small helpers shared by the filters */
#include "filter.h"
#include "mugai/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void filter_set(struct filter_result *res, int status, const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

void filter_output(struct filter_result *res, const char *name)
{
	snprintf(res->output, sizeof(res->output), "%s", name);
}

int filter_create(int out_dir_fd, const char *name)
{
	return openat(out_dir_fd, name,
		      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int filter_read_all(int in_fd, uint64_t max, unsigned char **buf, size_t *len)
{
	size_t cap = 65536, used = 0;
	unsigned char *b = malloc(cap);

	if (b == NULL)
		return -1;
	for (;;) {
		ssize_t n;

		if (used == cap) {
			unsigned char *nb;

			if ((uint64_t)cap > max) {
				free(b);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			nb = realloc(b, cap);
			if (nb == NULL) {
				free(b);
				return -1;
			}
			b = nb;
		}
		n = read(in_fd, b + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if ((uint64_t)used > max) {
			free(b);
			errno = EFBIG;
			return -1;
		}
	}
	*buf = b;
	*len = used;
	return 0;
}

int filter_write_all(int fd, const void *buf, size_t len)
{
	return fsutil_write_all(fd, buf, len);
}

int filter_write_json_lines(int fd, json_t *array)
{
	size_t i;
	json_t *m;

	json_array_foreach(array, i, m) {
		char *line = json_dumps(m, JSON_COMPACT);
		int rc = line == NULL || filter_write_all(fd, line, strlen(line)) != 0 ||
			 filter_write_all(fd, "\n", 1) != 0 ? -1 : 0;

		free(line);
		if (rc != 0)
			return -1;
	}
	return 0;
}
