/* spool_file.h - file helpers of the spool's directory backend */
#ifndef MUGAI_SPOOL_FILE_H
#define MUGAI_SPOOL_FILE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#define SPOOL_FILE_SYNC_MAX 4 /* files spool_file_sync_all() takes */
#define SPOOL_FILE_PATH_MAX 4096 /* bytes of a path spool_file_open_beneath() takes */

/* name under dirfd, a regular file of at most max bytes, whole and
 * NUL-terminated; NULL when missing, not a regular file, larger or unreadable */
char *spool_file_read(int dirfd, const char *name, size_t max);
/* the same, parsed as JSON */
json_t *spool_file_json(int dirfd, const char *name, size_t max);
/* name under dirfd replaced atomically: temporary file, fsync, rename,
 * fsync of dirfd; 0, -1 */
int spool_file_replace(int dirfd, const char *name, const char *text, size_t len,
		       mode_t mode);
/* an empty file name under dirfd, unless it is there already: 0, -1 */
int spool_file_touch(int dirfd, const char *name);
/* fsync n (at most SPOOL_FILE_SYNC_MAX) files side by side: 0 when every
 * one succeeded */
int spool_file_sync_all(const int *fds, size_t n);
/* path (relative) under dirfd, read-only, following no symbolic link in
 * any component and never leaving dirfd (no "..", no absolute path):
 * openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it,
 * else one O_NOFOLLOW component at a time; the fd, or -1 */
int spool_file_open_beneath(int dirfd, const char *path);

#endif
