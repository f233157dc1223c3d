/* testutil.h - small helpers shared by the cmocka unit tests */
#ifndef MUGAI_TESTUTIL_H
#define MUGAI_TESTUTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mugai/filterproto.h"

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

	if (fd != NULL)
		*fd = -1;
	if (d != NULL && fd != NULL)
		*fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d;
}

/* dir/out made as a filter's output directory: handed to the user the
 * filter drops to (nobody) when we are root, as job.c does; its fd */
static inline int tu_filter_out(const char *dir)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/out", dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	if (geteuid() == 0 && chown(path, FILTERPROTO_UID, FILTERPROTO_UID) != 0)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

/* number of entries in a directory (without . and ..) */
static inline int tu_count(int dfd)
{
	int n = 0, fd = dup(dfd);
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (d == NULL)
		return -1;
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}
#ifdef ARCHIVE_VERSION_NUMBER
/* (include <archive.h> and <archive_entry.h> before this file) */
/* a ZIP of NULL-terminated name/content pairs */
static inline GByteArray *tu_zip_of(const char *const *parts)
{
	struct archive *a = archive_write_new();
	GByteArray *out = g_byte_array_new();
	size_t cap = 1 << 20, used = 0;
	unsigned char *buf = g_malloc(cap);

	archive_write_set_format_zip(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; parts[i] != NULL; i += 2) {
		struct archive_entry *e = archive_entry_new();
		size_t len = strlen(parts[i + 1]);

		archive_entry_set_pathname(e, parts[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, parts[i + 1], len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	g_byte_array_append(out, buf, (guint)used);
	g_free(buf);
	return out;
}

#endif

#ifdef MUGAI_FILTER_H
/* default limits for the filter tests */
static inline void tu_limits(struct filter_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_output_bytes = 64 << 20;
	lim->dpi = 50;
	lim->jpeg_quality = 80;
	lim->image_format = FILTER_IMG_JPEG;
	lim->max_pages = 100;
	lim->max_page_inches = 100;
	lim->max_image_dim = 10000;
	lim->max_image_pixels = 20000000;
	lim->threads = 2;
	lim->max_text_bytes = 1 << 20;
	lim->max_members = 100;
	lim->max_member_bytes = 16 << 20;
	lim->max_total_bytes = 64 << 20;
	lim->max_ratio = 100;
	lim->max_depth = 10;
	lim->max_containers = 256;
}

/* Run filter name in-process on data, into a fresh directory *dirp (fd *dfd). */
static inline int tu_run(const char *name, const void *data, size_t len,
			 const struct filter_limits *lim, struct filter_result *res,
			 char **dirp, int *dfd)
{
	const struct filter_ops *ops = filter_lookup(name);
	int in = tu_memfd(data, len), rc;

	*dirp = NULL;
	*dfd = -1;
	if (ops == NULL || in < 0)
		return -1;
	*dirp = tu_tmpdir(dfd);
	memset(res, 0, sizeof(*res));
	rc = ops->run(in, *dfd, lim, res);
	close(in);
	return rc;
}

#endif

#endif
