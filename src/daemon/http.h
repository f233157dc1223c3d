/*
 * http.h - the HTTP layer of mugaid, one concern per file:
 *
 *   http.c    the router and the roles of a caller (bearer tokens)
 *   reply.c   answers: JSON, errors, a refusal's status, the job as the
 *             API shows it, ?wait parking and its answer
 *   upload.c  POST /v1/jobs: the body streamed into the spool
 *   form.c    the small bodies (password, release-original, purge)
 *   listen.c  the listeners (libmicrohttpd), TLS, the admin socket
 *
 * intake:  POST /v1/jobs, GET /v1/jobs/{id}, GET /v1/jobs/{id}/artefacts/{n},
 *          POST /v1/jobs/{id}/password (submit token),
 *          POST /v1/jobs/{id}/release-original,
 *          POST /v1/jobs/{id}/password-reset, GET /v1/admin/jobs,
 *          POST /v1/admin/purge (admin token), /healthz /readyz,
 *          /metrics (metrics or admin token)
 * A job is its submitter's: another submit token gets 404 for it; a fetch
 * token reads any job, an admin token or the admin socket does anything.
 * release: GET /v1/jobs/{id}, GET /v1/jobs/{id}/artefacts/{n}, /healthz —
 *          released artefacts only, never an original, never an upload.
 * admin:   a unix socket (mode 0660); whoever can connect is an
 *          administrator: the intake routes but the upload, no token.
 */
#ifndef MUGAI_HTTP_H
#define MUGAI_HTTP_H

#include "daemon.h"

#include <microhttpd.h>

/* the request bodies in libmicrohttpd's buffers */
#define HTTP_POST_BUFFER (16 * 1024)

struct listener {
	struct daemon *d;
	enum listener_kind kind;
	int release_only;
};

/* who owns a job (its meta's "owner"): the submit token (its SHA-256),
 * the admin socket, or anyone on an open (token-less, loopback) daemon */
#define HTTP_OWNER_TOKEN "token:"
#define HTTP_OWNER_ADMIN "admin-socket"
#define HTTP_OWNER_OPEN "open"
#define HTTP_OWNER_MAX 80

/* what *con_cls points at: each begins with its kind */
enum { REQ_UPLOAD = 1, REQ_FORM, REQ_HEADERS };

/* http.c: libmicrohttpd's callbacks */
enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version, const char *upload_data,
			     size_t *upload_data_size, void **con_cls);
void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe);

/* reply.c */
enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *body);
enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *code,
			    const char *message);
enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *type,
			   char *text);
/* the one place a spool/admin refusal gets its HTTP status and code */
enum MHD_Result reply_refusal(struct MHD_Connection *c, enum spool_err err, const char *why);
/* the job as the API shows it; NULL when unknown */
json_t *reply_job_json(struct daemon *d, const char *id, int release_only);
/* 200 with the job once it is done within wait seconds, else 202 with its
 * state; parks the request (answers later) when it is not done yet */
enum MHD_Result reply_wait_answer(struct daemon *d, struct MHD_Connection *c,
				  struct waiter *w, const char *id, int wait);
/* ?wait=SECONDS (at most DAEMON_WAIT_MAX): 0 with *wait, -1 + a 400 in *ret */
int reply_parse_wait(struct MHD_Connection *c, int *wait, enum MHD_Result *ret);
/* a Content-Length over max (one that does not parse is MHD's to refuse) */
int reply_length_over(struct MHD_Connection *c, uint64_t max);

/* upload.c */
struct upload;
enum MHD_Result upload_start(struct listener *l, struct MHD_Connection *c, const char *owner,
			     int role, void **con_cls);
enum MHD_Result upload_request(struct upload *u, struct MHD_Connection *c, const char *data,
			       size_t *size);
void upload_completed(struct upload *u);

/* form.c */
enum { FORM_PASSWORD, FORM_RELEASE_ORIGINAL, FORM_PURGE };
struct form;
enum MHD_Result form_start(struct listener *l, struct MHD_Connection *c, int action,
			   const char *id, void **con_cls);
enum MHD_Result form_request(struct form *f, struct MHD_Connection *c, const char *data,
			     size_t *size);
void form_completed(struct form *f);

#endif
