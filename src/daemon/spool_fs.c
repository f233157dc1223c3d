/*
 * spool_fs.c - the spool's directory backend; with spool_fs.h and
 * spool_fs_scan.c the only files that know the layout.  Every move is a
 * rename, so a crash at any point leaves a consistent queue (after Postfix):
 *
 *   incoming/<id>/  being received (never acknowledged: dropped at start)
 *   queue/<id>/     original + meta.json + empty result.json + out/,
 *                   fsync'ed; the client got 202
 *   active/<id>/    being processed
 *   done/<id>/      result.json and out/ (released artefacts); the original
 *                   stays until the retention purge
 *   <job>/password  (0600) a password for the next try of a held job
 *   <job>/release-original.json  a release-original under way (admin.c):
 *                   settled at start (spool_fs_settle_release)
 *   purging/<id>/   out of sight, being purged: deleted only once its
 *                   `purged` record is durable; an interrupted purge is
 *                   finished by the next one (at start)
 *
 * The commit point of a verdict is result.json, written in place (its name
 * made durable at intake) and fsync'ed; the rename into done/ needs no
 * fsync: spool_fs_recover() finishes a job found in queue/ or active/ with
 * a complete result.json whose artefacts are all in out/ and no password
 * waiting, and runs any other again.
 */
#include "spool.h"
#include "spool_file.h"
#include "spool_fs.h"
#include "mugai/log.h"
#include "mugai/release.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fs_job {
	struct spool_job base;
	struct fs *fs;
	enum fs_dir where;
	int jd;
	char id[JOBID_LEN + 1];
};

static void *fs_open(const char *where, char *err, size_t errlen)
{
	struct fs *fs = calloc(1, sizeof(*fs));

	if (fs == NULL || strlen(where) >= sizeof(fs->path)) {
		snprintf(err, errlen, "spool %s: %s", where, fs ? "path too long" : "no memory");
		free(fs);
		return NULL;
	}
	memcpy(fs->path, where, strlen(where) + 1);
	if (g_mkdir_with_parents(fs->path, 0750) != 0 ||
	    (fs->fd = open(fs->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "spool %s: %s", where, strerror(errno));
		free(fs);
		return NULL;
	}
	for (size_t i = 0; i < FS_NDIRS; i++)
		if (mkdirat(fs->fd, fs_dirs[i], 0750) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "spool %s/%s: %s", where, fs_dirs[i], strerror(errno));
			close(fs->fd);
			free(fs);
			return NULL;
		}
	return fs;
}

static void fs_close(void *be)
{
	struct fs *fs = be;

	close(fs->fd);
	free(fs);
}

static struct fs_job *fs_job_new(struct fs *fs, const char *id, enum fs_dir where, int jd)
{
	struct fs_job *j;

	if (jd < 0)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		close(jd);
		return NULL;
	}
	j->base.ops = &spool_fs_ops;
	j->fs = fs;
	j->where = where;
	j->jd = jd;
	memcpy(j->id, id, JOBID_LEN + 1);
	return j;
}

static struct spool_job *fs_job_at(struct fs *fs, const char *id, enum fs_dir where)
{
	int dir = fs_sub(fs, where), jd = dir >= 0 ? fs_opendir_at(dir, id) : -1;

	if (dir >= 0)
		close(dir);
	return (struct spool_job *)fs_job_new(fs, id, where, jd);
}

static int fs_intake_create(void *be, const char *id, int *ofd)
{
	struct fs *fs = be;
	int inc = fs_sub(fs, FS_INCOMING), jd;

	*ofd = -1;
	if (inc < 0)
		return -1;
	if (mkdirat(inc, id, 0750) != 0 || (jd = fs_opendir_at(inc, id)) < 0) {
		close(inc);
		return -1;
	}
	*ofd = openat(jd, FS_ORIGINAL, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0640);
	close(jd);
	if (*ofd < 0)
		release_remove_tree(inc, id, SPOOL_RM_DEPTH);
	close(inc);
	return *ofd >= 0 ? 0 : -1;
}

static struct spool_job *fs_intake_open(void *be, const char *id)
{
	return fs_job_at(be, id, FS_INCOMING);
}

static int fs_intake_commit(struct spool_job *sj, const char *meta, int ofd)
{
	struct fs_job *j = (struct fs_job *)sj;
	int inc = fs_sub(j->fs, FS_INCOMING), q = fs_sub(j->fs, FS_QUEUE), mfd = -1, rc = -1;
	size_t len = strlen(meta);

	if (inc < 0 || q < 0 || j->where != FS_INCOMING)
		goto out;
	/* incoming/<id> is ours alone: meta.json needs no temporary name */
	mfd = openat(j->jd, FS_META, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (mfd < 0 || write(mfd, meta, len) != (ssize_t)len)
		goto out;
	/* out/ and an empty result.json now, so that their names are durable
	 * with this fsync of the job directory and the verdict needs none: it
	 * is written in place.  A worker started early may have made either. */
	if ((mkdirat(j->jd, FS_OUT, 0750) != 0 && errno != EEXIST) ||
	    spool_file_touch(j->jd, FS_RESULT) != 0)
		goto out;
	/* durable before anyone hears of the job: the data and the names in
	 * the job directory (side by side: one journal commit, where the file
	 * system batches them), then the job in queue/ */
	if (spool_file_sync_all((int[]){ ofd, mfd, j->jd }, 3) != 0 ||
	    renameat(inc, j->id, q, j->id) != 0)
		goto out;
	j->where = FS_QUEUE;
	if (fsync(q) != 0)
		goto out;
	rc = 0;
out:
	if (mfd >= 0)
		close(mfd);
	if (inc >= 0)
		close(inc);
	if (q >= 0)
		close(q);
	return rc;
}

/* Remove job id from incoming/ and queue/, durably: a job whose intake
 * failed was answered 503 and must not come back at start.  incoming/ is
 * emptied at start, so only a removal from queue/ needs its fsync (an
 * upload cut off never costs one). */
static void fs_intake_abort(void *be, const char *id)
{
	int inc = fs_sub(be, FS_INCOMING), q = fs_sub(be, FS_QUEUE);
	struct stat st;

	if (inc >= 0) {
		release_remove_tree(inc, id, SPOOL_RM_DEPTH);
		close(inc);
	}
	if (q >= 0) {
		if (fstatat(q, id, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			release_remove_tree(q, id, SPOOL_RM_DEPTH);
			fs_sync_dir(q, "queue");
		}
		close(q);
	}
}

/* Where a job may be once committed, in the order looked in: the i-th
 * place (i taken modulo the three, so that a caller may go round more than
 * once) written to path, its state returned.  A job is renamed from one to
 * the next (queue -> active -> done, done -> queue for a password): one
 * renamed from a place not looked in yet to one looked in already is found
 * the next time round. */
#define FS_PLACES 3
static enum spool_state fs_place(char *path, size_t len, const char *id, size_t i)
{
	static const enum fs_dir dirs[FS_PLACES] = { FS_DONE, FS_ACTIVE, FS_QUEUE };
	static const enum spool_state states[FS_PLACES] = { SPOOL_DONE, SPOOL_ACTIVE,
							    SPOOL_QUEUED };

	snprintf(path, len, "%s/%s", fs_dirs[dirs[i % FS_PLACES]], id);
	return states[i % FS_PLACES];
}

static enum spool_state fs_state(void *be, const char *id)
{
	struct fs *fs = be;
	struct stat st;
	char path[128];

	/* three times round: only a job moving twice within these few
	 * fstatat calls would be missed */
	for (size_t i = 0; i < 3 * FS_PLACES; i++) {
		enum spool_state state = fs_place(path, sizeof(path), id, i);

		if (fstatat(fs->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			return state;
	}
	return SPOOL_NONE;
}

static char *fs_result_load(void *be, const char *id)
{
	struct fs *fs = be;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s/%s", fs_dirs[FS_DONE], id, FS_RESULT);
	return spool_file_read(fs->fd, path, SPOOL_RESULT_MAX);
}

static json_t *fs_meta_load(void *be, const char *id)
{
	struct fs *fs = be;
	char path[128];

	/* twice round: a job moving on meanwhile is found where it went */
	for (size_t i = 0; i < 2 * FS_PLACES; i++) {
		int jd;
		json_t *meta;

		fs_place(path, sizeof(path), id, i);
		jd = openat(fs->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (jd < 0)
			continue;
		meta = spool_file_json(jd, FS_META, SPOOL_META_MAX);
		close(jd);
		if (meta != NULL)
			return meta;
	}
	return NULL;
}

/* only under done/<id>/out: released bytes, never the original */
static int fs_artefact_open(void *be, const char *id, const char *rel)
{
	struct fs *fs = be;
	char path[RELEASE_PATH_MAX + 128], err[128];
	struct stat st;
	int fd;

	if (release_path_check(rel, err, sizeof(err)) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s/%s", fs_dirs[FS_DONE], id, FS_OUT, rel);
	fd = spool_file_open_beneath(fs->fd, path);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Did the worker record this job's verdict before a crash?  result.json is
 * the commit point, written in place and fsync'ed beside the fsyncs of the
 * release directories: a complete verdict whose artefacts are all in out/
 * is final (a torn write does not parse; an artefact's data is durable
 * before its name is: release_copy fsyncs it, and a link's is the
 * original's).  A password file means a new try is asked for (or was not
 * yet cleared): the job runs again. */
static json_t *fs_committed(int jd)
{
	json_t *res, *arts, *a;
	const char *state;
	struct stat st;
	size_t i;
	int out, ok = 0;

	if (fstatat(jd, FS_PASSWORD, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return NULL;
	res = spool_file_json(jd, FS_RESULT, SPOOL_RESULT_MAX);
	state = json_string_value(json_object_get(res, "state"));
	arts = json_object_get(res, "artefacts");
	out = fs_opendir_at(jd, FS_OUT);
	if (state != NULL && strcmp(state, "done") == 0 &&
	    json_is_string(json_object_get(res, "verdict")) && json_is_array(arts) && out >= 0) {
		ok = 1;
		json_array_foreach(arts, i, a) {
			const char *path = json_string_value(json_object_get(a, "path"));
			json_int_t size = json_integer_value(json_object_get(a, "size"));
			char err[64];

			if (path == NULL || release_path_check(path, err, sizeof(err)) != 0 ||
			    fstatat(out, path, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISREG(st.st_mode) || st.st_size != (off_t)size) {
				ok = 0;
				break;
			}
		}
	}
	if (out >= 0)
		close(out);
	if (!ok) {
		json_decref(res);
		return NULL;
	}
	return res;
}

/* result.json back to empty, durably: a verdict from an earlier try must
 * not be taken for this one's */
static void fs_empty_result(int jd)
{
	int fd = openat(jd, FS_RESULT, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		if (fsync(fd) != 0)
			log_warn("fsync of an emptied result.json");
		close(fd);
	}
}

static GPtrArray *fs_ids(int dir)
{
	return spool_fs_scan_names(dir, 0);
}

static GPtrArray *fs_ids_all(int dir)
{
	return spool_fs_scan_names(dir, 1);
}

/* every top-level entry of out/ that no artefact of res lives under goes
 * (a released original not yet listed, a temporary file), durably */
static int fs_withdraw_unlisted(int jd, json_t *res)
{
	json_t *arts = json_object_get(res, "artefacts"), *a;
	int out = fs_opendir_at(jd, FS_OUT), rc = 0;
	GPtrArray *names;
	size_t i;

	if (out < 0)
		return errno == ENOENT ? 0 : -1;
	names = fs_ids_all(out);
	for (guint k = 0; k < names->len; k++) {
		const char *n = names->pdata[k];
		size_t len = strlen(n);
		int listed = 0;

		json_array_foreach(arts, i, a) {
			const char *p = json_string_value(json_object_get(a, "path"));

			if (p != NULL && strncmp(p, n, len) == 0 && (p[len] == '\0' || p[len] == '/'))
				listed = 1;
		}
		if (!listed) {
			log_warnx("removing '%s', released but never listed", n);
			release_remove_tree(out, n, SPOOL_RM_DEPTH);
			rc = 1;
		}
	}
	g_ptr_array_free(names, TRUE);
	if (rc > 0 && fsync(out) != 0)
		rc = -1;
	close(out);
	return rc < 0 ? -1 : 0;
}

/* A release-original interrupted by a stop: what its result does not list
 * is withdrawn, the daemon audits the outcome, then the marker goes. */
static void fs_settle_releases(int done, const struct spool_recover_cb *cb)
{
	GPtrArray *ids = fs_ids(done);

	for (guint k = 0; k < ids->len; k++) {
		const char *id = ids->pdata[k];
		int jd = fs_opendir_at(done, id);
		json_t *res, *marker;
		struct stat st;

		if (jd < 0)
			continue;
		if (fstatat(jd, FS_RELEASING, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			close(jd);
			continue;
		}
		marker = spool_file_json(jd, FS_RELEASING, FS_MARKER_MAX);
		res = spool_file_json(jd, FS_RESULT, SPOOL_RESULT_MAX);
		if (res == NULL || fs_withdraw_unlisted(jd, res) != 0) {
			log_warnx("job %s: cannot settle its interrupted release-original", id);
		} else if (cb->release_interrupted == NULL ||
			   cb->release_interrupted(cb->arg, id, res, marker) == 0) {
			if (unlinkat(jd, FS_RELEASING, 0) != 0 || fsync(jd) != 0)
				log_warn("job %s: cannot remove its release marker", id);
		}
		json_decref(res);
		json_decref(marker);
		close(jd);
	}
	g_ptr_array_free(ids, TRUE);
}

/* After a crash: uploads never acknowledged (incoming/) are dropped; jobs
 * whose verdict was recorded go to done/; interrupted jobs (active/, or
 * queue/ when handed over at intake) lose their partial output and run
 * again; queued jobs are queued. */
static int fs_recover(void *be, const struct spool_recover_cb *cb)
{
	struct fs *fs = be;
	int inc = fs_sub(fs, FS_INCOMING), act = fs_sub(fs, FS_ACTIVE);
	int q = fs_sub(fs, FS_QUEUE), done = fs_sub(fs, FS_DONE);
	DIR *dp;
	struct dirent *e;
	unsigned n = 0, finished = 0;
	GPtrArray *ids = NULL;
	int rc = -1;

	if (inc < 0 || act < 0 || q < 0 || done < 0)
		goto out;
	dp = fdopendir(dup(inc));
	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			release_remove_tree(inc, e->d_name, SPOOL_RM_DEPTH);
	if (dp != NULL)
		closedir(dp);
	dp = fdopendir(dup(act));
	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (jobid_valid(e->d_name) && renameat(act, e->d_name, q, e->d_name) == 0)
			log_info("job %s was interrupted: queued again", e->d_name);
	if (dp != NULL)
		closedir(dp);
	/* not needed for consistency: a job left in active/ comes here again */
	fs_sync_dir(q, "queue");
	ids = fs_ids(q);
	for (guint k = 0; k < ids->len; k++) {
		const char *id = g_ptr_array_index(ids, k);
		int jd = fs_opendir_at(q, id);
		json_t *res = jd >= 0 ? fs_committed(jd) : NULL;

		/* the verdict was durable, its move to done/ was not; its audit
		 * line may not be: no record, no release */
		if (res != NULL && cb->recovered(cb->arg, id, res) == 0 &&
		    renameat(q, id, done, id) == 0) {
			log_info("job %s: its verdict was recorded before the stop", id);
			json_decref(res);
			close(jd);
			finished++;
			continue;
		}
		json_decref(res);
		if (jd >= 0) {
			/* a partial out/ from an interrupted try goes, and so
			 * does an earlier try's verdict */
			release_remove_tree(jd, FS_OUT, SPOOL_RM_DEPTH);
			unlinkat(jd, FS_RESULT ".tmp", 0);
			fs_empty_result(jd);
			close(jd);
		}
		cb->queued(cb->arg, id);
		n++;
	}
	if (finished > 0 && (fs_sync_dir(done, "done") != 0 || fs_sync_dir(q, "queue") != 0))
		log_warnx("the spool after recovery may not be durable");
	fs_settle_releases(done, cb);
	if (n > 0)
		log_info("%u job(s) in the queue after start", n);
	rc = 0;
out:
	if (ids != NULL)
		g_ptr_array_free(ids, TRUE);
	if (inc >= 0)
		close(inc);
	if (act >= 0)
		close(act);
	if (q >= 0)
		close(q);
	if (done >= 0)
		close(done);
	return rc;
}

static enum spool_err fs_password(void *be, const char *id, const char *pw, size_t len)
{
	struct fs *fs = be;
	int done = fs_sub(fs, FS_DONE), q = fs_sub(fs, FS_QUEUE);
	int jd = done >= 0 ? fs_opendir_at(done, id) : -1;
	enum spool_err rc = SPOOL_ERR_IO;

	if (done < 0 || q < 0 || jd < 0 ||
	    spool_file_replace(jd, FS_PASSWORD, pw, len, 0600) != 0)
		goto out;
	if (renameat(done, id, q, id) != 0) {
		unlinkat(jd, FS_PASSWORD, 0);
		goto out;
	}
	/* the try's output and verdict replace the last one's (a mail
	 * released with a held attachment: its rebuilt message); after a
	 * crash before this, recovery clears them */
	release_remove_tree(jd, FS_OUT, SPOOL_RM_DEPTH);
	fs_empty_result(jd);
	/* queued now either way: should these fail and the host crash, the
	 * job is found in done/ with its password file, and a new call asks
	 * again */
	fs_sync_dir(q, "queue");
	fs_sync_dir(done, "done");
	rc = SPOOL_OK;
out:
	if (jd >= 0)
		close(jd);
	if (done >= 0)
		close(done);
	if (q >= 0)
		close(q);
	return rc;
}

/* queue/<id> -> active/<id>: no fsync, after a crash a job in either place
 * is processed again */
static struct spool_job *fs_job_begin(void *be, const char *id)
{
	struct fs *fs = be;
	int q = fs_sub(fs, FS_QUEUE), act = fs_sub(fs, FS_ACTIVE), jd = -1;

	if (q >= 0 && act >= 0 && renameat(q, id, act, id) == 0)
		jd = fs_opendir_at(act, id);
	if (q >= 0)
		close(q);
	if (act >= 0)
		close(act);
	return (struct spool_job *)fs_job_new(fs, id, FS_ACTIVE, jd);
}

static struct spool_job *fs_job_done(void *be, const char *id)
{
	return fs_job_at(be, id, FS_DONE);
}

static struct spool_job *fs_job_dup(struct spool_job *sj)
{
	struct fs_job *j = (struct fs_job *)sj;

	return (struct spool_job *)fs_job_new(j->fs, j->id, j->where,
					      fcntl(j->jd, F_DUPFD_CLOEXEC, 0));
}

static json_t *fs_job_meta(struct spool_job *sj)
{
	return spool_file_json(((struct fs_job *)sj)->jd, FS_META, SPOOL_META_MAX);
}

static int fs_job_original(struct spool_job *sj)
{
	return openat(((struct fs_job *)sj)->jd, FS_ORIGINAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* made at intake (which may not have come to it yet: its fsync of the job
 * directory comes after); made again after a crash wiped it: then its
 * name must be durable before the verdict (sync_new) */
static int fs_job_out(struct spool_job *sj, int sync_new)
{
	struct fs_job *j = (struct fs_job *)sj;

	if (mkdirat(j->jd, FS_OUT, 0750) == 0 && sync_new && fsync(j->jd) != 0)
		log_warn("job %s: fsync of the job directory", j->id);
	return fs_opendir_at(j->jd, FS_OUT);
}

/* The passwords, NUL-separated, NUL-terminated in pw, their bytes in *len.
 * A file that is empty or too long is ignored (the job stays held). */
static int fs_job_password(struct spool_job *sj, char *pw, size_t cap, size_t *len)
{
	int fd = openat(((struct fs_job *)sj)->jd, FS_PASSWORD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 1 ||
	    (uint64_t)st.st_size >= cap) {
		close(fd);
		log_warnx("ignoring an unusable password file");
		return -1;
	}
	n = pread(fd, pw, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		explicit_bzero(pw, cap);
		return -1;
	}
	pw[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* The verdict into result.json: in place when the intake made the file
 * (its name is durable already), else under a temporary name.  The job is
 * not in done/ yet, so no reader sees a partial file.  A verdict that may
 * not be on disk is emptied again: recovery must not take it for one that
 * is (after a failed fsync the page cache can still show it). */
static int fs_job_record(struct spool_job *sj, const char *text)
{
	struct fs_job *j = (struct fs_job *)sj;
	int fd = openat(j->jd, FS_RESULT, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0) {
		if (spool_file_replace(j->jd, FS_RESULT, text, len, 0640) == 0)
			return 0;
		/* it may be in place, its name not durable */
		unlinkat(j->jd, FS_RESULT, 0);
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		if (ftruncate(fd, 0) != 0)
			log_warn("cannot empty result.json again");
		close(fd);
		return -1;
	}
	return close(fd);
}

static int fs_job_rewrite(struct spool_job *sj, const char *text)
{
	return spool_file_replace(((struct fs_job *)sj)->jd, FS_RESULT, text, strlen(text), 0640);
}

static int fs_job_drop_password(struct spool_job *sj)
{
	struct fs_job *j = (struct fs_job *)sj;

	if (unlinkat(j->jd, FS_PASSWORD, 0) == 0)
		return fsync(j->jd) == 0 ? 0 : -1;
	return errno == ENOENT ? 0 : -1;
}

/* into done/, no fsync: a job in queue/ or active/ with its verdict
 * recorded goes to done/ at the next start.  A worker's copy of a handle
 * still in incoming/ finishes from queue/: the worker waits for the
 * intake's commit, which put it there, before it finishes it. */
static int fs_job_finish(struct spool_job *sj)
{
	struct fs_job *j = (struct fs_job *)sj;
	enum fs_dir from = j->where == FS_INCOMING ? FS_QUEUE : j->where;
	int src = fs_sub(j->fs, from), done = fs_sub(j->fs, FS_DONE), rc = -1;

	if (src >= 0 && done >= 0 && from != FS_DONE && renameat(src, j->id, done, j->id) == 0) {
		j->where = FS_DONE;
		rc = 0;
	}
	if (src >= 0)
		close(src);
	if (done >= 0)
		close(done);
	return rc;
}

/* back to queue/ (from active/, or in it when handed over at intake), the
 * try's output and result gone first, so that neither is taken for this
 * job's at the next start */
static int fs_job_retry(struct spool_job *sj)
{
	struct fs_job *j = (struct fs_job *)sj;
	int act, q, rc = -1;

	if (j->where == FS_DONE)
		return -1;
	release_remove_tree(j->jd, FS_OUT, SPOOL_RM_DEPTH);
	unlinkat(j->jd, FS_RESULT ".tmp", 0);
	fs_empty_result(j->jd);
	if (j->where != FS_ACTIVE) {
		j->where = FS_QUEUE;
		return 0;
	}
	act = fs_sub(j->fs, FS_ACTIVE);
	q = fs_sub(j->fs, FS_QUEUE);
	if (act >= 0 && q >= 0 && renameat(act, j->id, q, j->id) == 0) {
		j->where = FS_QUEUE;
		rc = 0;
	}
	if (act >= 0)
		close(act);
	if (q >= 0)
		close(q);
	return rc;
}

static int fs_job_release_begin(struct spool_job *sj, const char *marker)
{
	struct fs_job *j = (struct fs_job *)sj;

	return spool_file_replace(j->jd, FS_RELEASING, marker, strlen(marker), 0640);
}

static int fs_job_release_end(struct spool_job *sj)
{
	struct fs_job *j = (struct fs_job *)sj;

	if (unlinkat(j->jd, FS_RELEASING, 0) != 0)
		return errno == ENOENT ? 0 : -1;
	return fsync(j->jd) == 0 ? 0 : -1;
}

static void fs_job_close(struct spool_job *sj)
{
	struct fs_job *j = (struct fs_job *)sj;

	close(j->jd);
	free(j);
}

const struct spool_ops spool_fs_ops = {
	.name = "fs",
	.open = fs_open,
	.close = fs_close,
	.intake_create = fs_intake_create,
	.intake_open = fs_intake_open,
	.intake_commit = fs_intake_commit,
	.intake_abort = fs_intake_abort,
	.state = fs_state,
	.result_load = fs_result_load,
	.meta_load = fs_meta_load,
	.artefact_open = fs_artefact_open,
	.recover = fs_recover,
	.list = spool_fs_scan_list,
	.purge = spool_fs_scan_purge,
	.password = fs_password,
	.job_begin = fs_job_begin,
	.job_done = fs_job_done,
	.job_dup = fs_job_dup,
	.job_meta = fs_job_meta,
	.job_original = fs_job_original,
	.job_out = fs_job_out,
	.job_password = fs_job_password,
	.job_record = fs_job_record,
	.job_rewrite = fs_job_rewrite,
	.job_drop_password = fs_job_drop_password,
	.job_finish = fs_job_finish,
	.job_retry = fs_job_retry,
	.job_release_begin = fs_job_release_begin,
	.job_release_end = fs_job_release_end,
	.job_close = fs_job_close,
};
