/*
 * upload.c - POST /v1/jobs: the body (raw, or the one file of a
 * multipart/form-data body: a second file part is 400, never merged into
 * the first) streams into a new job of the spool, never whole into
 * memory.  A name longer than DAEMON_NAME_MAX bytes is shortened at a
 * character boundary, its extension kept; a name that is not UTF-8 is 400.  A Content-Length over [limits] input_max_size is
 * refused with 413 before the body is read; an upload that grows over it
 * is cut off.  Then the worker pool makes it a durable, queued job.
 */
#include "http.h"
#include "httpparse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* a name from Content-Disposition, before it is fitted to DAEMON_NAME_MAX */
#define UPLOAD_DISPOSITION_MAX 4096

struct upload {
	int kind;                      /* REQ_UPLOAD */
	char id[JOBID_LEN + 1];
	int fd;                        /* the job's original; -2 once committed */
	uint64_t size;
	char name[DAEMON_NAME_MAX + 1];
	char owner[HTTP_OWNER_MAX];
	int mode;
	int wait;
	json_t *envelope;              /* mode=mail: {from, to[]} from mugai-milter, or NULL */
	struct MHD_PostProcessor *pp;
	int multipart;
	char bad_envelope[160];        /* why the envelope is refused, "" = it is not */
	int have_file;
	int bad;                       /* malformed multipart */
	int two_files;                 /* a second file part */
	int bad_name;                  /* a part's file name is not UTF-8 */
	int too_large;
	int write_error;
	struct listener *l;
	struct waiter w;
};

static int upload_write(struct upload *u, const char *data, size_t size)
{
	struct daemon *d = u->l->d;

	if (u->size + size > d->cfg.input_max_size) {
		u->too_large = 1;
		return -1;
	}
	while (size > 0) {
		ssize_t n = write(u->fd, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			u->write_error = 1;
			return -1;
		}
		data += n;
		size -= (size_t)n;
		u->size += (uint64_t)n;
	}
	return 0;
}

static enum MHD_Result upload_post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
					const char *filename, const char *content_type,
					const char *transfer_encoding, const char *data,
					uint64_t off, size_t size)
{
	struct upload *u = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (filename == NULL || key == NULL)
		return MHD_YES; /* plain form fields are ignored */
	/* a part's first call has off 0: a second part is a second file */
	if (u->have_file && off == 0) {
		u->two_files = 1;
		return MHD_NO;
	}
	if (u->have_file == 0) {
		u->have_file = 1;
		if (u->name[0] == '\0' &&
		    httpparse_name_fit(filename, u->name, sizeof(u->name)) != 0) {
			u->bad_name = 1;
			return MHD_NO;
		}
	}
	if (size > 0 && upload_write(u, data, size) != 0)
		return MHD_NO;
	return MHD_YES;
}

/* an upload not committed goes from the spool */
static void upload_free(struct upload *u)
{
	if (u->pp != NULL)
		MHD_destroy_post_processor(u->pp);
	if (u->fd >= 0)
		close(u->fd);
	if (u->fd != -2 && u->id[0] != '\0')
		spool_intake_abort(u->l->d->spool, u->id);
	json_decref(u->envelope);
	free(u);
}

/* X-Mugai-Envelope-From / -To (one per recipient) into u->envelope;
 * a value too long ([mail] max_address_bytes), not UTF-8, or too many
 * recipients ([mail] max_recipients): the upload is refused */
static enum MHD_Result upload_envelope_iter(void *cls, enum MHD_ValueKind kind, const char *key,
					    const char *value)
{
	struct upload *u = cls;
	const struct mugai_config *cfg = &u->l->d->cfg;
	json_t *to = json_object_get(u->envelope, "to");
	int is_to = g_ascii_strcasecmp(key, "X-Mugai-Envelope-To") == 0;

	(void)kind;
	if (value == NULL)
		return MHD_YES;
	if (!is_to && g_ascii_strcasecmp(key, "X-Mugai-Envelope-From") != 0)
		return MHD_YES;
	if (strlen(value) > cfg->mail_max_address_bytes)
		snprintf(u->bad_envelope, sizeof(u->bad_envelope), "%s: an address longer than "
			 "%u bytes ([mail] max_address_bytes)", key, cfg->mail_max_address_bytes);
	else if (!g_utf8_validate(value, -1, NULL))
		snprintf(u->bad_envelope, sizeof(u->bad_envelope), "%s: not UTF-8", key);
	else if (is_to && json_array_size(to) >= cfg->mail_max_recipients)
		snprintf(u->bad_envelope, sizeof(u->bad_envelope), "%s: more than %u recipients "
			 "([mail] max_recipients)", key, cfg->mail_max_recipients);
	if (u->bad_envelope[0] != '\0')
		return MHD_NO;
	if (g_ascii_strcasecmp(key, "X-Mugai-Envelope-From") == 0)
		json_object_set_new(u->envelope, "from", json_string(value));
	else
		json_array_append_new(to, json_string(value));
	return MHD_YES;
}

void upload_completed(struct upload *u)
{
	wait_forget(&u->l->d->wait, &u->w);
	upload_free(u);
}

static enum MHD_Result upload_finish(struct upload *u, struct MHD_Connection *c)
{
	struct daemon *d = u->l->d;
	int rc;

	if (u->two_files)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				   "one file per request: this body holds more than one file part");
	if (u->bad_name)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-name", "the file name is not UTF-8");
	if (u->bad || (u->multipart && !u->have_file))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
				   u->bad ? "malformed multipart/form-data body"
					  : "multipart body without a file field");
	if (u->write_error)
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				   "cannot write the upload to the spool");
	if (u->name[0] == '\0')
		g_strlcpy(u->name, "upload.bin", sizeof(u->name));
	rc = worker_submit_owned(d, u->id, u->name, u->mode, u->owner, u->envelope, u->fd);
	close(u->fd);
	u->fd = -2; /* the spool's now: queued, or removed by worker_submit */
	if (rc != 0)
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				   "cannot queue the job");
	return reply_wait_answer(d, c, &u->w, u->id, u->wait);
}

enum MHD_Result upload_request(struct upload *u, struct MHD_Connection *c, const char *data,
			       size_t *size)
{
	if (u->w.phase != WAIT_NONE) /* resumed after a ?wait */
		return reply_wait_answer(u->l->d, c, &u->w, u->id, 0);
	if (*size == 0)
		return upload_finish(u, c);
	if (!u->too_large && !u->bad && !u->two_files && !u->bad_name) {
		if (u->multipart) {
			if (MHD_post_process(u->pp, data, *size) != MHD_YES && !u->too_large &&
			    !u->two_files && !u->bad_name)
				u->bad = 1;
		} else {
			upload_write(u, data, *size);
		}
	}
	*size = 0;
	/* over the limit: stop reading, drop the connection */
	return u->too_large ? MHD_NO : MHD_YES;
}

enum MHD_Result upload_start(struct listener *l, struct MHD_Connection *c, const char *owner,
			     int role, void **con_cls)
{
	struct daemon *d = l->d;
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *cd = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Disposition");
	const char *fn = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filename");
	const char *mode = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mode");
	struct upload *u;
	enum MHD_Result ret;
	char cdname[UPLOAD_DISPOSITION_MAX];
	int wait, bad_name = 0;

	if (reply_length_over(c, d->cfg.input_max_size))
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
				   "the upload is larger than [limits] input_max_size");
	if (mode != NULL && config_parse_mode(mode) < 0)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-mode",
				   "mode must be one of " CONFIG_MODES);
	if (reply_parse_wait(c, &wait, &ret) != 0)
		return ret;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return MHD_NO;
	u->kind = REQ_UPLOAD;
	u->fd = -1;
	u->l = l;
	u->mode = mode == NULL ? 0 : config_parse_mode(mode);
	u->wait = wait;
	g_strlcpy(u->owner, owner, sizeof(u->owner));
	cdname[0] = '\0';
	if (fn == NULL && cd != NULL)
		httpparse_disposition_name(cd, cdname, sizeof(cdname));
	if (fn != NULL || cdname[0] != '\0')
		bad_name = httpparse_name_fit(fn != NULL ? fn : cdname, u->name,
					      sizeof(u->name)) != 0;
	if (bad_name) {
		free(u);
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-name", "the file name is not UTF-8");
	}
	if (u->mode == ACTION_MAIL) {
		u->envelope = json_pack("{s:[]}", "to");
		MHD_get_connection_values(c, MHD_HEADER_KIND, upload_envelope_iter, u);
		if (u->bad_envelope[0] != '\0') {
			enum MHD_Result r = reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-envelope",
							u->bad_envelope);

			json_decref(u->envelope);
			free(u);
			return r;
		}
		/* the envelope decides where PPAP follow-ups go: the relay's
		 * plug-in's to give, nobody else's */
		if (!(role & ROLE_MAIL) &&
		    (json_object_get(u->envelope, "from") != NULL ||
		     json_array_size(json_object_get(u->envelope, "to")) > 0)) {
			json_decref(u->envelope);
			free(u);
			return reply_error(c, MHD_HTTP_FORBIDDEN, "envelope-forbidden",
					   "X-Mugai-Envelope-From/-To: only a token of role mail "
					   "(mugai-milter's) gives a mail its envelope");
		}
	}
	if (spool_intake_create(d->spool, u->id, &u->fd) != 0) {
		u->id[0] = '\0'; /* nothing of it is left in the spool */
		upload_free(u);
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "spool-error",
				   "cannot create the job");
	}
	if (ct != NULL && g_ascii_strncasecmp(ct, "multipart/form-data", 19) == 0) {
		u->multipart = 1;
		u->pp = MHD_create_post_processor(c, HTTP_POST_BUFFER, upload_post_iter, u);
		if (u->pp == NULL) {
			upload_free(u);
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
					   "malformed multipart/form-data header");
		}
	}
	*con_cls = u;
	return MHD_YES;
}
