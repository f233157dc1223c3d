/*
 * fsutil.h - file-system helpers with no dependency beyond libc, shared by
 * the core and the filters (libmugai_util).
 */
#ifndef MUGAI_FSUTIL_H
#define MUGAI_FSUTIL_H

/* Remove dir_fd's entry `name` and everything below it, never following a
 * link, at most max_depth directory levels deep (a work directory; what is
 * deeper stays). */
void fsutil_remove_tree(int dir_fd, const char *name, int max_depth);

#endif
