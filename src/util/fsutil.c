/* fsutil.c - bounded removal of a directory tree */
#include "mugai/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void fsutil_remove_tree(int dir_fd, const char *name, int max_depth)
{
	int fd;
	DIR *d;
	struct dirent *e;

	if (unlinkat(dir_fd, name, 0) == 0 || max_depth <= 0)
		return;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			fsutil_remove_tree(dirfd(d), e->d_name, max_depth - 1);
	closedir(d);
	unlinkat(dir_fd, name, AT_REMOVEDIR);
}

int fsutil_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
