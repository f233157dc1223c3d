/*
 * worker.c - the worker pool and the commit sequence of a verdict.
 *
 * A worker takes a job id from the queue, begins the job in the spool, runs
 * job_process on it and records the verdict: the result (the commit point),
 * the fsyncs of the released directories and the verdict's audit line side
 * by side, then moves the job to done and tells d->notify.
 *
 * A verdict that cannot be committed — its result not durable (disk full or
 * failing) or its audit line not written (no record, no release) — gives
 * nothing: the job goes back to the queue with its output gone and runs
 * again after [daemon] commit_retry_min seconds, the wait doubling up to
 * commit_retry_max, until the disk and the audit log take it.
 *
 * When a worker is idle, a new upload is handed to it as soon as it is
 * written, while the intake makes it durable (worker_submit): the two run
 * side by side, and the worker finishes the job only once the intake has
 * committed it.  If the intake fails, the worker removes the job and
 * nothing is released.
 */
#include "daemon.h"
#include "beside.h"
#include "mugai/clock.h"
#include "mugai/detect.h"
#include "mugai/job.h"
#include "mugai/log.h"
#include "mugai/passcand.h"
#include "mugai/release.h"
#include "mugai/filterproto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* an upload handed to a worker before its intake was durable */
struct worker_intake {
	struct spool_job *job;        /* the job, wherever it is now */
	int state;                    /* 0 intake running, 1 committed (queued),
				       * -1 intake failed: the worker removes it */
	int started;                  /* a worker has it: state "processing" */
	char name[DAEMON_NAME_MAX + 1]; /* what the meta will say */
	int mode;
	json_t *envelope;             /* a mail's, or NULL */
};

/* a job waiting to be tried again */
struct worker_retry {
	int64_t due_ms;               /* CLOCK_MONOTONIC */
	char id[JOBID_LEN + 1];
};

static void worker_intake_free(void *p)
{
	struct worker_intake *in = p;

	spool_job_close(in->job);
	json_decref(in->envelope);
	free(in);
}

void worker_init(struct daemon *d)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the retries' due times */
	pthread_cond_init(&d->queue_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&d->intake_cv, NULL);
	d->queue = g_queue_new();
	d->retry = g_queue_new();
	d->backoff = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	d->intake = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, worker_intake_free);
}

static void worker_enqueue_locked(struct daemon *d, const char *id)
{
	g_queue_push_tail(d->queue, g_strdup(id));
	pthread_cond_signal(&d->queue_cv);
}

void worker_enqueue(struct daemon *d, const char *id)
{
	pthread_mutex_lock(&d->mu);
	worker_enqueue_locked(d, id);
	pthread_mutex_unlock(&d->mu);
}

void worker_gauges(struct daemon *d, unsigned *queue_depth, unsigned *active)
{
	pthread_mutex_lock(&d->mu);
	*queue_depth = g_queue_get_length(d->queue) + g_queue_get_length(d->retry);
	*active = d->active;
	pthread_mutex_unlock(&d->mu);
}

static gint worker_by_due(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct worker_retry *x = a, *y = b;

	(void)unused;
	return x->due_ms < y->due_ms ? -1 : x->due_ms > y->due_ms;
}

/* the job, back in the queue of the spool, runs again after its backoff */
static void worker_retry_later(struct daemon *d, const char *id)
{
	struct worker_retry *r = calloc(1, sizeof(*r));
	uint32_t delay, max = d->cfg.commit_retry_max;

	if (r == NULL) {
		log_warnx("job %s: left in the queue for the next start", id);
		return;
	}
	g_strlcpy(r->id, id, sizeof(r->id));
	pthread_mutex_lock(&d->mu);
	delay = GPOINTER_TO_UINT(g_hash_table_lookup(d->backoff, id));
	if (delay == 0)
		delay = d->cfg.commit_retry_min;
	if (delay > max)
		delay = max;
	r->due_ms = mugai_now_ms() + (int64_t)delay * 1000;
	g_queue_insert_sorted(d->retry, r, worker_by_due, NULL);
	g_hash_table_replace(d->backoff, g_strdup(id),
			     GUINT_TO_POINTER(delay < max / 2 ? delay * 2 : max));
	pthread_cond_signal(&d->queue_cv);
	pthread_mutex_unlock(&d->mu);
	metrics_commit_retry(&d->metrics);
	log_warnx("job %s: its verdict was not committed: it runs again in %u s", id, delay);
}

/* under d->mu: the retries that are due into the queue; the time until the
 * next one (ms), -1 when none waits */
static int64_t worker_due_locked(struct daemon *d)
{
	struct worker_retry *r;
	int64_t now = mugai_now_ms();

	while ((r = g_queue_peek_head(d->retry)) != NULL && r->due_ms <= now) {
		g_queue_pop_head(d->retry);
		g_queue_push_tail(d->queue, g_strdup(r->id));
		free(r);
	}
	return r != NULL ? r->due_ms - now : -1;
}

/* the verdict's audit line */
static json_t *worker_verdict_event(const char *id, const char *name, json_t *report)
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
	/* a drop-folder job (drop.c): where it came from */
	if (ev != NULL && json_is_string(json_object_get(report, "source"))) {
		json_object_set(ev, "source", json_object_get(report, "source"));
		json_object_set(ev, "path", json_object_get(report, "path"));
	}
	return ev;
}

/* a verdict recorded before the stop, whose move to done was not: its
 * audit line may not have been written; one more, marked; when it cannot
 * be written, the job runs again */
static int worker_recovered(void *arg, const char *id, json_t *res)
{
	struct daemon *d = arg;
	json_t *ev = worker_verdict_event(id, json_string_value(json_object_get(res, "name")),
					  res);
	int rc = ev != NULL && json_object_set_new(ev, "recovered", json_true()) == 0 &&
		 audit_append(d->audit, ev) == 0 ? 0 : -1;

	metrics_audit(&d->metrics, rc == 0);
	if (rc != 0)
		log_warnx("job %s: cannot write the audit record: it runs again", id);
	json_decref(ev);
	return rc;
}

static void worker_requeue(void *arg, const char *id)
{
	worker_enqueue(arg, id);
}

int worker_recover(struct daemon *d,
		   int (*release_interrupted)(void *, const char *, json_t *, json_t *))
{
	struct spool_recover_cb cb = { worker_recovered, worker_requeue, d, release_interrupted };

	return spool_recover(d->spool, &cb);
}

/* Hand the job to an idle worker now, before its intake is durable; NULL
 * when every worker is busy (it then waits its turn in the queue). */
static struct worker_intake *worker_hand_over(struct daemon *d, const char *id,
					      struct spool_job *j, const char *name, int mode,
					      json_t *envelope)
{
	struct worker_intake *in = NULL;

	pthread_mutex_lock(&d->mu);
	if (!d->stopping && d->active + g_queue_get_length(d->queue) < d->workers &&
	    (in = calloc(1, sizeof(*in))) != NULL && (in->job = spool_job_dup(j)) != NULL) {
		g_strlcpy(in->name, name, sizeof(in->name));
		in->mode = mode;
		in->envelope = json_incref(envelope);
		g_hash_table_insert(d->intake, g_strdup(id), in);
		worker_enqueue_locked(d, id);
	} else if (in != NULL) {
		free(in);
		in = NULL;
	}
	pthread_mutex_unlock(&d->mu);
	return in;
}

static void worker_intake_done(struct daemon *d, struct worker_intake *in, int state)
{
	pthread_mutex_lock(&d->mu);
	in->state = state;
	pthread_cond_broadcast(&d->intake_cv);
	pthread_mutex_unlock(&d->mu);
}

/* A job handed over at intake: wait until the intake has finished (at once
 * when it has).  1 when the job is queued and durable, -1 when the intake
 * failed. */
static int worker_intake_wait(struct daemon *d, struct worker_intake *in)
{
	int state;

	pthread_mutex_lock(&d->mu);
	while (in->state == 0)
		pthread_cond_wait(&d->intake_cv, &d->mu);
	state = in->state;
	pthread_mutex_unlock(&d->mu);
	return state;
}

int worker_submit(struct daemon *d, const char *id, const char *name, int mode, int ofd)
{
	return worker_submit_owned(d, id, name, mode, NULL, NULL, ofd);
}

/* the one intake commit: owner (NULL = none), envelope (a mail's, or NULL)
 * and from (NULL = an API upload) go into the meta */
static int worker_submit_meta(struct daemon *d, const char *id, const char *name, int mode,
			      const char *owner, json_t *envelope, int ofd, json_t *from);

int worker_submit_owned(struct daemon *d, const char *id, const char *name, int mode,
			const char *owner, json_t *envelope, int ofd)
{
	return worker_submit_meta(d, id, name, mode, owner, envelope, ofd, NULL);
}

int worker_submit_from(struct daemon *d, const char *id, const char *name, int mode, int ofd,
		       json_t *from)
{
	return worker_submit_meta(d, id, name, mode, NULL, NULL, ofd, from);
}

static int worker_submit_meta(struct daemon *d, const char *id, const char *name, int mode,
			      const char *owner, json_t *envelope, int ofd, json_t *from)
{
	struct spool_job *j = spool_intake_open(d->spool, id);
	json_t *meta = json_pack("{s:s, s:s, s:s, s:I, s:s?}", "id", id, "name", name, "mode",
				 config_mode_name(mode), "received", (json_int_t)time(NULL),
				 "owner", owner);
	char *text;
	struct worker_intake *in = NULL;
	struct stat st;
	int rc = -1;

	if (envelope != NULL)
		json_object_set(meta, "envelope", envelope);
	if (from != NULL)
		json_object_update(meta, from);
	text = json_dumps(meta, JSON_COMPACT);
	if (j == NULL || text == NULL || fstat(ofd, &st) != 0)
		goto out;
	/* the worker starts on the original now, with the name and mode from
	 * here: the commit runs beside its detection and scan (an API upload
	 * only: a drop job's worker reads where it came from in the meta) */
	if (from == NULL)
		in = worker_hand_over(d, id, j, name, mode, envelope);
	if (spool_intake_commit(j, text, ofd) != 0)
		goto out;
	{
		json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:I}", "event", "received",
			"job", id, "source", "api", "name", name, "size", (json_int_t)st.st_size);

		if (ev != NULL && from != NULL) {
			json_object_set(ev, "source", json_object_get(from, "source"));
			json_object_set(ev, "path", json_object_get(from, "path"));
		}

		/* durable with the verdict's line, or before the 202 (reply.c) */
		int arc = audit_append_lazy(d->audit, ev);

		metrics_audit(&d->metrics, arc == 0);
		if (arc != 0)
			log_warnx("job %s: cannot write the audit record", id);
		json_decref(ev);
	}
	if (in == NULL)
		worker_enqueue(d, id);
	rc = 0;
out:
	/* a failed intake goes: the worker that has it removes it, else we do */
	if (in != NULL)
		worker_intake_done(d, in, rc == 0 ? 1 : -1);
	else if (rc != 0)
		spool_intake_abort(d->spool, id);
	spool_job_close(j);
	free(text);
	json_decref(meta);
	return rc;
}

int worker_handed_over(struct daemon *d, const char *id)
{
	struct worker_intake *in;
	int started;

	pthread_mutex_lock(&d->mu);
	in = g_hash_table_lookup(d->intake, id);
	started = in != NULL && in->started;
	pthread_mutex_unlock(&d->mu);
	return started;
}

enum spool_state worker_state(struct daemon *d, const char *id)
{
	enum spool_state st = spool_state(d->spool, id);

	return st == SPOOL_QUEUED && worker_handed_over(d, id) ? SPOOL_ACTIVE : st;
}

struct worker_verdict_line {
	struct daemon *d;
	struct worker_intake *in;
	json_t *ev;
	int rc;      /* 0 written, -1 failed, 1 not written: the intake failed */
};

/* after the intake's "received" line, and only for a job that was queued */
static void *worker_verdict_line(void *arg)
{
	struct worker_verdict_line *v = arg;

	if (v->in != NULL && worker_intake_wait(v->d, v->in) < 0)
		v->rc = 1;
	else {
		v->rc = v->ev != NULL && audit_append(v->d->audit, v->ev) == 0 ? 0 : -1;
		metrics_audit(&v->d->metrics, v->rc == 0);
	}
	return NULL;
}

/* the verdict line went out, the verdict did not: say so */
static void worker_audit_unrecorded(struct daemon *d, const char *id)
{
	json_t *ev = json_pack("{s:s, s:s, s:s}", "event", "verdict not recorded", "job", id,
			       "reason", "result.json could not be written; the job runs again "
			       "([daemon] commit_retry_min)");

	if (ev == NULL || audit_append(d->audit, ev) != 0)
		log_warnx("job %s: cannot write the audit record", id);
	json_decref(ev);
}

struct worker_release_sync {
	struct release_sync *later;
	int rc;
};

static void *worker_release_sync(void *arg)
{
	struct worker_release_sync *rs = arg;

	rs->rc = release_sync_run(rs->later);
	return NULL;
}

/* The released names could not be made durable: nothing is released.  The
 * artefacts go, their items are withheld, the verdict is "failed". */
static void worker_withdraw(json_t *report, int out)
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

/* run job_process on the job: the report, NULL when none could be made;
 * *tried set when passwords were given for this run (a held job again) */
static json_t *worker_run(struct daemon *d, struct detect_ctx *det, struct spool_job *j,
			  const char *id, const char *name, const char *mode, int infd, int out,
			  struct release_sync *later, struct passcand *pc, int *tried)
{
	struct engine_ref *er = engine_acquire(d);
	char password[SPOOL_PASSWORD_FILE_MAX];
	const char *tries[SPOOL_PASSWORDS_MAX];
	struct job_env env;
	struct job_opts jo;
	json_t *report;
	size_t len = 0;

	memset(password, 0, sizeof(password));
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
			jo.mode = 0; /* the meta is ours; an unknown mode is auto */
		jo.input = name;
		jo.job_id = id;
		jo.candidates = pc;
		jo.link_input = 1; /* the original is never written again */
		jo.sync_later = later; /* made beside the result's fsync */
		if (spool_job_password(j, password, sizeof(password), &len) == 0) {
			/* one, or a mail's candidates (NUL-separated): the first for
			 * every filter, all for a mail's held parts */
			for (size_t at = 0; at <= len && jo.n_tries < SPOOL_PASSWORDS_MAX;
			     at += strlen(password + at) + 1)
				tries[jo.n_tries++] = password + at;
			jo.password = tries[0];
			jo.tries = tries;
			*tried = 1;
		}
		report = job_process(&env, infd, name, &jo, out);
	}
	explicit_bzero(password, sizeof(password));
	engine_release(d, er);
	return report;
}

/* The commit point, the result, the fsyncs of the release directories the
 * release held back, and the verdict's audit line, side by side: three
 * disk waits overlap.  A verdict whose artefacts are not all on disk is
 * not taken for recorded (the spool's recovery).  A crash in between
 * leaves a verdict line for a job that runs again at the next start, which
 * then has two; a release directory that cannot be made durable fails the
 * job, and a second line says so.  0 when the verdict is recorded and its
 * line written; -1 (nothing may be released) else. */
static int worker_commit(struct daemon *d, const char *id, const char *name,
			 struct worker_intake *in, struct spool_job *j, json_t *report, int out,
			 struct release_sync *later)
{
	char *text = json_dumps(report, JSON_COMPACT);
	struct worker_verdict_line vl = { d, in, worker_verdict_event(id, name, report), 0 };
	struct worker_release_sync rs = { later, 0 };
	pthread_t th_line, th_sync;
	int line_started = beside_run(&th_line, worker_verdict_line, &vl);
	int sync_started = beside_run(&th_sync, worker_release_sync, &rs);
	int wrc = text != NULL ? spool_job_record(j, text) : -1;

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
		worker_withdraw(report, out);
		free(text);
		text = json_dumps(report, JSON_COMPACT);
		wrc = text != NULL ? spool_job_record(j, text) : -1;
		vl.ev = worker_verdict_event(id, name, report);
		if (vl.rc == 0 && (vl.ev == NULL || audit_append(d->audit, vl.ev) != 0))
			log_warnx("job %s: cannot write the audit record", id);
		json_decref(vl.ev);
	}
	free(text);
	if (wrc != 0) {
		log_warn("job %s: cannot record the result", id);
		if (vl.rc == 0)
			worker_audit_unrecorded(d, id);
		return -1;
	}
	if (vl.rc < 0) {
		/* no record, no release: the result goes again (worker_process
		 * takes the job back to the queue) */
		log_warnx("job %s: its verdict's audit line cannot be written: nothing released", id);
		return -1;
	}
	return 0;
}

/* A run given passwords (PPAP: a held mail) whose mail now holds nothing:
 * its follow-up is due, recorded with the verdict so that a crash before
 * it is sent sends it at the next start (ppap.c); "unsent" without [mail]
 * relay. */
static void worker_followup(const struct daemon *d, json_t *report)
{
	const char *v = json_string_value(json_object_get(report, "verdict"));

	if (json_object_get(report, "envelope") == NULL || v == NULL ||
	    strcmp(v, "released") != 0 || json_object_get(report, "held_items") != NULL)
		return;
	if (json_array_size(json_object_get(json_object_get(report, "envelope"), "to")) == 0)
		json_object_set_new(report, "followup", json_pack("{s:s, s:s}", "state",
			"unsent", "reason", "the envelope names no recipient"));
	else if (d->cfg.mail_relay[0] != '\0')
		json_object_set_new(report, "followup", json_pack("{s:s, s:i}", "state",
								  "pending", "tries", 0));
	else
		json_object_set_new(report, "followup", json_pack("{s:s, s:s}", "state",
			"unsent", "reason", "no [mail] relay: fetch the message over the API"));
}

/* Process one job: queued -> active -> done; or, handed over at intake
 * (in != NULL), queued -> done once the intake is done. */
static void worker_process(struct daemon *d, struct detect_ctx *det, const char *id,
			   struct worker_intake *in)
{
	struct spool_job *j;
	int infd = -1, out = -1, committed = 0, retry = 0, tried = 0;
	json_t *meta = NULL, *report = NULL, *a;
	const char *name = "file", *mode = "auto";
	int64_t t0 = mugai_now_ms();
	struct stat st;
	uint64_t out_bytes = 0;
	size_t i;
	struct release_sync later;
	struct passcand pc;

	passcand_init(&pc, &(struct passcand_limits){ d->cfg.mail_ppap_max_candidates,
		d->cfg.mail_ppap_max_candidate_bytes, d->cfg.mail_ppap_max_text_bytes });
	release_sync_init(&later);
	j = in != NULL ? spool_job_dup(in->job) : spool_job_begin(d->spool, id);
	if (j == NULL) {
		log_warn("job %s: cannot start", id);
		goto out;
	}
	if (in != NULL) {
		/* the meta may not be written yet: the intake told us */
		name = in->name;
		mode = config_mode_name(in->mode);
	} else {
		meta = spool_job_meta(j);
		if (meta != NULL)
			json_unpack(meta, "{s?s, s?s}", "name", &name, "mode", &mode);
	}
	infd = spool_job_original(j);
	out = spool_job_out(j, in == NULL);
	report = worker_run(d, det, j, id, name, mode, infd, out, &later, &pc, &tried);
	if (report == NULL)
		goto out;
	if (in != NULL ? in->envelope != NULL : json_object_get(meta, "envelope") != NULL)
		json_object_set(report, "envelope", in != NULL ? in->envelope :
				json_object_get(meta, "envelope"));
	if (tried)
		worker_followup(d, report); /* durable with the verdict */
	json_object_set_new(report, "id", json_string(id));
	json_object_set_new(report, "finished", json_integer((json_int_t)time(NULL)));
	json_object_set_new(report, "state", json_string("done"));
	json_object_set_new(report, "processing_ms", json_integer(mugai_now_ms() - t0));
	if (meta != NULL && json_is_string(json_object_get(meta, "source"))) {
		/* a drop-folder job: the outbox writer (drop_outbox.c) reads these */
		json_object_set(report, "source", json_object_get(meta, "source"));
		json_object_set(report, "drop", json_object_get(meta, "drop"));
		json_object_set(report, "path", json_object_get(meta, "path"));
	}
	json_array_foreach(json_object_get(report, "artefacts"), i, a)
		out_bytes += (uint64_t)json_integer_value(json_object_get(a, "size"));
	if (worker_commit(d, id, name, in, j, report, out, &later) != 0) {
		retry = 1;
		goto out;
	}
	/* one try per password given: the next one comes over the API.  Once
	 * the verdict is durable, so that a crash in between tries again; and
	 * durably gone before anyone hears of the verdict, so that a crash
	 * after does not try again */
	if (spool_job_drop_password(j) != 0)
		log_warn("job %s: cannot remove the password file", id);
	if (in != NULL && worker_intake_wait(d, in) < 0)
		goto out;
	if (spool_job_finish(j) != 0) {
		log_warn("job %s: cannot move to done; done at the next start", id);
		goto out;
	}
	committed = 1;
	pthread_mutex_lock(&d->mu);
	g_hash_table_remove(d->backoff, id);
	pthread_mutex_unlock(&d->mu);
	log_info("job %s: %s %s%s%s", id, json_string_value(json_object_get(report, "verdict")),
		 name, *json_string_value(json_object_get(report, "reason")) ? ": " : "",
		 json_string_value(json_object_get(report, "reason")));
	metrics_job(&d->metrics, report, fstat(infd, &st) == 0 ? (uint64_t)st.st_size : 0,
		    out_bytes, mugai_now_ms() - t0);
out:
	if (in != NULL) {
		/* handed over: the intake's outcome decides what is left of it */
		if (worker_intake_wait(d, in) < 0) {
			spool_intake_abort(d->spool, id);
			log_warnx("job %s: the upload could not be queued; removed", id);
			retry = 0;
		} else if (!committed && !retry) {
			log_warnx("job %s: left in the queue for the next start", id);
		}
		pthread_mutex_lock(&d->mu);
		g_hash_table_remove(d->intake, id); /* frees in */
		pthread_mutex_unlock(&d->mu);
	}
	if (retry) {
		if (spool_job_retry(j) == 0)
			worker_retry_later(d, id);
		else
			log_warnx("job %s: left in the queue for the next start", id);
	}
	release_sync_run(&later); /* closes what an early exit left held */
	json_decref(meta);
	if (out >= 0)
		close(out);
	spool_job_close(j);
	/* a queued id that could not be begun is another run's (taken twice)
	 * or gone: that run tells; telling now would wake a ?wait early */
	if (d->notify.job_done != NULL && (j != NULL || in != NULL))
		d->notify.job_done(d->notify.arg, id);
	/* PPAP (mail jobs with an envelope), once the waiters know: the
	 * follow-up of a held mail opened now, the candidates of this one
	 * given to the held mails of its sender */
	if (committed && d->notify.committed != NULL)
		d->notify.committed(d->notify.arg, id, report, &pc, tried);
	passcand_clear(&pc);
	json_decref(report);
	if (infd >= 0)
		close(infd);
}

static void *worker_thread(void *arg)
{
	struct daemon *d = arg;
	struct detect_ctx *det = NULL;
	char err[256];

	if (detect_open(&det, err, sizeof(err)) != 0)
		fatalx("worker: %s", err);
	for (;;) {
		char *id;
		struct worker_intake *in;

		pthread_mutex_lock(&d->mu);
		for (;;) {
			int64_t wait_ms = worker_due_locked(d);
			struct timespec ts;

			if (d->stopping || !g_queue_is_empty(d->queue))
				break;
			if (wait_ms < 0) {
				pthread_cond_wait(&d->queue_cv, &d->mu);
				continue;
			}
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait_ms / 1000;
			ts.tv_nsec += (wait_ms % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&d->queue_cv, &d->mu, &ts);
		}
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
		worker_process(d, det, id, in);
		g_free(id);
		pthread_mutex_lock(&d->mu);
		d->active--;
		pthread_mutex_unlock(&d->mu);
	}
	detect_close(det);
	return NULL;
}

int worker_start(struct daemon *d, pthread_t **threads)
{
	*threads = calloc(d->workers, sizeof(pthread_t));
	if (*threads == NULL)
		return -1;
	for (unsigned i = 0; i < d->workers; i++)
		if (pthread_create(&(*threads)[i], NULL, worker_thread, d) != 0)
			return -1;
	return 0;
}

void worker_stop(struct daemon *d, pthread_t *threads)
{
	GHashTableIter it;
	gpointer id, rec;
	GPtrArray *failed = g_ptr_array_new_with_free_func(g_free);

	pthread_mutex_lock(&d->mu);
	d->stopping = 1;
	pthread_cond_broadcast(&d->queue_cv);
	pthread_mutex_unlock(&d->mu);
	for (unsigned i = 0; i < d->workers; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	/* handed over, then the intake failed (answered 503), but no worker
	 * got to remove it before the stop: it must not run at the next start */
	g_hash_table_iter_init(&it, d->intake);
	while (g_hash_table_iter_next(&it, &id, &rec))
		if (((struct worker_intake *)rec)->state < 0)
			g_ptr_array_add(failed, g_strdup(id));
	for (guint i = 0; i < failed->len; i++)
		spool_intake_abort(d->spool, failed->pdata[i]);
	g_ptr_array_free(failed, TRUE);
	/* waiting to be tried again: in the spool's queue, run at the next start */
	g_queue_free_full(d->retry, free);
	d->retry = g_queue_new();
}
