/*
 * spool.h - the durable job queue as one interface (after OpenSMTPD's
 * queue_backend.c): callers name jobs by id and states by enum spool_state;
 * only a backend knows where a job is kept.  The backend is a table of
 * operations (struct spool_ops); today's is the directory tree on local
 * disk (spool_fs.c), a second one (a shared database) can stand beside it
 * without a change to the intake, the workers or the admin operations.
 *
 * A job's life:  intake (being received, never acknowledged)
 *             -> queued (durable: the client got 202)
 *             -> active (a worker has it) -> done (result recorded)
 * and, for a held job given a password, done -> queued again.  Every move
 * is atomic, so a crash at any point leaves a consistent spool; what
 * spool_recover() makes of each state after a crash is said there.
 *
 * The commit point of a verdict is the result, recorded in place
 * (spool_job_record) beside the fsyncs of the released files and the
 * verdict's audit line; the move to done then needs no sync: a job found
 * queued or active at start whose result is complete, with all its
 * artefacts present and no password waiting, goes to done as it is.
 */
#ifndef MUGAI_SPOOL_H
#define MUGAI_SPOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mugai/jobid.h"

#define SPOOL_META_MAX (64 * 1024)          /* bytes of a job's meta we read */
#define SPOOL_RESULT_MAX (64 * 1024 * 1024) /* bytes of a job's result we read */
#define SPOOL_RM_DEPTH 65                   /* directory levels of a job removed */
#define SPOOL_PASSWORDS_MAX 8               /* passwords of one try (a mail's candidates) */
#define SPOOL_PASSWORD_FILE_MAX (SPOOL_PASSWORDS_MAX * 256) /* bytes of them (FILTER_PASSWORD_MAX
                                                             * each, NULs included) */

enum spool_state {
	SPOOL_NONE = 0,         /* no such job */
	SPOOL_INTAKE,           /* being received */
	SPOOL_QUEUED,
	SPOOL_ACTIVE,
	SPOOL_DONE,
};

/* what a spool (or admin) operation answers; the HTTP status of each is
 * chosen in one place (http.c) */
enum spool_err {
	SPOOL_OK = 0,
	SPOOL_ERR_NOT_FOUND,    /* no such job (or artefact) */
	SPOOL_ERR_CONFLICT,     /* the job is not in a state that allows it */
	SPOOL_ERR_INVALID,      /* the request itself is wrong */
	SPOOL_ERR_IO,           /* the spool could not do it: try later */
	SPOOL_ERR_LIMIT,        /* too many tries: later, or never (locked) */
};

struct spool;           /* an open spool: its backend and the backend's state */
struct spool_ops;
/* one job held open by a worker or an admin call; a backend's own handle
 * begins with it */
struct spool_job {
	const struct spool_ops *ops;
};

/* what spool_recover() hands back to its caller */
struct spool_recover_cb {
	/* a job whose result was recorded before the stop: 0 when its record
	 * is durable, and it goes to done; else it runs again (queued) */
	int (*recovered)(void *arg, const char *id, json_t *result);
	/* a job to process (again) */
	void (*queued)(void *arg, const char *id);
	void *arg;
	/* a done job whose release-original was interrupted (a marker left by
	 * spool_job_release_begin): every file its result does not list is
	 * gone from its release area already; the callback audits the outcome
	 * (the result lists the original: completed; else withdrawn) and
	 * answers 0 to clear the marker, -1 to keep it for the next start.
	 * NULL: cleared. */
	int (*release_interrupted)(void *arg, const char *id, json_t *result, json_t *marker);
};

/* one job seen by spool_list(): meta and result may be NULL (result is
 * only read for a done job) */
typedef void (*spool_list_fn)(void *arg, const char *id, enum spool_state state,
			      json_t *meta, json_t *result, time_t received);
/* a finished job that spool_purge() is removing, out of sight already
 * (resumed: an earlier purge was interrupted, its record may exist): 0 when
 * its record is durable, and then it is deleted; else it is kept for the
 * next purge */
typedef int (*spool_purge_fn)(void *arg, const char *id, json_t *result, time_t finished,
			      int resumed);

/* The backend.  Every call gets the backend's own state; job handles are
 * the backend's.  Ids are checked (jobid_valid) before any call reaches
 * it. */
struct spool_ops {
	const char *name;
	void *(*open)(const char *where, char *err, size_t errlen);
	void (*close)(void *be);
	int (*intake_create)(void *be, const char *id, int *ofd);
	struct spool_job *(*intake_open)(void *be, const char *id);
	int (*intake_commit)(struct spool_job *j, const char *meta, int ofd);
	void (*intake_abort)(void *be, const char *id);
	enum spool_state (*state)(void *be, const char *id);
	char *(*result_load)(void *be, const char *id);
	json_t *(*meta_load)(void *be, const char *id);
	int (*artefact_open)(void *be, const char *id, const char *path);
	int (*recover)(void *be, const struct spool_recover_cb *cb);
	int (*list)(void *be, size_t max, spool_list_fn fn, void *arg, int *truncated);
	int (*purge)(void *be, time_t cutoff, spool_purge_fn fn, void *arg, unsigned *purged);
	enum spool_err (*password)(void *be, const char *id, const char *pw, size_t len);
	/* job handles */
	struct spool_job *(*job_begin)(void *be, const char *id);
	struct spool_job *(*job_done)(void *be, const char *id);
	struct spool_job *(*job_dup)(struct spool_job *j);
	json_t *(*job_meta)(struct spool_job *j);
	int (*job_original)(struct spool_job *j);
	int (*job_out)(struct spool_job *j, int sync_new);
	int (*job_password)(struct spool_job *j, char *pw, size_t cap, size_t *len);
	int (*job_record)(struct spool_job *j, const char *result);
	int (*job_rewrite)(struct spool_job *j, const char *result);
	int (*job_drop_password)(struct spool_job *j);
	int (*job_finish)(struct spool_job *j);
	int (*job_retry)(struct spool_job *j);
	int (*job_release_begin)(struct spool_job *j, const char *marker);
	int (*job_release_end)(struct spool_job *j);
	void (*job_close)(struct spool_job *j);
};

extern const struct spool_ops spool_fs_ops;   /* spool_fs.c: the directory tree */

/* open the spool at where with backend ops (NULL: the directory tree);
 * NULL + err */
struct spool *spool_open(const struct spool_ops *ops, const char *where, char *err,
			 size_t errlen);
void spool_close(struct spool *s);
const char *spool_state_name(enum spool_state st);

/* intake: a new job with its own id, the original open for writing as *ofd
 * (the caller writes it, then commits or aborts) */
int spool_intake_create(struct spool *s, char id[JOBID_LEN + 1], int *ofd);
/* the job being received, held open (for a worker to start on early) */
struct spool_job *spool_intake_open(struct spool *s, const char *id);
/* make it durable (the original's data, meta, the job's names) and queued:
 * 0, or -1 (the caller aborts it) */
int spool_intake_commit(struct spool_job *j, const char *meta, int ofd);
/* remove a job that was never acknowledged, durably, wherever it got to */
void spool_intake_abort(struct spool *s, const char *id);

enum spool_state spool_state(struct spool *s, const char *id);
/* the recorded result of a done job (NUL-terminated text), NULL when none */
char *spool_result_load(struct spool *s, const char *id);
/* the meta of a queued, active or done job (who submitted it, its name),
 * NULL when none */
json_t *spool_meta_load(struct spool *s, const char *id);
/* artefact n of a done job, open for reading: its fd, -1 when none (no
 * symbolic link is followed on the way, in any component) */
int spool_artefact_open(struct spool *s, const char *id, size_t n);
/* after a crash (see spool_fs.c for what becomes of each state) */
int spool_recover(struct spool *s, const struct spool_recover_cb *cb);
/* every job in a state but intake, at most max (*truncated then set) */
int spool_list(struct spool *s, size_t max, spool_list_fn fn, void *arg, int *truncated);
/* remove the done jobs that finished at or before cutoff, each after fn
 * recorded it (and first those an interrupted purge left) */
int spool_purge(struct spool *s, time_t cutoff, spool_purge_fn fn, void *arg,
		unsigned *purged);
/* a held job, done, back to queued with passwords for its next try (len
 * bytes: one, or several separated by NULs; at most SPOOL_PASSWORDS_MAX);
 * its last output and verdict go */
enum spool_err spool_password(struct spool *s, const char *id, const char *pw, size_t len);

/* a queued job moved to active for a worker: its handle, NULL when gone */
struct spool_job *spool_job_begin(struct spool *s, const char *id);
/* a done job held open (for an admin call), NULL when not done */
struct spool_job *spool_job_done(struct spool *s, const char *id);
struct spool_job *spool_job_dup(struct spool_job *j);
json_t *spool_job_meta(struct spool_job *j);
/* the original, open for reading; -1 */
int spool_job_original(struct spool_job *j);
/* the directory released files go to (made when missing; its new name
 * made durable when sync_new), open: its fd, -1 */
int spool_job_out(struct spool_job *j, int sync_new);
/* the passwords given for this try into pw: one or more, each ended by a
 * NUL (< cap bytes in all, *len of them): 0; -1 when none or unusable */
int spool_job_password(struct spool_job *j, char *pw, size_t cap, size_t *len);
/* the verdict, durably, in place (the commit point): 0; -1 and nothing
 * recorded */
int spool_job_record(struct spool_job *j, const char *result);
/* replace the result of a done job atomically: 0, -1 */
int spool_job_rewrite(struct spool_job *j, const char *result);
/* the password of this try gone, durably: 0 (also when there was none) */
int spool_job_drop_password(struct spool_job *j);
/* the job to done: 0, -1 (it is then finished at the next start) */
int spool_job_finish(struct spool_job *j);
/* a job whose verdict was not committed back to queued, its partial output
 * and result gone, to run again: 0, -1 (it then runs at the next start) */
int spool_job_retry(struct spool_job *j);
/* a release-original of this done job begins: marker (JSON text) durably
 * beside it until spool_job_release_end(); a crash in between is settled
 * by spool_recover() (struct spool_recover_cb).  0, -1 */
int spool_job_release_begin(struct spool_job *j, const char *marker);
int spool_job_release_end(struct spool_job *j);
void spool_job_close(struct spool_job *j);

#endif
