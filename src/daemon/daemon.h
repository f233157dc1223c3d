/*
 * daemon.h - mugaid's internal interfaces: the spool (a durable queue held
 * by directories), the workers, the HTTP listeners and the engine that is
 * swapped on reload.
 *
 * Spool layout (every move is a rename, so a crash at any point leaves a
 * consistent queue, after Postfix):
 *   incoming/<id>/   upload being written (never acknowledged: dropped at start)
 *   queue/<id>/      original + meta.json, fsync'ed; the client got 202
 *   active/<id>/     being processed; on restart its out/ is wiped and it
 *                    goes back to queue/
 * When a worker is idle, a new upload is handed to it as soon as it is
 * written, while the intake makes it durable (fsync of the original,
 * meta.json and the job directory side by side, then the rename into
 * queue/): the two run side by side, and the worker moves the job to done/
 * only once the intake has finished.  If the intake fails, the worker
 * removes the job and nothing is released.  A crash in between leaves the
 * job in incoming/ (dropped, never acknowledged) or in queue/ (its partial
 * out/ is wiped at start and it is processed again).
 *   done/<id>/       result.json and out/ (released artefacts); the original
 *                    stays until the retention purge ([daemon] retention_days)
 * The commit point of a verdict is result.json, written in place and
 * fsync'ed beside the fsyncs of out/ and the verdict's audit line.  The rename into done/ then needs no fsync: a job
 * found in queue/ or active/ at start with a complete result.json whose
 * artefacts are all there, and no password waiting, goes to done/ as it is;
 * any other is processed again.
 * A held job given a password goes from done/ back to queue/ with the
 * password in queue/<id>/password (0600); the worker hands it to the filter
 * in the request struct and deletes the file with the verdict.
 */
#ifndef MUGAI_DAEMON_H
#define MUGAI_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>
#include <jansson.h>

#include "mugai/config.h"
#include "mugai/audit.h"
#include "mugai/jobid.h"
#include "mugai/scan.h"

#define DAEMON_NAME_MAX 255       /* bytes of a submitted file name */
#define DAEMON_WAIT_MAX 600       /* ?wait= seconds at most */
#define DAEMON_APPROVER_MAX 128   /* bytes of a release-original approver */
#define DAEMON_NOTE_MAX 1024      /* bytes of a release-original reason */
#define DAEMON_LIST_MAX 10000     /* jobs in one admin list answer */
#define DAEMON_META_MAX (64 * 1024) /* bytes of a meta.json we read */
#define DAEMON_RESULT_MAX (64 * 1024 * 1024) /* bytes of a result.json we read */
#define DAEMON_PURGE_INTERVAL 3600 /* seconds between retention purges */
#define DAEMON_PASSWORD_FILE "password"
#define DAEMON_RM_DEPTH 65        /* directory levels of a job removed (release_remove_tree) */
#define DAEMON_FILTER_FAILURE_KINDS 8 /* see spool_filter_failures[] */

enum listener_kind { LISTEN_INTAKE = 0, LISTEN_RELEASE, LISTEN_ADMIN };

enum { ROLE_NONE = 0, ROLE_SUBMIT = 1, ROLE_FETCH = 2, ROLE_ADMIN = 4 };

struct http_waiter;

/* an upload handed to a worker before its intake was durable (spool.c) */
struct spool_intake {
	int jd;                       /* the job directory, wherever it is now */
	int state;                    /* 0 intake running, 1 in queue/ and durable,
				       * -1 intake failed: the worker removes it */
	int started;                  /* a worker has it: state "processing" */
	char name[DAEMON_NAME_MAX + 1]; /* what meta.json will say */
	int mode;
};

struct engine_ref {
	struct scan_engine *eng;
	unsigned refs;
};

struct daemon {
	struct mugai_config cfg;
	char spool[1024];
	int spool_fd;
	char intake_addr[128];
	char release_addr[128];
	char admin_path[108];         /* unix socket (sun_path) */
	unsigned workers;
	GHashTable *tokens;           /* sha256 hex of a token -> role bits */
	struct audit *audit;
	int open_access;              /* no tokens: loopback only, no auth */

	pthread_mutex_t mu;
	pthread_cond_t queue_cv;
	GQueue *queue;                /* char *id */
	GHashTable *intake;           /* id -> struct spool_intake (under mu) */
	pthread_cond_t intake_cv;     /* an intake finished */
	int stopping;

	/* ?wait: requests whose connection is suspended until their job is
	 * done or their deadline passes (http.c); at most cfg.max_waiters */
	pthread_mutex_t wmu;
	pthread_cond_t wcv;           /* CLOCK_MONOTONIC */
	struct http_waiter *waiters;  /* doubly linked */
	unsigned nwaiters;
	unsigned wanswering;          /* resumed, answer not yet sent */
	int wstopping;
	pthread_t wthread;
	uint64_t waits_refused;       /* over the cap: answered 202 at once */

	/* job transitions outside the workers: password (done -> queue),
	 * release-original, purge (done -> gone) */
	pthread_mutex_t jmu;

	pthread_mutex_t emu;
	struct engine_ref *engine;    /* current engine, NULL when none */
	char engine_error[512];
	time_t db_mtime;

	/* metrics (under mu) */
	uint64_t jobs_by_verdict[5];  /* released blocked held failed other */
	uint64_t bytes_in, bytes_out;
	uint64_t reloads_ok, reloads_failed;
	uint64_t processing_ms_sum, processing_count;
	uint64_t processing_hist[8];  /* le 0.05 0.1 0.25 0.5 1 2.5 10 +Inf s */
	uint64_t filter_failures[DAEMON_FILTER_FAILURE_KINDS]; /* spool_filter_failures */
	unsigned active;
};

/* the failures of a filter process counted in /metrics, by the reason
 * prefix filterproc gives them; the last one is every other */
extern const char *const spool_filter_failures[DAEMON_FILTER_FAILURE_KINDS];

/* spool.c; admin.c (the calls that answer an HTTP status) */
int spool_open(struct daemon *d, char *err, size_t errlen);
int spool_recover(struct daemon *d);
/* commit incoming/<id> (its original open as ofd, written, not yet synced)
 * to queue/<id> and enqueue it: 0; -1 when it failed (the job is removed) */
int spool_commit(struct daemon *d, const char *id, const char *name, int mode, int ofd);
/* a worker has the job, handed over at intake, though it is in queue/ */
int spool_handed_over(struct daemon *d, const char *id);
/* state of a job: "queued", "processing", "done" or NULL when unknown */
const char *spool_state(struct daemon *d, const char *id);
char *spool_result(struct daemon *d, const char *id); /* result.json text or NULL */
/* name under dirfd, a regular file of at most max bytes, whole and
 * NUL-terminated; NULL when missing, not a regular file, larger or unreadable */
char *spool_read_at(int dirfd, const char *name, size_t max);
/* the same, parsed as JSON */
json_t *spool_load_json_at(int dirfd, const char *name, size_t max);
/* The calls below answer 0, or the HTTP status of the refusal (404, 409,
 * 503) with a message in why. */
/* every job (newest first, at most DAEMON_LIST_MAX): id, state, verdict,
 * reason, name, received */
json_t *spool_list(struct daemon *d);
/* a held job back into the queue with a password for its filter */
int spool_password(struct daemon *d, const char *id, const char *password, const char *via,
		   char *why, size_t whylen);
/* copy the original of a finished, not blocked job among its artefacts */
int spool_release_original(struct daemon *d, const char *id, const char *approver,
			   const char *reason, const char *via, char *why, size_t whylen);
/* delete finished jobs whose verdict is older than retention_days */
int spool_purge(struct daemon *d, uint32_t retention_days, const char *via, unsigned *purged);
int spool_start_workers(struct daemon *d, pthread_t **threads);
/* helpers shared with admin.c */
int spool_subdir(struct daemon *d, const char *sub);
void spool_enqueue(struct daemon *d, const char *id);
void spool_intake_free(void *p); /* GDestroyNotify for d->intake */
int spool_write_mode_at(int dirfd, const char *name, const char *text, size_t len, mode_t mode);
int spool_write_file_at(int dirfd, const char *name, const char *text);
void spool_stop_workers(struct daemon *d, pthread_t *threads);

/* engine.c */
struct engine_ref *engine_acquire(struct daemon *d);
void engine_release(struct daemon *d, struct engine_ref *r);
int engine_reload(struct daemon *d);
time_t engine_db_mtime(const char *dir);

/* http.c */
struct MHD_Daemon;
/* addr: IPv4ADDR:PORT; for LISTEN_ADMIN the socket path and fd, the
 * listening socket from http_admin_socket() (closed and removed on failure) */
struct MHD_Daemon *http_start(struct daemon *d, const char *addr, enum listener_kind kind,
			      int fd, char *err, size_t errlen);
/* the TLS certificate and key paths of a listener, NULL when plain HTTP;
 * -1 + err when the config pairs them wrong */
int http_tls_paths(const struct daemon *d, enum listener_kind kind, const char **cert,
		   const char **key, char *err, size_t errlen);
/* ?wait: start the deadline thread; stop it (every parked request is
 * resumed and answered; call before MHD_stop_daemon) */
int http_wait_start(struct daemon *d);
void http_wait_stop(struct daemon *d);
/* a job reached done/ (or was moved): resume the requests waiting on it */
void http_job_done(struct daemon *d, const char *id);
/* bind and listen on the admin socket path, mode 0660: a stale socket is
 * replaced, a live one or anything that is not a socket refused; -1 + err */
int http_admin_socket(const char *path, char *err, size_t errlen);

#endif
