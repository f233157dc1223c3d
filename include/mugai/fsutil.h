/*
 * fsutil.h - file-system helpers with no dependency beyond libc, shared by
 * the core and the filters (libmugai_util).
 */
#ifndef MUGAI_FSUTIL_H
#define MUGAI_FSUTIL_H

#include <stddef.h>

/* Remove dir_fd's entry `name` and everything below it, never following a
 * link, at most max_depth directory levels deep (a work directory; what is
 * deeper stays). */
void fsutil_remove_tree(int dir_fd, const char *name, int max_depth);

/* write all of buf (len bytes) to fd, again after EINTR: 0, or -1 */
int fsutil_write_all(int fd, const void *buf, size_t len);

#endif
