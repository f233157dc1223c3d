/*
 * spool_fs_scan.c - the directory backend's walks over a state's folder:
 * the admin list and the retention purge (record first, delete second).
 */
#include "spool_fs.h"
#include "spool_file.h"
#include "mugai/jobid.h"
#include "mugai/release.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* the names in dir, every one but . and .. (all) or the valid ids only
 * (names first: entries move out of it meanwhile) */
GPtrArray *spool_fs_scan_names(int dir, int all)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	DIR *dp = fdopendir(dup(dir));
	struct dirent *e;

	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (all ? strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0
			: jobid_valid(e->d_name))
			g_ptr_array_add(ids, g_strdup(e->d_name));
	if (dp != NULL)
		closedir(dp);
	return ids;
}

int spool_fs_scan_list(void *be, size_t max, spool_list_fn fn, void *arg, int *truncated)
{
	static const enum fs_dir dirs[] = { FS_QUEUE, FS_ACTIVE, FS_DONE };
	static const enum spool_state states[] = { SPOOL_QUEUED, SPOOL_ACTIVE, SPOOL_DONE };
	struct fs *fs = be;
	size_t seen = 0;

	for (size_t k = 0; k < 3 && !*truncated; k++) {
		int sub = fs_sub(fs, dirs[k]);
		DIR *dp = sub >= 0 ? fdopendir(sub) : NULL;
		struct dirent *e;

		if (dp == NULL) {
			if (sub >= 0)
				close(sub);
			continue;
		}
		while ((e = readdir(dp)) != NULL) {
			json_t *meta, *res = NULL;
			json_int_t received = 0;
			struct stat st;
			int jd;

			if (!jobid_valid(e->d_name))
				continue;
			if (seen >= max) {
				*truncated = 1;
				break;
			}
			jd = fs_opendir_at(dirfd(dp), e->d_name);
			if (jd < 0)
				continue; /* moved on meanwhile */
			meta = spool_file_json(jd, FS_META, SPOOL_META_MAX);
			json_unpack(meta, "{s?I}", "received", &received);
			if (received == 0 && fstat(jd, &st) == 0)
				received = (json_int_t)st.st_mtime;
			if (states[k] == SPOOL_DONE)
				res = spool_file_json(jd, FS_RESULT, SPOOL_RESULT_MAX);
			fn(arg, e->d_name, states[k], meta, res, (time_t)received);
			seen++;
			json_decref(res);
			json_decref(meta);
			close(jd);
		}
		closedir(dp);
	}
	return 0;
}

/* when the job got its verdict: result.json's "finished", else its mtime */
static time_t fs_finished(int jd, json_t *res)
{
	json_t *f = json_object_get(res, "finished");
	struct stat st;

	if (json_is_integer(f))
		return (time_t)json_integer_value(f);
	if (fstatat(jd, FS_RESULT, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return st.st_mtime;
	if (fstat(jd, &st) == 0)
		return st.st_mtime;
	return 0;
}

/* purging/<id>: fn records it, then it is deleted; 0, -1 when kept */
static int fs_purge_one(int purging, const char *id, spool_purge_fn fn, void *arg, int resumed)
{
	int jd = fs_opendir_at(purging, id);
	json_t *res = jd >= 0 ? spool_file_json(jd, FS_RESULT, SPOOL_RESULT_MAX) : NULL;
	time_t fin = jd >= 0 ? fs_finished(jd, res) : 0;
	int rc;

	if (jd >= 0)
		close(jd);
	rc = fn(arg, id, res, fin, resumed);
	json_decref(res);
	if (rc != 0) {
		log_warnx("job %s: its purge is not recorded: kept for the next purge", id);
		return -1;
	}
	release_remove_tree(purging, id, SPOOL_RM_DEPTH);
	return 0;
}

/* Record first, delete second: a job leaves done/ for purging/ in one
 * rename (a reader sees the job or nothing), is recorded, then deleted.
 * Jobs an interrupted purge left in purging/ are finished first (their
 * record may have been written: then there are two). */
int spool_fs_scan_purge(void *be, time_t cutoff, spool_purge_fn fn, void *arg, unsigned *purged)
{
	struct fs *fs = be;
	int done = fs_sub(fs, FS_DONE), purging = fs_sub(fs, FS_PURGING), rc = 0;
	GPtrArray *ids;

	if (done < 0 || purging < 0) {
		if (done >= 0)
			close(done);
		if (purging >= 0)
			close(purging);
		return -1;
	}
	ids = spool_fs_scan_names(purging, 0);
	for (guint i = 0; i < ids->len; i++) {
		if (fs_purge_one(purging, ids->pdata[i], fn, arg, 1) != 0) {
			rc = -1;
			continue;
		}
		log_info("job %s: its interrupted purge finished", (char *)ids->pdata[i]);
		(*purged)++;
	}
	g_ptr_array_free(ids, TRUE);
	ids = spool_fs_scan_names(done, 0);
	for (guint i = 0; i < ids->len; i++) {
		const char *id = ids->pdata[i];
		int jd = fs_opendir_at(done, id);
		json_t *res;
		time_t fin;

		if (jd < 0)
			continue;
		res = spool_file_json(jd, FS_RESULT, SPOOL_RESULT_MAX);
		fin = fs_finished(jd, res);
		close(jd);
		json_decref(res);
		if (fin > cutoff)
			continue;
		if (renameat(done, id, purging, id) != 0) {
			log_warn("job %s: cannot purge", id);
			rc = -1;
			continue;
		}
		/* where it is now must be durable before its record: else a
		 * crash could bring back a job recorded as purged */
		if (fs_sync_dir(purging, "purging") != 0 || fs_sync_dir(done, "done") != 0) {
			rc = -1;
			continue; /* finished by the next purge */
		}
		if (fs_purge_one(purging, id, fn, arg, 0) != 0) {
			rc = -1;
			continue;
		}
		(*purged)++;
	}
	g_ptr_array_free(ids, TRUE);
	close(done);
	close(purging);
	return rc;
}
