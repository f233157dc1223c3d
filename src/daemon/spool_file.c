/*
 * spool_file.c - the directory backend's file helpers: a small file read
 * whole with a cap, a file replaced atomically (temporary name, fsync,
 * rename, fsync), fsyncs side by side.
 */
#include "spool_file.h"
#include "beside.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* read whole, at most max bytes (spool_file.h) */
char *spool_file_read(int dirfd, const char *name, size_t max)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= max &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		if (pread(fd, buf, (size_t)st.st_size, 0) == st.st_size) {
			buf[st.st_size] = '\0';
		} else {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

json_t *spool_file_json(int dirfd, const char *name, size_t max)
{
	char *text = spool_file_read(dirfd, name, max);
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return j;
}

/* write name under dirfd atomically: temporary file, fsync, rename, fsync */
int spool_file_replace(int dirfd, const char *name, const char *text, size_t len,
		       mode_t mode)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return fsync(dirfd);
}

/* an empty file name under dirfd, unless it is there already */
int spool_file_touch(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

struct spool_file_sync_task {
	int fd;
	int rc;
};

static void *spool_file_sync_thread(void *arg)
{
	struct spool_file_sync_task *t = arg;

	t->rc = fsync(t->fd);
	return NULL;
}

/* fsync n (at most SPOOL_FILE_SYNC_MAX) files side by side, each in a thread of
 * its own but the first: the waits overlap (on a journalling file system
 * they share one commit).  0 when every one succeeded. */
int spool_file_sync_all(const int *fds, size_t n)
{
	struct spool_file_sync_task t[SPOOL_FILE_SYNC_MAX];
	pthread_t th[SPOOL_FILE_SYNC_MAX];
	int started[SPOOL_FILE_SYNC_MAX] = { 0 }, rc;

	if (n == 0 || n > SPOOL_FILE_SYNC_MAX)
		return -1;
	for (size_t i = 1; i < n; i++) {
		t[i].fd = fds[i];
		started[i] = beside_run(&th[i], spool_file_sync_thread, &t[i]);
	}
	rc = fsync(fds[0]);
	for (size_t i = 1; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		if (t[i].rc != 0)
			rc = -1;
	}
	return rc;
}

/* the walk of spool_file_open_beneath without openat2 */
static int spool_file_open_walk(int dirfd, const char *path)
{
	char comp[SPOOL_FILE_PATH_MAX];
	const char *p = path;
	int cur = -1, fd = -1;

	if (*p == '/' || strlen(p) >= sizeof(comp))
		return -1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		int at = cur >= 0 ? cur : dirfd;

		memcpy(comp, p, len);
		comp[len] = '\0';
		if (len == 0 || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0)
			break;
		if (slash == NULL) {
			fd = openat(at, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			break;
		}
		fd = openat(at, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cur >= 0)
			close(cur);
		cur = fd;
		fd = -1;
		if (cur < 0)
			return -1;
		p = slash + 1;
	}
	if (cur >= 0)
		close(cur);
	return fd;
}

/* path under dirfd without following a symbolic link in any component
 * (nor "..", nor an absolute path): openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS where the kernel has it, else one component at a
 * time, each opened with O_NOFOLLOW */
int spool_file_open_beneath(int dirfd, const char *path)
{
#ifdef SYS_openat2
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
#endif
	return spool_file_open_walk(dirfd, path);
}
