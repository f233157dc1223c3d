/*
 * admin.c - what an administrator (the admin socket, or an admin token) and
 * a waiting submitter may do to a job besides reading it:
 *
 *   list              every job with its state, verdict, name, receipt time
 *   password          a held job (encrypted archive or PDF) back into the
 *                     queue with a password for its filter
 *   release-original  copy the original of a finished, not blocked job into
 *                     its release area (原本取り出し), approver and reason
 *                     recorded in the audit log
 *   purge             delete finished jobs older than [daemon] retention_days
 *
 * These run under d->jmu, so two of them never move the same job at once;
 * the workers only ever move queue -> active -> done and never touch done/.
 */
#include "daemon.h"
#include "filter.h"
#include "mugai/job.h"
#include "mugai/log.h"
#include "mugai/release.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ADMIN_SECONDS_PER_DAY 86400
#define ADMIN_NAME_BUF 216          /* a released name (job_release_name) */

static int admin_fail(char *why, size_t whylen, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int admin_fail(char *why, size_t whylen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return status;
}

static void admin_iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		g_strlcpy(out, "", 32);
}

static void admin_audit(struct daemon *d, json_t *ev)
{
	if (ev == NULL || audit_append(d->audit, ev) != 0)
		log_warnx("cannot write the audit record '%s'",
			  ev ? json_string_value(json_object_get(ev, "event")) : "?");
	json_decref(ev);
}

static int admin_by_received(gconstpointer a, gconstpointer b)
{
	json_int_t ta = json_integer_value(json_object_get(*(json_t *const *)a, "received_unix"));
	json_int_t tb = json_integer_value(json_object_get(*(json_t *const *)b, "received_unix"));

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* the index of the released original among a result's artefacts, or -1 */
static long admin_original_artefact(json_t *res)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(res, "artefacts"), i, a)
		if (json_is_true(json_object_get(a, "original")))
			return (long)i;
	return -1;
}

json_t *spool_list(struct daemon *d)
{
	static const char *const dirs[] = { "queue", "active", "done" };
	static const char *const states[] = { "queued", "processing", "done" };
	GPtrArray *rows = g_ptr_array_new();

	/* every job listed has its "received" audit line on disk */
	if (audit_sync(d->audit) != 0)
		log_warn("cannot sync the audit log");
	json_t *jobs = json_array();
	int truncated = 0;

	for (size_t k = 0; k < G_N_ELEMENTS(dirs) && !truncated; k++) {
		int sub = spool_subdir(d, dirs[k]);
		DIR *dp = sub >= 0 ? fdopendir(sub) : NULL;
		struct dirent *e;

		if (dp == NULL) {
			if (sub >= 0)
				close(sub);
			continue;
		}
		while ((e = readdir(dp)) != NULL) {
			int jd;
			json_t *meta, *res = NULL, *row;
			const char *name = NULL;
			json_int_t received = 0;
			struct stat st;
			char when[32];

			if (!jobid_valid(e->d_name))
				continue;
			if (rows->len >= DAEMON_LIST_MAX) {
				truncated = 1;
				break;
			}
			jd = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC);
			if (jd < 0)
				continue; /* moved on meanwhile */
			meta = spool_load_json_at(jd, "meta.json", DAEMON_META_MAX);
			json_unpack(meta, "{s?s, s?I}", "name", &name, "received", &received);
			if (received == 0 && fstat(jd, &st) == 0)
				received = (json_int_t)st.st_mtime;
			admin_iso_time((time_t)received, when);
			row = json_pack("{s:s, s:s, s:n, s:s, s:s, s:s, s:I}", "id", e->d_name,
					"state", k == 0 && spool_handed_over(d, e->d_name) ?
					"processing" : states[k], "verdict", "reason", "",
					"name", name ? name : "", "received", when,
					"received_unix", received);
			if (k == 2 && row != NULL) {
				char *text = spool_result(d, e->d_name);
				res = text ? json_loads(text, 0, NULL) : NULL;
				free(text);
				if (json_is_string(json_object_get(res, "verdict")))
					json_object_set(row, "verdict", json_object_get(res, "verdict"));
				if (json_is_string(json_object_get(res, "reason")))
					json_object_set(row, "reason", json_object_get(res, "reason"));
				json_object_set_new(row, "original_released",
						    json_boolean(admin_original_artefact(res) >= 0));
			}
			if (row != NULL)
				g_ptr_array_add(rows, row);
			json_decref(res);
			json_decref(meta);
			close(jd);
		}
		closedir(dp);
	}
	g_ptr_array_sort(rows, admin_by_received);
	for (guint i = 0; i < rows->len; i++) {
		json_object_del(rows->pdata[i], "received_unix");
		json_array_append_new(jobs, rows->pdata[i]);
	}
	g_ptr_array_free(rows, TRUE);
	return json_pack("{s:o, s:b}", "jobs", jobs, "truncated", truncated);
}

/* the parsed result.json of a finished job, with its directory; else a status */
static int admin_done_job(struct daemon *d, const char *id, int *jd, json_t **res,
			  char *why, size_t whylen)
{
	const char *state = spool_state(d, id);
	char path[128], *text;

	*jd = -1;
	*res = NULL;
	if (state == NULL)
		return admin_fail(why, whylen, 404, "no such job");
	if (strcmp(state, "done") != 0)
		return admin_fail(why, whylen, 409, "the job is %s, not finished", state);
	text = spool_result(d, id);
	*res = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	snprintf(path, sizeof(path), "done/%s", id);
	*jd = openat(d->spool_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*res == NULL || *jd < 0 || !json_is_string(json_object_get(*res, "verdict"))) {
		json_decref(*res);
		*res = NULL;
		if (*jd >= 0)
			close(*jd);
		*jd = -1;
		return admin_fail(why, whylen, 503, "cannot read the job's result");
	}
	return 0;
}

int spool_password(struct daemon *d, const char *id, const char *password, const char *via,
		   char *why, size_t whylen)
{
	size_t len = strlen(password);
	int jd = -1, done = -1, q = -1, rc;
	json_t *res = NULL;
	const char *verdict, *name;

	if (len == 0 || len >= FILTER_PASSWORD_MAX)
		return admin_fail(why, whylen, 400, "the password must be 1 to %d bytes",
				  FILTER_PASSWORD_MAX - 1);
	pthread_mutex_lock(&d->jmu);
	rc = admin_done_job(d, id, &jd, &res, why, whylen);
	if (rc != 0)
		goto out;
	verdict = json_string_value(json_object_get(res, "verdict"));
	if (strcmp(verdict, "held") != 0) {
		rc = admin_fail(why, whylen, 409, "the job is %s, not held", verdict);
		goto out;
	}
	/* settled by an administrator: a new try would drop that artefact */
	if (admin_original_artefact(res) >= 0) {
		rc = admin_fail(why, whylen, 409, "the original was released already");
		goto out;
	}
	done = spool_subdir(d, "done");
	q = spool_subdir(d, "queue");
	if (done < 0 || q < 0 ||
	    spool_write_mode_at(jd, DAEMON_PASSWORD_FILE, password, len, 0600) != 0) {
		rc = admin_fail(why, whylen, 503, "cannot store the password");
		goto out;
	}
	if (renameat(done, id, q, id) != 0) {
		unlinkat(jd, DAEMON_PASSWORD_FILE, 0);
		rc = admin_fail(why, whylen, 503, "cannot queue the job again");
		goto out;
	}
	fsync(q);
	fsync(done);
	name = json_string_value(json_object_get(res, "name"));
	/* never the password itself */
	admin_audit(d, json_pack("{s:s, s:s, s:s, s:s, s:O?}", "event", "password tried",
				 "job", id, "name", name ? name : "", "via", via, "reason",
				 json_object_get(res, "reason")));
	spool_enqueue(d, id);
	log_info("job %s: password given, queued again", id);
out:
	pthread_mutex_unlock(&d->jmu);
	json_decref(res);
	if (jd >= 0)
		close(jd);
	if (done >= 0)
		close(done);
	if (q >= 0)
		close(q);
	return rc;
}

/* the original, scanned again with today's signatures: 0 when clean */
static int admin_rescan(struct daemon *d, int fd, const char *name, char *why, size_t whylen)
{
	struct engine_ref *er = engine_acquire(d);
	struct scan_result sr;

	if (er == NULL)
		return admin_fail(why, whylen, 503, "no signature database loaded: the original "
				  "cannot be scanned again");
	scan_fd(er->eng, fd, name, &sr);
	engine_release(d, er);
	if (sr.verdict == SCAN_INFECTED)
		return admin_fail(why, whylen, 409, "the original is detected now: %s",
				  sr.n_findings > 0 ? sr.findings[0] : "?");
	if (sr.verdict != SCAN_CLEAN)
		return admin_fail(why, whylen, 503, "scan: %s", sr.error);
	return 0;
}

int spool_release_original(struct daemon *d, const char *id, const char *approver,
			   const char *reason, const char *via, char *why, size_t whylen)
{
	int jd = -1, out = -1, orig = -1, rc;
	json_t *res = NULL, *arts, *art = NULL;
	const char *verdict, *name, *sha;
	char *old = NULL, *text = NULL, safe[ADMIN_NAME_BUF], final[RELEASE_PATH_MAX];
	char hex[65], err[256];
	uint64_t size = 0;
	long k;

	pthread_mutex_lock(&d->jmu);
	rc = admin_done_job(d, id, &jd, &res, why, whylen);
	if (rc != 0)
		goto out;
	verdict = json_string_value(json_object_get(res, "verdict"));
	if (strcmp(verdict, "blocked") == 0) {
		rc = admin_fail(why, whylen, 409, "the job is blocked: its original is never "
				"released");
		goto out;
	}
	arts = json_object_get(res, "artefacts");
	if ((k = admin_original_artefact(res)) >= 0) {
		rc = admin_fail(why, whylen, 409, "the original was released already as "
				"artefact %ld", k);
		goto out;
	}
	name = json_string_value(json_object_get(res, "name"));
	sha = json_string_value(json_object_get(res, "sha256"));
	if (!json_is_array(arts) || name == NULL || sha == NULL) {
		rc = admin_fail(why, whylen, 503, "the job's result lacks its name or SHA-256");
		goto out;
	}
	orig = openat(jd, "original", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (mkdirat(jd, "out", 0750) == 0 || errno == EEXIST)
		out = openat(jd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (orig < 0 || out < 0) {
		rc = admin_fail(why, whylen, 503, "cannot open the original");
		goto out;
	}
	rc = admin_rescan(d, orig, name, why, whylen);
	if (rc != 0)
		goto out;
	job_release_name(name, safe, sizeof(safe));
	if (release_copy(out, safe, orig, final, sizeof(final), hex, &size, NULL, err,
			 sizeof(err)) != 0) {
		rc = admin_fail(why, whylen, 503, "%s", err);
		goto out;
	}
	if (strcmp(hex, sha) != 0) {
		/* not the bytes that were received and inspected */
		release_unlink(out, final);
		rc = admin_fail(why, whylen, 503, "the original's SHA-256 changed in the spool");
		goto out;
	}
	old = json_dumps(res, JSON_COMPACT);
	art = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b}", "path", final, "sha256", hex,
			"size", (json_int_t)size, "mode", "original", "item", name,
			"original", 1);
	if (old == NULL || art == NULL || json_array_append(arts, art) != 0 ||
	    (text = json_dumps(res, JSON_COMPACT)) == NULL ||
	    spool_write_file_at(jd, "result.json", text) != 0) {
		release_unlink(out, final);
		rc = admin_fail(why, whylen, 503, "cannot record the released original");
		goto out;
	}
	{
		json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}",
				       "event", "original released", "job", id, "name", name,
				       "sha256", hex, "size", (json_int_t)size, "artefact", final,
				       "verdict", verdict, "approver", approver, "reason", reason,
				       "via", via);

		/* no audit record, no release */
		if (ev == NULL || audit_append(d->audit, ev) != 0) {
			json_decref(ev);
			if (spool_write_file_at(jd, "result.json", old) != 0)
				log_warnx("job %s: cannot restore result.json", id);
			release_unlink(out, final);
			rc = admin_fail(why, whylen, 503, "cannot write the audit record: "
					"nothing released");
			goto out;
		}
		json_decref(ev);
	}
	log_info("job %s: original released as %s (approver %s)", id, final, approver);
out:
	pthread_mutex_unlock(&d->jmu);
	free(old);
	free(text);
	json_decref(art);
	json_decref(res);
	if (orig >= 0)
		close(orig);
	if (out >= 0)
		close(out);
	if (jd >= 0)
		close(jd);
	return rc;
}

/* when the job got its verdict: result.json's "finished", else its mtime */
static time_t admin_finished(int jd, json_t *res)
{
	json_t *f = json_object_get(res, "finished");
	struct stat st;

	if (json_is_integer(f))
		return (time_t)json_integer_value(f);
	if (fstatat(jd, "result.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return st.st_mtime;
	if (fstat(jd, &st) == 0)
		return st.st_mtime;
	return 0;
}

int spool_purge(struct daemon *d, uint32_t retention_days, const char *via, unsigned *purged)
{
	time_t now = time(NULL);
	time_t cutoff = now - (time_t)retention_days * ADMIN_SECONDS_PER_DAY;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	int done, inc, rc = 0;
	DIR *dp;
	struct dirent *e;

	*purged = 0;
	pthread_mutex_lock(&d->jmu);
	done = spool_subdir(d, "done");
	inc = spool_subdir(d, "incoming");
	dp = done >= 0 ? fdopendir(dup(done)) : NULL;
	if (dp == NULL || inc < 0) {
		rc = -1;
		goto out;
	}
	/* names first: the directory changes under readdir otherwise */
	while ((e = readdir(dp)) != NULL)
		if (jobid_valid(e->d_name))
			g_ptr_array_add(ids, g_strdup(e->d_name));
	for (guint i = 0; i < ids->len; i++) {
		const char *id = ids->pdata[i];
		int jd = openat(done, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		json_t *res;
		time_t fin;

		if (jd < 0)
			continue;
		res = spool_load_json_at(jd, "result.json", DAEMON_RESULT_MAX);
		fin = admin_finished(jd, res);
		close(jd);
		if (fin > cutoff) {
			json_decref(res);
			continue;
		}
		/* out of done/ in one rename (a reader sees the job or nothing),
		 * then deleted; incoming/ is emptied at start should we crash */
		if (renameat(done, id, inc, id) != 0) {
			log_warn("job %s: cannot purge", id);
			json_decref(res);
			rc = -1;
			continue;
		}
		fsync(done);
		release_remove_tree(inc, id, DAEMON_RM_DEPTH);
		admin_audit(d, json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:I, s:I, s:s}",
					 "event", "purged", "job", id,
					 "name", json_object_get(res, "name"),
					 "sha256", json_object_get(res, "sha256"),
					 "verdict", json_object_get(res, "verdict"),
					 "finished", (json_int_t)fin,
					 "retention_days", (json_int_t)retention_days, "via", via));
		json_decref(res);
		(*purged)++;
	}
	if (*purged > 0)
		log_info("purged %u finished job(s) older than %u day(s)", *purged, retention_days);
out:
	pthread_mutex_unlock(&d->jmu);
	if (dp != NULL)
		closedir(dp);
	if (done >= 0)
		close(done);
	if (inc >= 0)
		close(inc);
	g_ptr_array_free(ids, TRUE);
	return rc;
}
