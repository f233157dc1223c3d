/*
 * spool.c - the spool's front: ids are checked here, then every call goes
 * to the backend's operations (spool.h).  Nothing here knows where a job
 * is kept.
 */
#include "spool.h"

#include <stdio.h>
#include <stdlib.h>

struct spool {
	const struct spool_ops *ops;
	void *be;
};

struct spool *spool_open(const struct spool_ops *ops, const char *where, char *err,
			 size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "spool: out of memory");
		return NULL;
	}
	s->ops = ops != NULL ? ops : &spool_fs_ops;
	s->be = s->ops->open(where, err, errlen);
	if (s->be == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->be);
	free(s);
}

const char *spool_state_name(enum spool_state st)
{
	switch (st) {
	case SPOOL_QUEUED: return "queued";
	case SPOOL_ACTIVE: return "processing";
	case SPOOL_DONE: return "done";
	case SPOOL_INTAKE: return "receiving";
	default: return NULL;
	}
}

int spool_intake_create(struct spool *s, char id[JOBID_LEN + 1], int *ofd)
{
	*ofd = -1;
	if (jobid_new(id) != 0)
		return -1;
	return s->ops->intake_create(s->be, id, ofd);
}

struct spool_job *spool_intake_open(struct spool *s, const char *id)
{
	return jobid_valid(id) ? s->ops->intake_open(s->be, id) : NULL;
}

int spool_intake_commit(struct spool_job *j, const char *meta, int ofd)
{
	return j->ops->intake_commit(j, meta, ofd);
}

void spool_intake_abort(struct spool *s, const char *id)
{
	if (jobid_valid(id))
		s->ops->intake_abort(s->be, id);
}

enum spool_state spool_state(struct spool *s, const char *id)
{
	return jobid_valid(id) ? s->ops->state(s->be, id) : SPOOL_NONE;
}

char *spool_result_load(struct spool *s, const char *id)
{
	return jobid_valid(id) ? s->ops->result_load(s->be, id) : NULL;
}

json_t *spool_meta_load(struct spool *s, const char *id)
{
	return jobid_valid(id) ? s->ops->meta_load(s->be, id) : NULL;
}

int spool_artefact_open(struct spool *s, const char *id, size_t n)
{
	char *text;
	json_t *res, *a;
	const char *path;
	int fd = -1;

	if (!jobid_valid(id) || (text = s->ops->result_load(s->be, id)) == NULL)
		return -1;
	res = json_loads(text, 0, NULL);
	free(text);
	a = json_array_get(json_object_get(res, "artefacts"), n);
	path = json_string_value(json_object_get(a, "path"));
	if (path != NULL)
		fd = s->ops->artefact_open(s->be, id, path);
	json_decref(res);
	return fd;
}

int spool_recover(struct spool *s, const struct spool_recover_cb *cb)
{
	return s->ops->recover(s->be, cb);
}

int spool_list(struct spool *s, size_t max, spool_list_fn fn, void *arg, int *truncated)
{
	*truncated = 0;
	return s->ops->list(s->be, max, fn, arg, truncated);
}

int spool_purge(struct spool *s, time_t cutoff, spool_purge_fn fn, void *arg,
		unsigned *purged)
{
	*purged = 0;
	return s->ops->purge(s->be, cutoff, fn, arg, purged);
}

enum spool_err spool_password(struct spool *s, const char *id, const char *pw, size_t len)
{
	if (!jobid_valid(id))
		return SPOOL_ERR_NOT_FOUND;
	return s->ops->password(s->be, id, pw, len);
}

struct spool_job *spool_job_begin(struct spool *s, const char *id)
{
	return jobid_valid(id) ? s->ops->job_begin(s->be, id) : NULL;
}

struct spool_job *spool_job_done(struct spool *s, const char *id)
{
	return jobid_valid(id) ? s->ops->job_done(s->be, id) : NULL;
}

struct spool_job *spool_job_dup(struct spool_job *j)
{
	return j->ops->job_dup(j);
}

json_t *spool_job_meta(struct spool_job *j)
{
	return j->ops->job_meta(j);
}

int spool_job_original(struct spool_job *j)
{
	return j->ops->job_original(j);
}

int spool_job_out(struct spool_job *j, int sync_new)
{
	return j->ops->job_out(j, sync_new);
}

int spool_job_password(struct spool_job *j, char *pw, size_t cap, size_t *len)
{
	return j->ops->job_password(j, pw, cap, len);
}

int spool_job_record(struct spool_job *j, const char *result)
{
	return j->ops->job_record(j, result);
}

int spool_job_rewrite(struct spool_job *j, const char *result)
{
	return j->ops->job_rewrite(j, result);
}

int spool_job_drop_password(struct spool_job *j)
{
	return j->ops->job_drop_password(j);
}

int spool_job_finish(struct spool_job *j)
{
	return j->ops->job_finish(j);
}

int spool_job_retry(struct spool_job *j)
{
	return j->ops->job_retry(j);
}

int spool_job_release_begin(struct spool_job *j, const char *marker)
{
	return j->ops->job_release_begin(j, marker);
}

int spool_job_release_end(struct spool_job *j)
{
	return j->ops->job_release_end(j);
}

void spool_job_close(struct spool_job *j)
{
	if (j != NULL)
		j->ops->job_close(j);
}
