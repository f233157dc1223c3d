/* spool.c - the durable job queue held by directories, and the workers */
#include "mugai/clock.h"
#include "daemon.h"
#include "mugai/detect.h"
#include "mugai/job.h"
#include "mugai/release.h"
#include "mugai/log.h"
#include "filter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const spool_dirs[] = { "incoming", "queue", "active", "done" };

int spool_subdir(struct daemon *d, const char *sub)
{
	return openat(d->spool_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int spool_open(struct daemon *d, char *err, size_t errlen)
{
	if (g_mkdir_with_parents(d->spool, 0750) != 0) {
		snprintf(err, errlen, "spool %s: %s", d->spool, strerror(errno));
		return -1;
	}
	d->spool_fd = open(d->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->spool_fd < 0) {
		snprintf(err, errlen, "spool %s: %s", d->spool, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(spool_dirs); i++)
		if (mkdirat(d->spool_fd, spool_dirs[i], 0750) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "spool %s/%s: %s", d->spool, spool_dirs[i],
				 strerror(errno));
			return -1;
		}
	return 0;
}

static void spool_enqueue_locked(struct daemon *d, const char *id)
{
	g_queue_push_tail(d->queue, g_strdup(id));
	pthread_cond_signal(&d->queue_cv);
}

void spool_enqueue(struct daemon *d, const char *id)
{
	pthread_mutex_lock(&d->mu);
	spool_enqueue_locked(d, id);
	pthread_mutex_unlock(&d->mu);
}

static json_t *spool_verdict_event(const char *id, const char *name, json_t *report);

/* Did the worker record this job's verdict before a crash?  result.json is
 * the commit point, written in place and fsync'ed beside the fsyncs of the
 * release directories: a complete verdict whose artefacts are all in out/
 * is final (a torn write does not parse; an artefact's data is durable
 * before its name is: release_copy fsyncs it, and a link's is the
 * original's).  A password file means a new try is asked for (or was not
 * yet cleared): the job runs again. */
static json_t *spool_committed(int jd)
{
	json_t *res, *arts, *a;
	const char *state;
	struct stat st;
	size_t i;
	int out, ok = 0;

	if (fstatat(jd, DAEMON_PASSWORD_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return NULL;
	res = spool_load_json_at(jd, "result.json", DAEMON_RESULT_MAX);
	state = json_string_value(json_object_get(res, "state"));
	arts = json_object_get(res, "artefacts");
	out = openat(jd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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
static void spool_empty_result(int jd)
{
	int fd = openat(jd, "result.json", O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		if (fsync(fd) != 0)
			log_warn("fsync of an emptied result.json");
		close(fd);
	}
}

/* After a crash: uploads never acknowledged are dropped; jobs whose verdict
 * was recorded go to done/; interrupted jobs lose their partial output and
 * are queued again; queued jobs are queued. */
int spool_recover(struct daemon *d)
{
	int inc = spool_subdir(d, "incoming"), act = spool_subdir(d, "active");
	int q = spool_subdir(d, "queue"), done = spool_subdir(d, "done");
	DIR *dp;
	struct dirent *e;
	unsigned n = 0, finished = 0;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	int rc = -1;

	if (inc < 0 || act < 0 || q < 0 || done < 0)
		goto out;
	dp = fdopendir(dup(inc));
	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			release_remove_tree(inc, e->d_name, DAEMON_RM_DEPTH);
	if (dp != NULL)
		closedir(dp);
	dp = fdopendir(dup(act));
	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (jobid_valid(e->d_name) && renameat(act, e->d_name, q, e->d_name) == 0)
			log_info("job %s was interrupted: queued again", e->d_name);
	if (dp != NULL)
		closedir(dp);
	fsync(q);
	/* the names first: entries move out of queue/ below */
	dp = fdopendir(dup(q));
	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (jobid_valid(e->d_name))
			g_ptr_array_add(ids, g_strdup(e->d_name));
	if (dp != NULL)
		closedir(dp);
	for (guint k = 0; k < ids->len; k++) {
		const char *id = g_ptr_array_index(ids, k);
		int jd = openat(q, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		json_t *res = jd >= 0 ? spool_committed(jd) : NULL;

		if (res != NULL && renameat(q, id, done, id) == 0) {
			/* the verdict was durable; only its move to done/ was
			 * not.  Its audit line may not have been: one more,
			 * marked, from result.json */
			json_t *ev = spool_verdict_event(id, json_string_value(
				json_object_get(res, "name")), res);

			log_info("job %s: its verdict was recorded before the stop", id);
			if (ev == NULL || json_object_set_new(ev, "recovered", json_true()) != 0 ||
			    audit_append(d->audit, ev) != 0)
				log_warnx("job %s: cannot write the audit record", id);
			json_decref(ev);
			json_decref(res);
			close(jd);
			finished++;
			continue;
		}
		json_decref(res);
		if (jd >= 0) {
			/* a partial out/ from an interrupted try (in active/, or
			 * in queue/ when it was handed over at intake) goes, and
			 * so does an earlier try's verdict */
			release_remove_tree(jd, "out", DAEMON_RM_DEPTH);
			unlinkat(jd, "result.json.tmp", 0);
			spool_empty_result(jd);
			close(jd);
		}
		spool_enqueue(d, id);
		n++;
	}
	if (finished > 0 && (fsync(done) != 0 || fsync(q) != 0))
		log_warn("fsync of the spool after recovery");
	if (n > 0)
		log_info("%u job(s) in the queue after start", n);
	rc = 0;
out:
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

/* write name under dirfd atomically: temporary file, fsync, rename, fsync */
int spool_write_mode_at(int dirfd, const char *name, const char *text, size_t len,
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

int spool_write_file_at(int dirfd, const char *name, const char *text)
{
	return spool_write_mode_at(dirfd, name, text, strlen(text), 0640);
}

/* an empty file name under dirfd, unless it is there already */
static int spool_create_empty(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* The verdict into result.json: in place when the intake made the file
 * (its name is durable already), else under a temporary name.  The job is
 * not in done/ yet, so no reader sees a partial file.  A verdict that may
 * not be on disk is emptied again: spool_recover() must not take it for
 * one that is (after a failed fsync the page cache can still show it). */
static int spool_write_result(int jd, const char *text)
{
	int fd = openat(jd, "result.json", O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0) {
		if (spool_write_file_at(jd, "result.json", text) == 0)
			return 0;
		/* it may be in place, its name not durable */
		unlinkat(jd, "result.json", 0);
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

/* Remove job id from the spool directories it may be in, durably: a job
 * whose intake failed was answered 503 and must not come back at start. */
static void spool_remove_job(struct daemon *d, const char *id)
{
	static const char *const where[] = { "incoming", "queue" };

	for (size_t i = 0; i < G_N_ELEMENTS(where); i++) {
		int dir = spool_subdir(d, where[i]);

		if (dir >= 0) {
			release_remove_tree(dir, id, DAEMON_RM_DEPTH);
			fsync(dir);
			close(dir);
		}
	}
}

void spool_intake_free(void *p)
{
	struct spool_intake *in = p;

	if (in->jd >= 0)
		close(in->jd);
	free(in);
}

/* Hand the job to an idle worker now, before its intake is durable; NULL
 * when every worker is busy (it then waits its turn in queue/). */
static struct spool_intake *spool_hand_over(struct daemon *d, const char *id, int jd,
					     const char *name, int mode)
{
	struct spool_intake *in = NULL;

	pthread_mutex_lock(&d->mu);
	if (!d->stopping && d->active + g_queue_get_length(d->queue) < d->workers &&
	    (in = calloc(1, sizeof(*in))) != NULL &&
	    (in->jd = fcntl(jd, F_DUPFD_CLOEXEC, 0)) >= 0) {
		g_strlcpy(in->name, name, sizeof(in->name));
		in->mode = mode;
		g_hash_table_insert(d->intake, g_strdup(id), in);
		spool_enqueue_locked(d, id);
	} else if (in != NULL) {
		free(in);
		in = NULL;
	}
	pthread_mutex_unlock(&d->mu);
	return in;
}

static void spool_intake_done(struct daemon *d, struct spool_intake *in, int state)
{
	pthread_mutex_lock(&d->mu);
	in->state = state;
	pthread_cond_broadcast(&d->intake_cv);
	pthread_mutex_unlock(&d->mu);
}

/* Run fn(arg) in a thread of its own; 0 when none could be made and it
 * ran here */
static int spool_beside(pthread_t *th, void *(*fn)(void *), void *arg)
{
	if (pthread_create(th, NULL, fn, arg) == 0)
		return 1;
	fn(arg);
	return 0;
}

struct spool_fsync_task {
	int fd;
	int rc;
};

static void *spool_fsync_thread(void *arg)
{
	struct spool_fsync_task *t = arg;

	t->rc = fsync(t->fd);
	return NULL;
}

#define SPOOL_FSYNC_MAX 4

/* fsync n (at most SPOOL_FSYNC_MAX) files side by side, each in a thread of
 * its own but the first: the waits overlap (on a journalling file system
 * they share one commit).  0 when every one succeeded. */
static int spool_fsync_all(const int *fds, size_t n)
{
	struct spool_fsync_task t[SPOOL_FSYNC_MAX];
	pthread_t th[SPOOL_FSYNC_MAX];
	int started[SPOOL_FSYNC_MAX] = { 0 }, rc;

	if (n == 0 || n > SPOOL_FSYNC_MAX)
		return -1;
	for (size_t i = 1; i < n; i++) {
		t[i].fd = fds[i];
		started[i] = spool_beside(&th[i], spool_fsync_thread, &t[i]);
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

int spool_commit(struct daemon *d, const char *id, const char *name, int mode, int ofd)
{
	int inc = spool_subdir(d, "incoming"), q = spool_subdir(d, "queue"), jd = -1, mfd = -1;
	int rc = -1;
	json_t *meta = json_pack("{s:s, s:s, s:s, s:I}", "id", id, "name", name, "mode",
				 config_mode_name(mode), "received", (json_int_t)time(NULL));
	char *text = json_dumps(meta, JSON_COMPACT);
	struct spool_intake *in = NULL;
	struct stat st;

	if (inc < 0 || q < 0 || text == NULL || fstat(ofd, &st) != 0)
		goto out;
	jd = openat(inc, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (jd < 0)
		goto out;
	/* the worker starts on the original now, with the name and mode from
	 * here: what follows runs beside its detection and scan */
	in = spool_hand_over(d, id, jd, name, mode);
	/* incoming/<id> is ours alone: meta.json needs no temporary name */
	mfd = openat(jd, "meta.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (mfd < 0 || write(mfd, text, strlen(text)) != (ssize_t)strlen(text))
		goto out;
	/* out/ and an empty result.json now, so that their names are durable
	 * with this fsync of the job directory and the worker's verdict needs
	 * none: it writes result.json in place.  The worker may have made
	 * either first. */
	if ((mkdirat(jd, "out", 0750) != 0 && errno != EEXIST) ||
	    spool_create_empty(jd, "result.json") != 0)
		goto out;
	/* durable before anyone hears of the job: the data and the names in
	 * the job directory (side by side: one journal commit, where the file
	 * system batches them), then the job in queue/ */
	if (spool_fsync_all((int[]){ ofd, mfd, jd }, 3) != 0 ||
	    renameat(inc, id, q, id) != 0)
		goto out;
	if (fsync(q) != 0)
		goto out;
	{
		json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:I}", "event", "received",
			"job", id, "source", "api", "name", name, "size", (json_int_t)st.st_size);

		/* durable with the verdict's line, or by http.c before the 202 */
		if (audit_append_lazy(d->audit, ev) != 0)
			log_warnx("job %s: cannot write the audit record", id);
		json_decref(ev);
	}
	if (in == NULL)
		spool_enqueue(d, id);
	rc = 0;
out:
	/* a failed intake goes: the worker that has it removes it, else we do */
	if (in != NULL)
		spool_intake_done(d, in, rc == 0 ? 1 : -1);
	else if (rc != 0)
		spool_remove_job(d, id);
	free(text);
	json_decref(meta);
	if (mfd >= 0)
		close(mfd);
	if (jd >= 0)
		close(jd);
	if (inc >= 0)
		close(inc);
	if (q >= 0)
		close(q);
	return rc;
}

int spool_handed_over(struct daemon *d, const char *id)
{
	struct spool_intake *in;
	int started;

	pthread_mutex_lock(&d->mu);
	in = g_hash_table_lookup(d->intake, id);
	started = in != NULL && in->started;
	pthread_mutex_unlock(&d->mu);
	return started;
}

const char *spool_state(struct daemon *d, const char *id)
{
	static const char *const states[] = { "done", "processing", "queued" };
	static const char *const dirs[] = { "done", "active", "queue" };
	struct stat st;
	char path[128];

	if (!jobid_valid(id))
		return NULL;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], id);
		if (fstatat(d->spool_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			return i == 2 && spool_handed_over(d, id) ? "processing" : states[i];
	}
	return NULL;
}

char *spool_read_at(int dirfd, const char *name, size_t max)
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

json_t *spool_load_json_at(int dirfd, const char *name, size_t max)
{
	char *text = spool_read_at(dirfd, name, max);
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return j;
}

char *spool_result(struct daemon *d, const char *id)
{
	char path[128];

	if (!jobid_valid(id))
		return NULL;
	snprintf(path, sizeof(path), "done/%s/result.json", id);
	return spool_read_at(d->spool_fd, path, DAEMON_RESULT_MAX);
}

const char *const spool_filter_failures[DAEMON_FILTER_FAILURE_KINDS] = {
	"filter-timeout", "filter-crashed", "filter-sandbox-violation", "filter-cpu-limit",
	"filter-killed", "filter-output-too-large", "filter-spawn", "other",
};

/* count the items a filter process failed on (under d->mu) */
static void spool_count_filter_failures(struct daemon *d, json_t *report)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(report, "items"), i, it) {
		const char *r = json_string_value(json_object_get(it, "reason"));
		size_t k;

		if (r == NULL || strncmp(r, "filter-", 7) != 0)
			continue;
		for (k = 0; k + 1 < DAEMON_FILTER_FAILURE_KINDS; k++) {
			size_t n = strlen(spool_filter_failures[k]);

			if (strncmp(r, spool_filter_failures[k], n) == 0 &&
			    (r[n] == '\0' || r[n] == ':'))
				break;
		}
		d->filter_failures[k]++;
	}
}

static void spool_account(struct daemon *d, json_t *report, const char *verdict, uint64_t in,
			  uint64_t out, int64_t ms)
{
	static const char *const v[] = { "released", "blocked", "held", "failed" };
	static const double le[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10 };
	size_t i;

	pthread_mutex_lock(&d->mu);
	for (i = 0; i < 4 && strcmp(v[i], verdict) != 0; i++)
		;
	d->jobs_by_verdict[i]++;
	d->bytes_in += in;
	d->bytes_out += out;
	d->processing_ms_sum += (uint64_t)ms;
	d->processing_count++;
	for (i = 0; i < 7 && (double)ms / 1000.0 > le[i]; i++)
		;
	d->processing_hist[i]++;
	spool_count_filter_failures(d, report);
	pthread_mutex_unlock(&d->mu);
}

/* The password given over the API for this try, if any: 0 when read.  A
 * file that is too long or holds a NUL is ignored (the job stays held). */
static int spool_read_password(int jd, char pw[FILTER_PASSWORD_MAX])
{
	int fd = openat(jd, DAEMON_PASSWORD_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 1 ||
	    st.st_size >= FILTER_PASSWORD_MAX) {
		close(fd);
		log_warnx("ignoring an unusable password file");
		return -1;
	}
	n = pread(fd, pw, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size || memchr(pw, '\0', (size_t)n) != NULL) {
		explicit_bzero(pw, FILTER_PASSWORD_MAX);
		return -1;
	}
	pw[n] = '\0';
	return 0;
}

/* A job handed over at intake: wait until the intake has finished (at once
 * when it has).  1 when the job is in queue/ and durable, -1 when the
 * intake failed. */
static int spool_intake_wait(struct daemon *d, struct spool_intake *in)
{
	int state;

	pthread_mutex_lock(&d->mu);
	while (in->state == 0)
		pthread_cond_wait(&d->intake_cv, &d->mu);
	state = in->state;
	pthread_mutex_unlock(&d->mu);
	return state;
}

/* the verdict's audit line */
static json_t *spool_verdict_event(const char *id, const char *name, json_t *report)
{
	json_t *sha = json_object_get(report, "sha256"), *type = json_object_get(report, "type");
	json_t *ev = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:I}", "event", "verdict",
		"job", id, "name", name, "sha256", sha != NULL ? sha : json_null(),
		"verdict", json_object_get(report, "verdict"),
		"reason", json_object_get(report, "reason"),
		"findings", json_object_get(report, "findings"),
		"artefacts", (json_int_t)json_array_size(json_object_get(report, "artefacts")));

	if (ev != NULL && type != NULL)
		json_object_set(ev, "type", json_object_get(type, "mime"));
	return ev;
}

struct spool_verdict_line {
	struct daemon *d;
	struct spool_intake *in;
	json_t *ev;
	int rc;      /* 0 written, -1 failed, 1 not written: the intake failed */
};

/* after the intake's "received" line, and only for a job that was queued */
static void *spool_verdict_line(void *arg)
{
	struct spool_verdict_line *v = arg;

	if (v->in != NULL && spool_intake_wait(v->d, v->in) < 0)
		v->rc = 1;
	else
		v->rc = v->ev != NULL && audit_append(v->d->audit, v->ev) == 0 ? 0 : -1;
	return NULL;
}

/* the verdict line went out, the verdict did not: say so */
static void spool_audit_unrecorded(struct daemon *d, const char *id)
{
	json_t *ev = json_pack("{s:s, s:s, s:s}", "event", "verdict not recorded", "job", id,
			       "reason", "result.json could not be written; the job runs again "
			       "at the next start");

	if (ev == NULL || audit_append(d->audit, ev) != 0)
		log_warnx("job %s: cannot write the audit record", id);
	json_decref(ev);
}

struct spool_release_sync {
	struct release_sync *later;
	int rc;
};

static void *spool_release_sync(void *arg)
{
	struct spool_release_sync *rs = arg;

	rs->rc = release_sync_run(rs->later);
	return NULL;
}

/* The released names could not be made durable: nothing is released.  The
 * artefacts go, their items are withheld, the verdict is "failed". */
static void spool_withdraw(json_t *report, int out)
{
	json_t *arts = json_object_get(report, "artefacts"), *a, *it;
	size_t i;

	json_array_foreach(arts, i, a)
		release_unlink(out, json_string_value(json_object_get(a, "path")));
	json_array_clear(arts);
	json_array_foreach(json_object_get(report, "items"), i, it)
		if (json_object_get(it, "artefact") != NULL) {
			json_object_del(it, "artefact");
			json_object_set_new(it, "verdict", json_string("withheld"));
			json_object_set_new(it, "reason",
					    json_string("not released: the job was not released"));
		}
	json_object_set_new(report, "verdict", json_string("failed"));
	json_object_set_new(report, "reason", json_string(
		"release: cannot make the released names durable (fsync of the release "
		"directory failed); nothing was released"));
}

/* Process one job: queue/<id> -> active/<id> -> done/<id>; or, handed over
 * at intake (in != NULL), queue/<id> -> done/<id> once the intake is done.
 * The moves into active/ need no fsync: after a crash, a job in either
 * place is processed again. */
static void spool_process(struct daemon *d, struct detect_ctx *det, const char *id,
			  struct spool_intake *in)
{
	int q = spool_subdir(d, "queue"), act = spool_subdir(d, "active");
	int done = spool_subdir(d, "done"), jd = -1, infd = -1, out = -1, jd_parent;
	int committed = 0;
	struct engine_ref *er = NULL;
	json_t *meta = NULL, *report = NULL;
	char *text = NULL;
	const char *name = "file", *mode = "auto";
	struct job_env env;
	struct job_opts jo;
	int64_t t0 = mugai_now_ms();
	struct stat st;
	uint64_t out_bytes = 0;
	size_t i;
	json_t *a;
	char password[FILTER_PASSWORD_MAX];
	struct release_sync later;

	release_sync_init(&later);
	memset(password, 0, sizeof(password));
	jd_parent = in != NULL ? q : act;
	if (in != NULL) {
		jd = q >= 0 && act >= 0 && done >= 0 ? fcntl(in->jd, F_DUPFD_CLOEXEC, 0) : -1;
	} else if (q < 0 || act < 0 || done < 0 || renameat(q, id, act, id) != 0) {
		log_warn("job %s: cannot start", id);
		goto out;
	} else {
		jd = openat(act, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (jd < 0)
		goto out;
	if (in != NULL) {
		/* meta.json may not be written yet: the intake told us */
		name = in->name;
		mode = config_mode_name(in->mode);
	} else {
		meta = spool_load_json_at(jd, "meta.json", DAEMON_META_MAX);
		if (meta != NULL)
			json_unpack(meta, "{s?s, s?s}", "name", &name, "mode", &mode);
	}
	infd = openat(jd, "original", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	/* made at intake (which may not have come to it yet: its fsync of the
	 * job directory comes after); made again after a crash wiped it
	 * (spool_recover): then its name must be durable before the verdict */
	if (mkdirat(jd, "out", 0750) == 0 && in == NULL && fsync(jd) != 0)
		log_warn("job %s: fsync of the job directory", id);
	out = openat(jd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	er = engine_acquire(d);
	if (infd < 0 || out < 0 || er == NULL) {
		report = json_pack("{s:s, s:s, s:s, s:[], s:[], s:[]}", "name", name, "verdict",
				   "failed", "reason", er == NULL ? "no signature database loaded" :
				   "spool error", "findings", "items", "artefacts");
	} else {
		memset(&env, 0, sizeof(env));
		env.cfg = &d->cfg;
		env.engine = er->eng;
		env.detect = det;
		memset(&jo, 0, sizeof(jo));
		jo.mode = config_parse_mode(mode);
		if (jo.mode < 0)
			jo.mode = 0; /* meta.json is ours; an unknown mode is auto */
		jo.input = name;
		jo.link_input = 1; /* the original is never written again */
		jo.sync_later = &later; /* made beside result.json's fsync */
		if (spool_read_password(jd, password) == 0)
			jo.password = password;
		report = job_process(&env, infd, name, &jo, out);
	}
	explicit_bzero(password, sizeof(password));
	engine_release(d, er);
	if (report == NULL)
		goto out;
	json_object_set_new(report, "id", json_string(id));
	json_object_set_new(report, "finished", json_integer((json_int_t)time(NULL)));
	json_object_set_new(report, "state", json_string("done"));
	json_object_set_new(report, "processing_ms", json_integer(mugai_now_ms() - t0));
	json_array_foreach(json_object_get(report, "artefacts"), i, a)
		out_bytes += (uint64_t)json_integer_value(json_object_get(a, "size"));
	/* The commit point, result.json, the fsyncs of the release
	 * directories the release held back, and the verdict's audit line,
	 * side by side: three disk waits overlap.  A verdict whose artefacts
	 * are not all on disk is not taken for recorded (spool_committed).  A
	 * crash in between leaves a verdict line for a job that runs again at
	 * the next start, which then has two; a release directory that cannot
	 * be made durable fails the job, and a second line says so. */
	text = json_dumps(report, JSON_COMPACT);
	{
		struct spool_verdict_line vl = { d, in, spool_verdict_event(id, name, report), 0 };
		struct spool_release_sync rs = { &later, 0 };
		pthread_t th_line, th_sync;
		int line_started = spool_beside(&th_line, spool_verdict_line, &vl);
		int sync_started = spool_beside(&th_sync, spool_release_sync, &rs);
		int wrc = text != NULL ? spool_write_result(jd, text) : -1;

		if (line_started)
			pthread_join(th_line, NULL);
		if (sync_started)
			pthread_join(th_sync, NULL);
		json_decref(vl.ev);
		if (vl.rc < 0)
			log_warnx("job %s: cannot write the audit record", id);
		if (wrc == 0 && rs.rc != 0) {
			/* the artefacts' names may not be on disk: take them back */
			log_warn("job %s: cannot make the released names durable", id);
			spool_withdraw(report, out);
			free(text);
			text = json_dumps(report, JSON_COMPACT);
			wrc = text != NULL ? spool_write_result(jd, text) : -1;
			vl.ev = spool_verdict_event(id, name, report);
			if (vl.rc == 0 && (vl.ev == NULL || audit_append(d->audit, vl.ev) != 0))
				log_warnx("job %s: cannot write the audit record", id);
			json_decref(vl.ev);
		}
		if (wrc != 0) {
			log_warn("job %s: cannot record the result", id);
			if (vl.rc == 0)
				spool_audit_unrecorded(d, id);
			goto out;
		}
	}
	/* one try per password given: the next one comes over the API.  Once
	 * the verdict is durable, so that a crash in between tries again; and
	 * durably gone before anyone hears of the verdict, so that a crash
	 * after does not try again (spool_committed) */
	if (unlinkat(jd, DAEMON_PASSWORD_FILE, 0) == 0) {
		if (fsync(jd) != 0)
			log_warn("job %s: fsync after removing the password file", id);
	} else if (errno != ENOENT) {
		log_warn("job %s: cannot remove the password file", id);
	}
	if (in != NULL && spool_intake_wait(d, in) < 0)
		goto out;
	/* no fsync: a job in queue/ or active/ with its verdict recorded goes
	 * to done/ at the next start (spool_recover) */
	if (renameat(jd_parent, id, done, id) != 0) {
		log_warn("job %s: cannot move to done/; done at the next start", id);
		goto out;
	}
	committed = 1;
	log_info("job %s: %s %s%s%s", id, json_string_value(json_object_get(report, "verdict")),
		 name, *json_string_value(json_object_get(report, "reason")) ? ": " : "",
		 json_string_value(json_object_get(report, "reason")));
	spool_account(d, report, json_string_value(json_object_get(report, "verdict")),
		      fstat(infd, &st) == 0 ? (uint64_t)st.st_size : 0, out_bytes,
		      mugai_now_ms() - t0);
out:
	if (in != NULL) {
		/* handed over: the intake's outcome decides what is left of it */
		if (spool_intake_wait(d, in) < 0) {
			spool_remove_job(d, id);
			log_warnx("job %s: the upload could not be queued; removed", id);
		} else if (!committed) {
			log_warnx("job %s: left in the queue for the next start", id);
		}
		pthread_mutex_lock(&d->mu);
		g_hash_table_remove(d->intake, id); /* frees in */
		pthread_mutex_unlock(&d->mu);
	}
	release_sync_run(&later); /* closes what an early exit left held */
	free(text);
	json_decref(report);
	json_decref(meta);
	if (infd >= 0)
		close(infd);
	if (out >= 0)
		close(out);
	if (jd >= 0)
		close(jd);
	if (q >= 0)
		close(q);
	if (act >= 0)
		close(act);
	if (done >= 0)
		close(done);
	http_job_done(d, id);
}

static void *spool_worker(void *arg)
{
	struct daemon *d = arg;
	struct detect_ctx *det = NULL;
	char err[256];

	if (detect_open(&det, err, sizeof(err)) != 0)
		fatalx("worker: %s", err);
	for (;;) {
		char *id;
		struct spool_intake *in;

		pthread_mutex_lock(&d->mu);
		while (!d->stopping && g_queue_is_empty(d->queue))
			pthread_cond_wait(&d->queue_cv, &d->mu);
		if (d->stopping) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		id = g_queue_pop_head(d->queue);
		d->active++;
		in = g_hash_table_lookup(d->intake, id);
		if (in != NULL)
			in->started = 1;
		pthread_mutex_unlock(&d->mu);
		spool_process(d, det, id, in);
		g_free(id);
		pthread_mutex_lock(&d->mu);
		d->active--;
		pthread_mutex_unlock(&d->mu);
	}
	detect_close(det);
	return NULL;
}

int spool_start_workers(struct daemon *d, pthread_t **threads)
{
	*threads = calloc(d->workers, sizeof(pthread_t));
	if (*threads == NULL)
		return -1;
	for (unsigned i = 0; i < d->workers; i++)
		if (pthread_create(&(*threads)[i], NULL, spool_worker, d) != 0)
			return -1;
	return 0;
}

void spool_stop_workers(struct daemon *d, pthread_t *threads)
{
	pthread_mutex_lock(&d->mu);
	d->stopping = 1;
	pthread_cond_broadcast(&d->queue_cv);
	pthread_mutex_unlock(&d->mu);
	for (unsigned i = 0; i < d->workers; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	/* handed over, then the intake failed (answered 503), but no worker
	 * got to remove it before the stop: it must not run at the next start */
	{
		GHashTableIter it;
		gpointer id, rec;
		GPtrArray *failed = g_ptr_array_new_with_free_func(g_free);

		g_hash_table_iter_init(&it, d->intake);
		while (g_hash_table_iter_next(&it, &id, &rec))
			if (((struct spool_intake *)rec)->state < 0)
				g_ptr_array_add(failed, g_strdup(id));
		for (guint i = 0; i < failed->len; i++)
			spool_remove_job(d, failed->pdata[i]);
		g_ptr_array_free(failed, TRUE);
	}
}
