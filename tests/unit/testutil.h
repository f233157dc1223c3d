/* testutil.h - small helpers shared by the cmocka unit tests */
#ifndef MUGAI_TESTUTIL_H
#define MUGAI_TESTUTIL_H

#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* a memfd holding data, offset 0 */
static inline int tu_memfd(const void *data, size_t len)
{
	int fd = memfd_create("mugai-test", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (len > 0 && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* a fresh temporary directory (path in a static-free g_strdup) and its fd */
static inline char *tu_tmpdir(int *fd)
{
	char *d = g_dir_make_tmp("mugai-unit-XXXXXX", NULL);

	if (d != NULL && fd != NULL)
		*fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d;
}

static inline void tu_rmrf(char *dir)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	g_free(cmd);
	g_free(dir);
}

/* whole content of name under dirfd, NUL-terminated; NULL if missing */
static inline char *tu_read_at(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	GString *s;
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return NULL;
	s = g_string_new(NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(s, buf, n);
	close(fd);
	if (len != NULL)
		*len = s->len;
	return g_string_free(s, FALSE);
}

#endif
