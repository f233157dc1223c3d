/*
 * release.h - write artefacts into the release area atomically.
 *
 * A relative path is checked component by component (no "", ".", "..",
 * no control characters, each at most 255 bytes) and walked with openat()
 * and O_NOFOLLOW from the release directory fd: no path string is ever
 * joined, no symlink followed.  The file is written under a temporary
 * name, fsync'ed and renamed into place without replacing anything (a name
 * taken gets " (2)", " (3)", ...), then the directory is fsync'ed (at once,
 * or put off into a struct release_sync).
 */
#ifndef MUGAI_RELEASE_H
#define MUGAI_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mugai/fsutil.h"

#define RELEASE_PATH_MAX 1024
#define RELEASE_COMPONENT_MAX 255

/* 0 when relpath is an acceptable relative path, else -1 with a reason */
int release_path_check(const char *relpath, char *err, size_t errlen);

/* Directory fsyncs put off by release_copy() and release_link() when they
 * are given one of these (NULL: made at once).  The caller makes them with
 * release_sync_run(), side by side with its own disk waits, and before it
 * tells anyone of the artefacts.  A directory is held once; when the set is
 * full, the fsync is made at once. */
#define RELEASE_SYNC_MAX 32
struct release_sync {
	int fd[RELEASE_SYNC_MAX];
	dev_t dev[RELEASE_SYNC_MAX];  /* which directory fd[i] is */
	ino_t ino[RELEASE_SYNC_MAX];
	size_t n;
};

void release_sync_init(struct release_sync *s);
/* fsync and close every directory held; 0 when every fsync succeeded */
int release_sync_run(struct release_sync *s);

/* SHA-256 (lower-case hex) and size of fd's content from offset 0 */
int release_sha256_fd(int fd, char hex[65], uint64_t *size);

/* Copy src_fd (from offset 0) to relpath under root_fd.  final_rel receives
 * the relative path actually written. */
int release_copy(int root_fd, const char *relpath, int src_fd, char *final_rel,
		 size_t final_len, char hex[65], uint64_t *size, struct release_sync *later,
		 char *err, size_t errlen);

/* Release the file open as src_fd under relpath as a second name of the
 * same file (a hard link; same file system only), for a file that is never
 * written again: no copy, and its data is already durable.  -1 with err
 * when it cannot (the caller copies instead). */
int release_link(int root_fd, const char *relpath, int src_fd, char *final_rel,
		 size_t final_len, struct release_sync *later, char *err, size_t errlen);

/* Remove relpath (a file released earlier) again: used to roll back. */
int release_unlink(int root_fd, const char *relpath);

/* Remove dir_fd's entry `name` and everything below it, never following a
 * link, at most max_depth directory levels deep: fsutil_remove_tree (in
 * libmugai_util, which the filters link too), by the name src/daemon calls. */
static inline void release_remove_tree(int dir_fd, const char *name, int max_depth)
{
	fsutil_remove_tree(dir_fd, name, max_depth);
}

#endif
