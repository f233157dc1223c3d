/*
 * nsutil.h - Linux namespace helpers shared by mugai-filter's sandbox and
 * the core's filter spawner (libmugai_util: libc only).
 */
#ifndef MUGAI_NSUTIL_H
#define MUGAI_NSUTIL_H

#include <sys/types.h>

/* In a user namespace just made: map our own uid and gid to themselves
 * (setgroups denied first), so that files we create keep their owner.
 * 0, or -1 with errno. */
int nsutil_map_self(uid_t uid, gid_t gid);

#endif
