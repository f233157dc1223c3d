/*
 * admin.c - what an administrator (the admin socket, or an admin token) and
 * a waiting submitter may do to a job besides reading it:
 *
 *   list              every job with its state, verdict, name, receipt time
 *   password          a held job (encrypted archive or PDF) back into the
 *                     queue with a password for its filter
 *   release-original  copy the original of a finished job into its release
 *                     area (原本取り出し), approver and reason recorded in
 *                     the audit log (the commit point); never for a blocked
 *                     job or item, for an uninspected one only when allowed
 *   purge             delete finished jobs older than [daemon] retention_days
 *
 * These run under d->jmu, so two of them never move the same job at once;
 * the workers only ever move queued -> active -> done and never touch a
 * done job.  Each answers SPOOL_OK or a refusal (enum spool_err) with a
 * message; http.c chooses the status.  Where a job is kept is the spool's.
 */
#include "daemon.h"
#include "mugai/filterproto.h"
#include "mugai/job.h"
#include "mugai/log.h"
#include "mugai/release.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ADMIN_SECONDS_PER_DAY 86400
#define ADMIN_NAME_BUF 216          /* a released name (job_release_name) */
#define ADMIN_TRIES_MAIL "/mail"    /* the tries of a job's later mails: their own count */

static enum spool_err admin_fail(char *why, size_t whylen, enum spool_err status,
				 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum spool_err admin_fail(char *why, size_t whylen, enum spool_err status,
				 const char *fmt, ...)
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

void admin_audit(struct daemon *d, json_t *ev)
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

struct admin_rows {
	struct daemon *d;
	GPtrArray *rows;
};

static void admin_list_row(void *arg, const char *id, enum spool_state state, json_t *meta,
			   json_t *res, time_t received)
{
	struct admin_rows *r = arg;
	const char *name = json_string_value(json_object_get(meta, "name"));
	char when[32];
	json_t *row;

	admin_iso_time(received, when);
	if (state == SPOOL_QUEUED && worker_handed_over(r->d, id))
		state = SPOOL_ACTIVE;
	row = json_pack("{s:s, s:s, s:n, s:s, s:s, s:s, s:I}", "id", id,
			"state", spool_state_name(state), "verdict", "reason", "",
			"name", name ? name : "", "received", when,
			"received_unix", (json_int_t)received);
	if (row == NULL)
		return;
	if (state == SPOOL_DONE) {
		if (json_is_string(json_object_get(res, "verdict")))
			json_object_set(row, "verdict", json_object_get(res, "verdict"));
		if (json_is_string(json_object_get(res, "reason")))
			json_object_set(row, "reason", json_object_get(res, "reason"));
		json_object_set_new(row, "original_released",
				    json_boolean(admin_original_artefact(res) >= 0));
	}
	g_ptr_array_add(r->rows, row);
}

json_t *admin_list(struct daemon *d)
{
	struct admin_rows r = { d, g_ptr_array_new() };
	json_t *jobs = json_array();
	int truncated = 0;

	/* every job listed has its "received" audit line on disk */
	if (audit_sync(d->audit) != 0)
		log_warn("cannot sync the audit log");
	if (spool_list(d->spool, DAEMON_LIST_MAX, admin_list_row, &r, &truncated) != 0)
		log_warnx("cannot list the spool");
	g_ptr_array_sort(r.rows, admin_by_received);
	for (guint i = 0; i < r.rows->len; i++) {
		json_object_del(r.rows->pdata[i], "received_unix");
		json_array_append_new(jobs, r.rows->pdata[i]);
	}
	g_ptr_array_free(r.rows, TRUE);
	return json_pack("{s:o, s:b}", "jobs", jobs, "truncated", truncated);
}

/* the parsed result of a finished job; else a refusal */
static enum spool_err admin_done_job(struct daemon *d, const char *id, json_t **res,
				     char *why, size_t whylen)
{
	enum spool_state state = worker_state(d, id);
	char *text;

	*res = NULL;
	if (state == SPOOL_NONE)
		return admin_fail(why, whylen, SPOOL_ERR_NOT_FOUND, "no such job");
	if (state != SPOOL_DONE)
		return admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "the job is %s, not finished",
				  spool_state_name(state));
	text = spool_result_load(d->spool, id);
	*res = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (*res == NULL || !json_is_string(json_object_get(*res, "verdict"))) {
		json_decref(*res);
		*res = NULL;
		return admin_fail(why, whylen, SPOOL_ERR_IO, "cannot read the job's result");
	}
	return SPOOL_OK;
}

/* one password try of a held job counted: SPOOL_OK, or SPOOL_ERR_LIMIT
 * (audited the first time in its minute, or once locked) */
static enum spool_err admin_try(struct daemon *d, const char *id, const char *name,
				const char *via, char *why, size_t whylen)
{
	char key[JOBID_LEN + sizeof(ADMIN_TRIES_MAIL)];
	int first, t, mail = strcmp(via, "mail") == 0;

	/* a later mail's candidates count apart: mails from a forged sender
	 * lock the mail path, never the password staff give; and against the
	 * total only, so that a mail's candidates reaching the rate do not make
	 * the next mail's be dropped */
	snprintf(key, sizeof(key), "%s%s", id, mail ? ADMIN_TRIES_MAIL : "");
	t = mail ? tries_take_total(&d->tries, key, time(NULL), &first)
		 : tries_take(&d->tries, key, time(NULL), &first);

	if (t == TRIES_OK)
		return SPOOL_OK;
	if (first)
		admin_audit(d, json_pack("{s:s, s:s, s:s, s:s, s:I}", "event",
					 t == TRIES_LOCKED ? "password locked"
							   : "password tries limited",
					 "job", id, "name", name, "via", via, "limit",
					 (json_int_t)(t == TRIES_LOCKED ? d->tries.max
									: d->tries.per_minute)));
	if (t == TRIES_LOCKED)
		return admin_fail(why, whylen, SPOOL_ERR_LIMIT, "locked: %u password tries, "
				  "the most a job takes ([daemon] password_tries_max); an "
				  "administrator can reset them", d->tries.max);
	return admin_fail(why, whylen, SPOOL_ERR_LIMIT, "%u password tries in a minute "
			  "already ([daemon] password_tries_per_minute): try again later",
			  d->tries.per_minute);
}

/* a job's tries, staff's and its later mails', counted from zero again
 * (under jmu): whether it had any */
static int admin_tries_forget(struct daemon *d, const char *id)
{
	char key[JOBID_LEN + sizeof(ADMIN_TRIES_MAIL)];

	snprintf(key, sizeof(key), "%s%s", id, ADMIN_TRIES_MAIL);
	return tries_reset(&d->tries, id) | tries_reset(&d->tries, key);
}

enum spool_err admin_password_reset(struct daemon *d, const char *id, const char *via,
				    char *why, size_t whylen)
{
	int had;

	if (worker_state(d, id) == SPOOL_NONE)
		return admin_fail(why, whylen, SPOOL_ERR_NOT_FOUND, "no such job");
	pthread_mutex_lock(&d->jmu);
	had = admin_tries_forget(d, id);
	pthread_mutex_unlock(&d->jmu);
	admin_audit(d, json_pack("{s:s, s:s, s:s, s:b}", "event", "password tries reset",
				 "job", id, "via", via, "had_tries", had));
	log_info("job %s: password tries reset", id);
	return SPOOL_OK;
}

/* does the job wait for a password?  held (an encrypted archive or PDF),
 * or a mail released with held_items (PPAP: its zip held, a notice sent) */
static int admin_holds(json_t *res)
{
	const char *verdict = json_string_value(json_object_get(res, "verdict"));

	return strcmp(verdict, "held") == 0 ||
	       (strcmp(verdict, "released") == 0 &&
		json_array_size(json_object_get(res, "held_items")) > 0);
}

/* The passwords given so far for a mail that still holds a part (PPAP),
 * newest first, in memory only (under jmu): each new try carries them again
 * (not counted again), so that a mail whose two zips have two passwords
 * opens one password after the other.  Forgotten when the mail holds
 * nothing any more (admin_kept_forget) or is purged. */
struct admin_kept {
	unsigned n;
	char pw[SPOOL_PASSWORDS_MAX][FILTER_PASSWORD_MAX];
};
static GHashTable *admin_kept; /* id -> struct admin_kept */

static void admin_kept_free(gpointer p)
{
	explicit_bzero(p, sizeof(struct admin_kept));
	g_free(p);
}

/* under jmu */
static void admin_kept_drop(const char *id)
{
	if (admin_kept != NULL)
		g_hash_table_remove(admin_kept, id);
}

void admin_kept_forget(struct daemon *d, const char *id)
{
	pthread_mutex_lock(&d->jmu);
	admin_kept_drop(id);
	pthread_mutex_unlock(&d->jmu);
}

/* under jmu: the new passwords (pw, used bytes) then those kept for the
 * mail id, each once, into buf (NUL-separated, its length in *blen) and
 * kept as the mail's */
static void admin_kept_merge(const char *id, const char *pw, size_t used, char *buf,
			     size_t cap, size_t *blen)
{
	struct admin_kept *old, *nk = g_new0(struct admin_kept, 1);
	const char *add[2 * SPOOL_PASSWORDS_MAX];
	unsigned na = 0;

	if (admin_kept == NULL)
		admin_kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						   admin_kept_free);
	old = g_hash_table_lookup(admin_kept, id);
	for (size_t at = 0; at < used && na < SPOOL_PASSWORDS_MAX; at += strlen(pw + at) + 1)
		add[na++] = pw + at;
	for (unsigned i = 0; old != NULL && i < old->n; i++)
		add[na++] = old->pw[i];
	*blen = 0;
	for (unsigned i = 0; i < na && nk->n < SPOOL_PASSWORDS_MAX; i++) {
		size_t l = strlen(add[i]);
		int dup = 0;

		for (unsigned j = 0; j < nk->n; j++)
			dup |= strcmp(nk->pw[j], add[i]) == 0;
		if (dup || l == 0 || l >= FILTER_PASSWORD_MAX || *blen + l + 1 > cap)
			continue;
		memcpy(buf + *blen, add[i], l + 1);
		*blen += l + 1;
		memcpy(nk->pw[nk->n++], add[i], l + 1);
	}
	g_hash_table_replace(admin_kept, g_strdup(id), nk);
}

/* n passwords (pw: len bytes, NUL-separated) for the next try of a held
 * job: each counted as a try (those over the limit are dropped; none left:
 * SPOOL_ERR_LIMIT), stored, the job queued again */
static enum spool_err admin_password_try(struct daemon *d, const char *id, const char *pw,
					 size_t len, unsigned n, const char *via, char *why,
					 size_t whylen)
{
	char buf[SPOOL_PASSWORD_FILE_MAX];
	json_t *res = NULL;
	const char *name;
	unsigned k = 0;
	size_t used = 0, blen = 0;
	enum spool_err rc;

	pthread_mutex_lock(&d->jmu);
	rc = admin_done_job(d, id, &res, why, whylen);
	if (rc != SPOOL_OK)
		goto out;
	if (!admin_holds(res)) {
		admin_kept_drop(id);
		rc = admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "the job is %s, not held",
				json_string_value(json_object_get(res, "verdict")));
		goto out;
	}
	/* settled by an administrator: a new try would drop that artefact */
	if (admin_original_artefact(res) >= 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_CONFLICT,
				"the original was released already");
		goto out;
	}
	name = json_string_value(json_object_get(res, "name"));
	for (k = 0; k < n && used < len; k++) {
		rc = admin_try(d, id, name ? name : "", via, why, whylen);
		if (rc != SPOOL_OK)
			break;
		used += strlen(pw + used) + 1;
	}
	if (k == 0)
		goto out;
	/* a mail holding a part: the passwords given before come along */
	if (json_array_size(json_object_get(res, "held_items")) > 0)
		admin_kept_merge(id, pw, used, buf, sizeof(buf), &blen);
	rc = blen > 0 ? spool_password(d->spool, id, buf, blen - 1)
		      : spool_password(d->spool, id, pw, used - 1);
	explicit_bzero(buf, sizeof(buf));
	if (rc != SPOOL_OK) {
		rc = admin_fail(why, whylen, rc, "cannot store the password and queue the job "
				"again");
		goto out;
	}
	/* never the password itself */
	admin_audit(d, json_pack("{s:s, s:s, s:s, s:s, s:O?, s:I}", "event", "password tried",
				 "job", id, "name", name ? name : "", "via", via, "reason",
				 json_object_get(res, "reason"), "passwords", (json_int_t)k));
	worker_enqueue(d, id);
	log_info("job %s: %u password(s) given (%s), queued again", id, k, via);
out:
	pthread_mutex_unlock(&d->jmu);
	json_decref(res);
	return rc;
}

enum spool_err admin_password(struct daemon *d, const char *id, const char *password,
			      const char *via, char *why, size_t whylen)
{
	size_t len = strlen(password);

	if (len == 0 || len >= FILTER_PASSWORD_MAX)
		return admin_fail(why, whylen, SPOOL_ERR_INVALID,
				  "the password must be 1 to %d bytes", FILTER_PASSWORD_MAX - 1);
	return admin_password_try(d, id, password, len + 1, 1, via, why, whylen);
}

enum spool_err admin_password_list(struct daemon *d, const char *id,
				   const char *const *pw, unsigned n, const char *via,
				   char *why, size_t whylen)
{
	char buf[SPOOL_PASSWORD_FILE_MAX];
	size_t len = 0;
	unsigned k = 0;
	enum spool_err rc;

	for (unsigned i = 0; i < n && k < SPOOL_PASSWORDS_MAX; i++) {
		size_t l = strlen(pw[i]);

		if (l == 0 || l >= FILTER_PASSWORD_MAX || len + l + 1 > sizeof(buf))
			continue;
		memcpy(buf + len, pw[i], l + 1);
		len += l + 1;
		k++;
	}
	if (k == 0)
		return admin_fail(why, whylen, SPOOL_ERR_INVALID, "no usable password");
	rc = admin_password_try(d, id, buf, len, k, via, why, whylen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* the original, scanned again with today's signatures: SPOOL_OK when clean */
static enum spool_err admin_rescan(struct daemon *d, int fd, const char *name, char *why,
				   size_t whylen)
{
	struct engine_ref *er = engine_acquire(d);
	struct scan_result sr;

	if (er == NULL)
		return admin_fail(why, whylen, SPOOL_ERR_IO, "no signature database loaded: the "
				  "original cannot be scanned again");
	scan_fd(er->eng, fd, name, &sr);
	engine_release(d, er);
	if (sr.verdict == SCAN_INFECTED)
		return admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "the original is detected now: %s",
				  sr.n_findings > 0 ? sr.findings[0] : "?");
	if (sr.verdict != SCAN_CLEAN)
		return admin_fail(why, whylen, SPOOL_ERR_IO, "scan: %s", sr.error);
	return SPOOL_OK;
}

/* Would releasing this job's original hand over content mugai refused or
 * never saw?  A blocked item: always refused.  A held or failed job, or a
 * held or failed item (an encrypted member, a filter that crashed): refused
 * unless [daemon] allow_release_uninspected, then *uninspected is set. */
static enum spool_err admin_inspected(struct daemon *d, json_t *res, const char *verdict,
				      int *uninspected, char *why, size_t whylen)
{
	const char *what = NULL, *wv = NULL;
	json_t *it;
	size_t i;

	*uninspected = strcmp(verdict, "held") == 0 || strcmp(verdict, "failed") == 0;
	json_array_foreach(json_object_get(res, "items"), i, it) {
		const char *v = json_string_value(json_object_get(it, "verdict"));
		const char *path = json_string_value(json_object_get(it, "path"));
		const char *r = json_string_value(json_object_get(it, "reason"));

		if (v == NULL)
			continue;
		if (strcmp(v, "blocked") == 0)
			return admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "item '%s' was blocked (%s): "
					  "the original is never released", path ? path : "?",
					  r ? r : "");
		if ((strcmp(v, "held") == 0 || strcmp(v, "failed") == 0) && what == NULL) {
			what = path ? path : "?";
			wv = v;
			*uninspected = 1;
		}
	}
	if (*uninspected && !d->cfg.allow_release_uninspected) {
		if (what != NULL)
			return admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "item '%s' is %s: mugai "
					  "could not inspect all of the original ([daemon] "
					  "allow_release_uninspected = false)", what, wv);
		return admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "the job is %s: mugai could "
				  "not inspect the original ([daemon] allow_release_uninspected = "
				  "false)", verdict);
	}
	return SPOOL_OK;
}

/* the record that a release-original did not happen after all */
static int admin_withdrawn(struct daemon *d, const char *id, json_t *res, const char *approver,
			   const char *why)
{
	json_t *ev = json_pack("{s:s, s:s, s:O?, s:s, s:s}", "event", "original release withdrawn",
			       "job", id, "name", json_object_get(res, "name"),
			       "approver", approver ? approver : "", "reason", why);
	int rc = ev != NULL ? audit_append(d->audit, ev) : -1;

	json_decref(ev);
	return rc;
}

int admin_release_interrupted(void *arg, const char *id, json_t *res, json_t *marker)
{
	struct daemon *d = arg;

	if (admin_original_artefact(res) >= 0) {
		/* listed only after its record was durable: complete */
		log_info("job %s: its interrupted release-original was complete", id);
		return 0;
	}
	log_warnx("job %s: its release-original was interrupted: withdrawn", id);
	if (admin_withdrawn(d, id, res, json_string_value(json_object_get(marker, "approver")),
			    "interrupted by a stop before the release was complete: nothing is "
			    "released (ask again)") != 0) {
		log_warnx("job %s: cannot write the audit record; settled at the next start", id);
		return -1;
	}
	return 0;
}

/* The durable `original released` record is the commit point: a marker
 * first (so that a crash at any later step is settled at start), then the
 * copy (in the release area, but listed nowhere, so served by nothing),
 * the record, and only then the result that lists it. */
enum spool_err admin_release_original(struct daemon *d, const char *id,
				      const char *approver, const char *reason,
				      const char *via, char *why, size_t whylen)
{
	struct spool_job *j = NULL;
	int out = -1, orig = -1, uninspected = 0, marked = 0;
	enum spool_err rc;
	json_t *res = NULL, *arts, *art = NULL, *ev = NULL;
	const char *verdict, *name, *sha;
	char *text = NULL, safe[ADMIN_NAME_BUF], final[RELEASE_PATH_MAX];
	char hex[65], err[256];
	uint64_t size = 0;
	long k;

	final[0] = '\0';
	pthread_mutex_lock(&d->jmu);
	rc = admin_done_job(d, id, &res, why, whylen);
	if (rc != SPOOL_OK)
		goto out;
	verdict = json_string_value(json_object_get(res, "verdict"));
	if (strcmp(verdict, "blocked") == 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "the job is blocked: its original "
				"is never released");
		goto out;
	}
	arts = json_object_get(res, "artefacts");
	if ((k = admin_original_artefact(res)) >= 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_CONFLICT, "the original was released already "
				"as artefact %ld", k);
		goto out;
	}
	rc = admin_inspected(d, res, verdict, &uninspected, why, whylen);
	if (rc != SPOOL_OK)
		goto out;
	name = json_string_value(json_object_get(res, "name"));
	sha = json_string_value(json_object_get(res, "sha256"));
	if (!json_is_array(arts) || name == NULL || sha == NULL) {
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "the job's result lacks its name or "
				"SHA-256");
		goto out;
	}
	j = spool_job_done(d->spool, id);
	orig = j != NULL ? spool_job_original(j) : -1;
	out = j != NULL ? spool_job_out(j, 0) : -1;
	if (orig < 0 || out < 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "cannot open the original");
		goto out;
	}
	rc = admin_rescan(d, orig, name, why, whylen);
	if (rc != SPOOL_OK)
		goto out;
	ev = json_pack("{s:s, s:s, s:s}", "approver", approver, "reason", reason, "via", via);
	text = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	ev = NULL;
	if (text == NULL || spool_job_release_begin(j, text) != 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "cannot record that a release begins: "
				"nothing released");
		goto out;
	}
	marked = 1;
	free(text);
	text = NULL;
	job_release_name(name, safe, sizeof(safe));
	if (release_copy(out, safe, orig, final, sizeof(final), hex, &size, NULL, err,
			 sizeof(err)) != 0) {
		final[0] = '\0';
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "%s", err);
		goto out;
	}
	if (strcmp(hex, sha) != 0) {
		/* not the bytes that were received and inspected */
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "the original's SHA-256 changed in the "
				"spool");
		goto out;
	}
	ev = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}",
		       "event", "original released", "job", id, "name", name,
		       "sha256", hex, "size", (json_int_t)size, "artefact", final,
		       "verdict", verdict, "approver", approver, "reason", reason, "via", via);
	if (ev != NULL && uninspected)
		json_object_set_new(ev, "uninspected", json_true());
	/* no audit record, no release */
	if (ev == NULL || audit_append(d->audit, ev) != 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "cannot write the audit record: "
				"nothing released");
		goto out;
	}
	art = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b}", "path", final, "sha256", hex,
			"size", (json_int_t)size, "mode", "original", "item", name,
			"original", 1);
	if (art == NULL || json_array_append(arts, art) != 0 ||
	    (text = json_dumps(res, JSON_COMPACT)) == NULL || spool_job_rewrite(j, text) != 0) {
		rc = admin_fail(why, whylen, SPOOL_ERR_IO, "cannot list the released original: "
				"withdrawn, nothing released");
		release_unlink(out, final);
		final[0] = '\0';
		/* recorded, then not done: say so, or leave it to the start */
		if (admin_withdrawn(d, id, res, approver, "the job's result could not be "
				    "written: nothing is released") != 0)
			marked = 0;
		goto out;
	}
	final[0] = '\0'; /* listed: it stays */
	log_info("job %s: original released (approver %s%s)", id, approver,
		 uninspected ? ", uninspected" : "");
out:
	if (final[0] != '\0')
		release_unlink(out, final);
	if (marked && spool_job_release_end(j) != 0)
		log_warnx("job %s: cannot remove the release marker; settled at the next start", id);
	pthread_mutex_unlock(&d->jmu);
	free(text);
	json_decref(ev);
	json_decref(art);
	json_decref(res);
	if (orig >= 0)
		close(orig);
	if (out >= 0)
		close(out);
	spool_job_close(j);
	return rc;
}

struct admin_purged {
	struct daemon *d;
	uint32_t retention_days;
	const char *via;
};

/* the record first: the job is deleted only once it is durable */
static int admin_purged_one(void *arg, const char *id, json_t *res, time_t fin, int resumed)
{
	struct admin_purged *p = arg;
	json_t *ev = json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:I, s:I, s:s}",
			       "event", "purged", "job", id,
			       "name", json_object_get(res, "name"),
			       "sha256", json_object_get(res, "sha256"),
			       "verdict", json_object_get(res, "verdict"),
			       "finished", (json_int_t)fin,
			       "retention_days", (json_int_t)p->retention_days,
			       "via", p->via);
	int rc;

	if (ev != NULL && resumed)
		json_object_set_new(ev, "resumed", json_true());
	rc = ev != NULL ? audit_append(p->d->audit, ev) : -1;
	if (rc != 0)
		log_warnx("job %s: cannot write the audit record 'purged'", id);
	else if (!resumed && p->d->notify.purged != NULL)
		p->d->notify.purged(p->d->notify.arg, id, res);
	if (rc == 0) {
		admin_kept_drop(id); /* the job goes: its kept passwords too */
		admin_tries_forget(p->d, id); /* and its tries (the table never shrank) */
	}
	json_decref(ev);
	return rc;
}

int admin_purge(struct daemon *d, uint32_t retention_days, const char *via, unsigned *purged)
{
	time_t cutoff = time(NULL) - (time_t)retention_days * ADMIN_SECONDS_PER_DAY;
	struct admin_purged p = { d, retention_days, via };
	int rc;

	pthread_mutex_lock(&d->jmu);
	rc = spool_purge(d->spool, cutoff, admin_purged_one, &p, purged);
	pthread_mutex_unlock(&d->jmu);
	if (*purged > 0)
		log_info("purged %u finished job(s) older than %u day(s)", *purged, retention_days);
	return rc;
}
