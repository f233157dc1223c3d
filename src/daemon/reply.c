/*
 * reply.c - what mugaid answers: JSON bodies, errors, the status of a
 * refusal (chosen here only), the job as the API shows it, and the answer
 * of a ?wait request, which may be parked (wait.c) until its job is done.
 */
#include "http.h"
#include "mugai/log.h"
#include "mugai/numparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result ret;

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *code,
			    const char *message)
{
	return reply_json(c, status, json_pack("{s:{s:s, s:s}}", "error", "code", code,
					       "message", message));
}

enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *type,
			   char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
								 MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_refusal(struct MHD_Connection *c, enum spool_err err, const char *why)
{
	switch (err) {
	case SPOOL_ERR_NOT_FOUND:
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not-found", why);
	case SPOOL_ERR_CONFLICT:
		return reply_error(c, MHD_HTTP_CONFLICT, "conflict", why);
	case SPOOL_ERR_INVALID:
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
	case SPOOL_ERR_LIMIT:
		return reply_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "too-many-tries", why);
	default:
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", why);
	}
}

json_t *reply_job_json(struct daemon *d, const char *id, int release_only)
{
	enum spool_state state;
	char *text;
	json_t *r, *arts, *a;
	size_t i;

	/* a job shown is a job whose "received" audit line is on disk */
	if (audit_sync(d->audit) != 0)
		log_warn("cannot sync the audit log");
	state = worker_state(d, id);
	if (state == SPOOL_NONE)
		return NULL;
	if (state != SPOOL_DONE)
		return json_pack("{s:s, s:s, s:n, s:s, s:[], s:[]}", "id", id, "state",
				 spool_state_name(state), "verdict", "reason", "", "items",
				 "artefacts");
	text = spool_result_load(d->spool, id);
	r = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (r == NULL)
		return NULL;
	arts = json_object_get(r, "artefacts");
	json_array_foreach(arts, i, a) {
		char url[160];

		snprintf(url, sizeof(url), "/v1/jobs/%s/artefacts/%zu", id, i);
		json_object_set(a, "name", json_object_get(a, "path"));
		json_object_set_new(a, "url", json_string(url));
	}
	if (release_only) {
		/* the LGWAN side sees verdicts and artefacts, not the findings list
		 * of every member's type detection */
		json_object_del(r, "input");
	}
	return r;
}

/* known and not done yet: worth waiting for */
static int reply_pending(void *arg, const char *id)
{
	enum spool_state state = worker_state(arg, id);

	return state != SPOOL_NONE && state != SPOOL_DONE;
}

/* A job not done yet parks the request: its connection is suspended
 * (MHD_YES, no answer yet) until the worker's notice or the deadline
 * resumes it, and libmicrohttpd calls the handler again, which lands here
 * with w->phase WAIT_RESUMED and answers.  Over [daemon] max_waiters, or
 * while stopping, the 202 comes at once. */
enum MHD_Result reply_wait_answer(struct daemon *d, struct MHD_Connection *c,
				  struct waiter *w, const char *id, int wait)
{
	enum spool_state state;
	json_t *job;

	/* parked: no answer yet.  This runs again on resume */
	if (wait > 0 && w->phase == WAIT_NONE &&
	    wait_park(&d->wait, w, c, id, wait, reply_pending, d))
		return MHD_YES;
	/* the "received" audit line is written lazily: durable before anyone
	 * hears of the job, here before a 202 (reply_job_json for a 200; a
	 * finished job's verdict line synced it already) */
	if (audit_sync(d->audit) != 0)
		log_warn("cannot sync the audit log");
	state = worker_state(d, id);
	if (state == SPOOL_DONE) {
		job = reply_job_json(d, id, 0);
		if (job != NULL)
			return reply_json(c, MHD_HTTP_OK, job);
	}
	return reply_json(c, MHD_HTTP_ACCEPTED, json_pack("{s:s, s:s}", "id", id, "state",
							  state != SPOOL_NONE ?
							  spool_state_name(state) : "queued"));
}

int reply_parse_wait(struct MHD_Connection *c, int *wait, enum MHD_Result *ret)
{
	const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
	uint64_t w;

	*wait = 0;
	if (s == NULL)
		return 0;
	if (numparse_whole(s, &w, UINT64_MAX) != 0) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				   "wait must be a whole number of seconds");
		return -1;
	}
	*wait = w > DAEMON_WAIT_MAX ? DAEMON_WAIT_MAX : (int)w;
	return 0;
}

int reply_length_over(struct MHD_Connection *c, uint64_t max)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n;

	return cl != NULL && numparse_whole(cl, &n, UINT64_MAX) == 0 && n > max;
}
