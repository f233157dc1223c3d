/* release.c - atomic, traversal-proof release of artefacts */
#include "mugai/release.h"

#include <glib.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RELEASE_COPY_BUF (128 * 1024)
#define RELEASE_MAX_RENAMES 1000

static int release_component_ok(const char *c, size_t len)
{
	if (len == 0 || len > RELEASE_COMPONENT_MAX)
		return 0;
	if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)c[i];

		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			return 0;
	}
	return 1;
}

int release_path_check(const char *relpath, char *err, size_t errlen)
{
	const char *p = relpath, *slash;
	size_t len = strlen(relpath);

	if (len == 0 || len >= RELEASE_PATH_MAX) {
		snprintf(err, errlen, "path length %zu out of range", len);
		return -1;
	}
	if (relpath[0] == '/') {
		snprintf(err, errlen, "absolute path");
		return -1;
	}
	if (!g_utf8_validate(relpath, (gssize)len, NULL)) {
		snprintf(err, errlen, "path is not valid UTF-8");
		return -1;
	}
	for (;;) {
		size_t clen;

		slash = strchr(p, '/');
		clen = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (!release_component_ok(p, clen)) {
			snprintf(err, errlen, "bad path component in '%s'", relpath);
			return -1;
		}
		if (slash == NULL)
			return 0;
		p = slash + 1;
	}
}

int release_sha256_fd(int fd, char hex[65], uint64_t *size)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	unsigned char *buf = malloc(RELEASE_COPY_BUF);
	uint64_t total = 0;
	off_t off = 0;

	if (ck == NULL || buf == NULL) {
		free(buf);
		if (ck != NULL)
			g_checksum_free(ck);
		return -1;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, RELEASE_COPY_BUF, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			g_checksum_free(ck);
			return -1;
		}
		if (n == 0)
			break;
		g_checksum_update(ck, buf, (gssize)n);
		off += n;
		total += (uint64_t)n;
	}
	g_strlcpy(hex, g_checksum_get_string(ck), 65);
	*size = total;
	g_checksum_free(ck);
	free(buf);
	return 0;
}

void release_sync_init(struct release_sync *s)
{
	s->n = 0;
}

/* hold dir's fsync in s; -1 when it must be made now */
static int release_sync_hold(struct release_sync *s, int dir)
{
	struct stat st;
	int fd;

	if (s == NULL || fstat(dir, &st) != 0)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (s->dev[i] == st.st_dev && s->ino[i] == st.st_ino)
			return 0;
	if (s->n >= RELEASE_SYNC_MAX || (fd = fcntl(dir, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	s->fd[s->n] = fd;
	s->dev[s->n] = st.st_dev;
	s->ino[s->n] = st.st_ino;
	s->n++;
	return 0;
}

int release_sync_run(struct release_sync *s)
{
	int rc = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (fsync(s->fd[i]) != 0)
			rc = -1;
		close(s->fd[i]);
	}
	s->n = 0;
	return rc;
}

/* Open the directory of relpath; *base receives the last component.  With
 * create, missing directories are made, each made durable in its parent (at
 * once, or held in later). */
static int release_open_parent(int root_fd, const char *relpath, const char **base,
			       int create, struct release_sync *later)
{
	char comp[RELEASE_COMPONENT_MAX + 1];
	const char *p = relpath, *slash;
	int cur = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);

	if (cur < 0)
		return -1;
	while ((slash = strchr(p, '/')) != NULL) {
		size_t clen = (size_t)(slash - p);
		int next;

		memcpy(comp, p, clen);
		comp[clen] = '\0';
		if (create && mkdirat(cur, comp, 0750) == 0) {
			if (release_sync_hold(later, cur) != 0 && fsync(cur) != 0) {
				close(cur);
				return -1;
			}
		} else if (create && errno != EEXIST) {
			close(cur);
			return -1;
		}
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (next < 0)
			return -1;
		cur = next;
		p = slash + 1;
	}
	*base = p;
	return cur;
}

/* "name.ext" -> "name (k).ext" */
static void release_alt_name(const char *base, unsigned k, char *out, size_t outlen)
{
	const char *dot = strrchr(base, '.');

	if (dot == NULL || dot == base)
		snprintf(out, outlen, "%s (%u)", base, k);
	else
		snprintf(out, outlen, "%.*s (%u)%s", (int)(dot - base), base, k, dot);
}

/* The directory relpath goes into (made as needed), after the path check */
static int release_dir(int root_fd, const char *relpath, const char **base,
		       struct release_sync *later, char *err, size_t errlen)
{
	int dir;

	if (release_path_check(relpath, err, errlen) != 0)
		return -1;
	dir = release_open_parent(root_fd, relpath, base, 1, later);
	if (dir < 0)
		snprintf(err, errlen, "release: cannot open the directory of '%s': %s", relpath,
			 strerror(errno));
	return dir;
}

/* Give the complete file tmp in dir its final name: base, else "base (2)"
 * and so on, never over an existing file; then make the name durable, or
 * hold that for later. */
static int release_commit(int dir, const char *tmp, const char *relpath, const char *base,
			  char *final_rel, size_t final_len, struct release_sync *later,
			  char *err, size_t errlen)
{
	char name[RELEASE_COMPONENT_MAX + 32];

	g_strlcpy(name, base, sizeof(name));
	for (unsigned k = 2; ; k++) {
		if (renameat2(dir, tmp, dir, name, RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST || k > RELEASE_MAX_RENAMES) {
			snprintf(err, errlen, "release: rename '%s': %s", relpath, strerror(errno));
			return -1;
		}
		release_alt_name(base, k, name, sizeof(name));
		if (strlen(name) > RELEASE_COMPONENT_MAX) {
			snprintf(err, errlen, "release: no free name for '%s'", relpath);
			return -1;
		}
	}
	if (release_sync_hold(later, dir) != 0 && fsync(dir) != 0) {
		snprintf(err, errlen, "release: fsync the directory of '%s': %s", relpath,
			 strerror(errno));
		unlinkat(dir, name, 0);
		return -1;
	}
	snprintf(final_rel, final_len, "%.*s%s", (int)(base - relpath), relpath, name);
	return 0;
}

int release_link(int root_fd, const char *relpath, int src_fd, char *final_rel,
		 size_t final_len, struct release_sync *later, char *err, size_t errlen)
{
	char tmp[64], proc[64];
	const char *base = NULL;
	int dir, rc = -1;

	dir = release_dir(root_fd, relpath, &base, later, err, errlen);
	if (dir < 0)
		return -1;
	/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; /proc does not */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src_fd);
	for (unsigned i = 0; i < 100; i++) {
		snprintf(tmp, sizeof(tmp), ".mugai-%08x.tmp", g_random_int());
		rc = linkat(AT_FDCWD, proc, dir, tmp, AT_SYMLINK_FOLLOW);
		if (rc == 0 || errno != EEXIST)
			break;
	}
	if (rc != 0) {
		snprintf(err, errlen, "release: cannot link '%s': %s", relpath, strerror(errno));
	} else if (release_commit(dir, tmp, relpath, base, final_rel, final_len, later, err,
				  errlen) != 0) {
		unlinkat(dir, tmp, 0);
		rc = -1;
	}
	close(dir);
	return rc;
}

int release_copy(int root_fd, const char *relpath, int src_fd, char *final_rel,
		 size_t final_len, char hex[65], uint64_t *size, struct release_sync *later,
		 char *err, size_t errlen)
{
	char tmp[64];
	const char *base = NULL;
	GChecksum *ck = NULL;
	unsigned char *buf = NULL;
	uint64_t total = 0;
	off_t off = 0;
	int dir = -1, out = -1, rc = -1;

	dir = release_dir(root_fd, relpath, &base, later, err, errlen);
	if (dir < 0)
		return -1;
	for (unsigned i = 0; i < 100 && out < 0; i++) {
		snprintf(tmp, sizeof(tmp), ".mugai-%08x.tmp", g_random_int());
		out = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (out < 0 && errno != EEXIST)
			break;
	}
	if (out < 0) {
		snprintf(err, errlen, "release: cannot create a file for '%s': %s", relpath,
			 strerror(errno));
		goto done;
	}
	ck = g_checksum_new(G_CHECKSUM_SHA256);
	buf = malloc(RELEASE_COPY_BUF);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail_tmp;
	}
	for (;;) {
		ssize_t n = pread(src_fd, buf, RELEASE_COPY_BUF, off), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "release: read: %s", strerror(errno));
			goto fail_tmp;
		}
		if (n == 0)
			break;
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				snprintf(err, errlen, "release: write '%s': %s", relpath,
					 strerror(errno));
				goto fail_tmp;
			}
			w += k;
		}
		g_checksum_update(ck, buf, (gssize)n);
		off += n;
		total += (uint64_t)n;
	}
	if (fsync(out) != 0) {
		snprintf(err, errlen, "release: fsync '%s': %s", relpath, strerror(errno));
		goto fail_tmp;
	}
	if (release_commit(dir, tmp, relpath, base, final_rel, final_len, later, err,
			   errlen) != 0)
		goto fail_tmp;
	g_strlcpy(hex, g_checksum_get_string(ck), 65);
	*size = total;
	rc = 0;
	goto done;
fail_tmp:
	unlinkat(dir, tmp, 0);
done:
	if (out >= 0)
		close(out);
	if (dir >= 0)
		close(dir);
	if (ck != NULL)
		g_checksum_free(ck);
	free(buf);
	return rc;
}

int release_unlink(int root_fd, const char *relpath)
{
	const char *base = NULL;
	char err[64];
	int dir, rc;

	if (release_path_check(relpath, err, sizeof(err)) != 0)
		return -1;
	dir = release_open_parent(root_fd, relpath, &base, 0, NULL);
	if (dir < 0)
		return -1;
	rc = unlinkat(dir, base, 0);
	close(dir);
	return rc;
}
