/*
 * spool_fs.h - what the files of the spool's directory backend share: the
 * layout's names (spool_fs.c documents it), its handle and small helpers.
 * spool_fs.c holds the ops table, the intake, recovery and the job calls;
 * spool_fs_scan.c the walks over a state's folder (list, purge).
 */
#ifndef MUGAI_SPOOL_FS_H
#define MUGAI_SPOOL_FS_H

#include <fcntl.h>
#include <glib.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "mugai/log.h"

#define FS_PASSWORD "password"
#define FS_RESULT "result.json"
#define FS_META "meta.json"
#define FS_ORIGINAL "original"
#define FS_OUT "out"
#define FS_RELEASING "release-original.json"
#define FS_MARKER_MAX 4096
#define FS_PATH_MAX 4096

enum fs_dir { FS_INCOMING = 0, FS_QUEUE, FS_ACTIVE, FS_DONE, FS_PURGING, FS_NDIRS };

static const char *const fs_dirs[FS_NDIRS] __attribute__((unused)) = {
	"incoming", "queue", "active", "done", "purging"
};

struct fs {
	char path[FS_PATH_MAX];
	int fd;
};

static inline int fs_sub(struct fs *fs, enum fs_dir d)
{
	return openat(fs->fd, fs_dirs[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static inline int fs_opendir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* fsync a directory, saying so when it fails: 0, -1 */
static inline int fs_sync_dir(int fd, const char *what)
{
	if (fsync(fd) == 0)
		return 0;
	log_warn("fsync of the spool's %s", what);
	return -1;
}

/* spool_fs_scan.c */
/* the names in dir, every one but . and .. (all) or the valid job ids only */
GPtrArray *spool_fs_scan_names(int dir, int all);
/* the ops table's list and purge */
int spool_fs_scan_list(void *be, size_t max, spool_list_fn fn, void *arg, int *truncated);
int spool_fs_scan_purge(void *be, time_t cutoff, spool_purge_fn fn, void *arg, unsigned *purged);

#endif
