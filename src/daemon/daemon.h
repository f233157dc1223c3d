/*
 * daemon.h - mugaid's internal interfaces, grouped by file.  The spool is
 * its own interface (spool.h); the rest:
 *
 *   worker.c   the worker pool: takes jobs from the spool, runs job_process,
 *              records the verdict (the commit sequence), tells whoever
 *              listens that a job is done (struct worker_notify)
 *   wait.c     ?wait: requests parked until their job is done or their
 *              deadline passes (struct waitlist)
 *   admin.c    list, password, release-original, purge (enum spool_err)
 *   metrics.c  one struct metrics, rendered in one place
 *   engine.c   the ClamAV engine, swapped on reload
 *   http.c     router + auth; reply.c answers; upload.c the streaming
 *              upload; form.c the small form/JSON bodies
 *   listen.c   listeners, TLS, the admin socket
 *   drop.c     the drop folders (drop.h): inboxes watched, files taken as
 *              jobs; drop_outbox.c writes finished ones to the outboxes
 *
 * Calls go one way: http -> upload/form -> reply -> worker/wait/spool;
 * admin -> worker -> spool; nothing below calls up (the worker reaches the
 * waiters only through the notify callback that main.c sets).
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
#include "spool.h"

#define DAEMON_NAME_MAX 255       /* bytes of a submitted file name */
/* the envelope of a mail job (X-Mugai-Envelope-*): [mail] max_recipients
 * and max_address_bytes (config.c) */
#define DAEMON_WAIT_MAX 600       /* ?wait= seconds at most */
#define DAEMON_APPROVER_MAX 128   /* bytes of a release-original approver */
#define DAEMON_NOTE_MAX 1024      /* bytes of a release-original reason */
#define DAEMON_LIST_MAX 10000     /* jobs in one admin list answer */
#define DAEMON_PURGE_INTERVAL 3600 /* seconds between retention purges */
#define DAEMON_FILTER_FAILURE_KINDS 8 /* see metrics_filter_failures[] */
#define DAEMON_VERDICTS 5         /* released blocked held failed other */
#define DAEMON_SOURCES 2          /* api drop */
#define DAEMON_HIST_BUCKETS 8     /* le 0.05 0.1 0.25 0.5 1 2.5 10 +Inf s */

enum listener_kind { LISTEN_INTAKE = 0, LISTEN_RELEASE, LISTEN_ADMIN };

/* ROLE_MAIL: may give a mail job its envelope (X-Mugai-Envelope-*), to
 * which PPAP follow-ups go: mugai-milter's token ("mail"), never a plain
 * submit token */
enum { ROLE_NONE = 0, ROLE_SUBMIT = 1, ROLE_FETCH = 2, ROLE_ADMIN = 4, ROLE_METRICS = 8,
       ROLE_MAIL = 16 };

/* metrics.c: every counter /metrics shows, under its own lock */
struct metrics {
	pthread_mutex_t mu;
	uint64_t jobs_by_verdict[DAEMON_SOURCES][DAEMON_VERDICTS];
	uint64_t bytes_in, bytes_out;
	uint64_t reloads_ok, reloads_failed;
	uint64_t processing_ms_sum, processing_count;
	uint64_t processing_hist[DAEMON_HIST_BUCKETS];
	uint64_t filter_failures[DAEMON_FILTER_FAILURE_KINDS];
	uint64_t audit_failures;      /* audit records that could not be written */
	uint64_t commit_retries;      /* jobs whose verdict was not committed, run again */
	int audit_down;               /* the last audit write failed: /readyz 503 */
};

/* the gauges /metrics shows beside the counters, gathered by its caller */
struct metrics_gauges {
	unsigned queue_depth, active;
	unsigned signatures, db_version;
	long long db_age;             /* seconds, -1 when no engine */
	unsigned waiters;
	uint64_t waits_refused;
};

/* wait.c: a request parked on ?wait.  Its connection is suspended (no pool
 * thread held) until its job is done or its deadline passes, then resumed;
 * libmicrohttpd calls the handler again, which answers. */
enum { WAIT_NONE = 0, WAIT_PARKED, WAIT_RESUMED };
struct MHD_Connection;
struct waiter {
	struct waiter *prev, *next;
	struct MHD_Connection *c;
	char id[JOBID_LEN + 1];
	int64_t deadline_ms;          /* CLOCK_MONOTONIC */
	int phase;                    /* WAIT_* (under the list's mu) */
};

struct waitlist {
	pthread_mutex_t mu;
	pthread_cond_t cv;            /* CLOCK_MONOTONIC */
	struct waiter *head;          /* doubly linked, WAIT_PARKED */
	unsigned n;
	unsigned max;                 /* [daemon] max_waiters */
	unsigned answering;           /* resumed, answer not yet sent */
	int stopping;
	pthread_t thread;
	uint64_t refused;             /* over max: answered 202 at once */
};

/* worker.c: told that a job reached its end (done, or gone) */
/* tries.c: one job's password tries */
#define TRIES_WINDOW 60               /* seconds of password_tries_per_minute */
struct tries_count {
	time_t window;                /* start of the current minute */
	uint32_t in_window, total;
	int rate_told, lock_told;     /* refusals audited once */
};
struct tries {
	GHashTable *jobs;             /* id -> struct tries_count */
	uint32_t per_minute, max;
};

struct passcand;
struct worker_notify {
	void (*job_done)(void *arg, const char *id);
	/* a job committed (and its waiters told): a mail's PPAP state
	 * (ppap_after_job; rerun: it was given passwords); NULL: none */
	void (*committed)(void *arg, const char *id, json_t *report,
			  const struct passcand *pc, int rerun);
	/* a done job purged, its record durable (ppap_purged); NULL: none */
	void (*purged)(void *arg, const char *id, json_t *result);
	void *arg;
};

struct worker_intake;

struct engine_ref {
	struct scan_engine *eng;
	unsigned refs;
};

struct daemon {
	struct mugai_config cfg;
	char spool_path[1024];
	struct spool *spool;
	char intake_addr[128];
	char release_addr[128];
	char admin_path[108];         /* unix socket (sun_path) */
	unsigned workers;
	GHashTable *tokens;           /* sha256 hex of a token -> role bits */
	struct audit *audit;
	int open_access;              /* no tokens: loopback only, no auth */

	/* the workers (worker.c) */
	pthread_mutex_t mu;
	pthread_cond_t queue_cv;
	GQueue *queue;                /* char *id */
	GHashTable *intake;           /* id -> struct worker_intake (under mu) */
	GQueue *retry;                /* struct worker_retry *, by due time (under mu) */
	GHashTable *backoff;          /* id -> seconds of its next wait (under mu) */
	pthread_cond_t intake_cv;     /* an intake finished */
	int stopping;
	unsigned active;
	struct worker_notify notify;

	struct waitlist wait;         /* wait.c */

	/* job transitions outside the workers: password (done -> queued),
	 * release-original, purge (done -> gone) */
	pthread_mutex_t jmu;
	struct tries tries;           /* password tries per job (under jmu) */

	pthread_mutex_t emu;
	struct engine_ref *engine;    /* current engine, NULL when none */
	char engine_error[512];
	time_t db_mtime;

	struct metrics metrics;
};

/* worker.c */
void worker_init(struct daemon *d);
int worker_start(struct daemon *d, pthread_t **threads);
void worker_stop(struct daemon *d, pthread_t *threads);
/* the spool after a crash: recovered verdicts audited, the rest queued,
 * interrupted release-originals settled by release_interrupted */
int worker_recover(struct daemon *d,
		   int (*release_interrupted)(void *, const char *, json_t *, json_t *));
void worker_enqueue(struct daemon *d, const char *id);
/* an upload written to ofd (not yet synced) made a durable, queued job:
 * 0; -1 when it failed (the job is removed) */
int worker_submit(struct daemon *d, const char *id, const char *name, int mode, int ofd);
/* the same, its meta (and "received" audit line) with the members of from
 * (a drop-folder job: source, drop, path, inbox) */
int worker_submit_from(struct daemon *d, const char *id, const char *name, int mode, int ofd,
		       json_t *from);
/* the same, the job owned by owner (its meta's "owner", see http.h), with a
 * mail's envelope {from, to[]} (or NULL) kept in its meta and its result */
int worker_submit_owned(struct daemon *d, const char *id, const char *name, int mode,
			const char *owner, json_t *envelope, int ofd);
/* ppap.c (PPAP, see there), called through struct worker_notify (main.c):
 * after a mail job is committed (rerun: it was given passwords): the index
 * of held mails kept, a follow-up due sent, the candidates (pc) of a first
 * run given to the held mails of its sender */
void ppap_after_job(struct daemon *d, const char *id, json_t *report,
		    const struct passcand *pc, int rerun);
/* at start, after recovery: the index built from the spool's done jobs,
 * the sender thread started (with [mail] relay): 0, -1 */
int ppap_start(struct daemon *d);
/* a done job purged (its record durable): out of the index; an expiry
 * notice queued when [mail] expired_notice and it still held a part */
void ppap_purged(struct daemon *d, const char *id, json_t *result);
/* a worker has the job, handed over at intake, though it is queued */
int worker_handed_over(struct daemon *d, const char *id);
/* the job's state, a queued job handed over at intake being active */
enum spool_state worker_state(struct daemon *d, const char *id);
/* queue_depth: jobs waiting, those waiting to be tried again included */
void worker_gauges(struct daemon *d, unsigned *queue_depth, unsigned *active);

/* wait.c */
int wait_start(struct waitlist *wl, unsigned max);
/* every parked request is resumed and answered; call before the
 * listeners stop */
void wait_stop(struct waitlist *wl);
/* the worker_notify callback: resume the requests waiting on id */
void wait_job_done(void *wl, const char *id);
/* park w on id for seconds, unless pending(arg, id) says the job is done
 * already (asked under the list's lock: a job finishing meanwhile resumes
 * us after this): 1 parked (the connection is suspended), 0 not */
int wait_park(struct waitlist *wl, struct waiter *w, struct MHD_Connection *c,
	      const char *id, int seconds, int (*pending)(void *arg, const char *id), void *arg);
/* a connection that ends while parked or resumed */
void wait_forget(struct waitlist *wl, struct waiter *w);
void wait_gauges(struct waitlist *wl, unsigned *waiters, uint64_t *refused);

/* admin.c: 0 (SPOOL_OK), or the refusal with a message in why */
json_t *admin_list(struct daemon *d);
/* an audit record appended (ev is taken; a failure is logged) */
void admin_audit(struct daemon *d, json_t *ev);
enum spool_err admin_password(struct daemon *d, const char *id, const char *password,
			      const char *via, char *why, size_t whylen);
/* n passwords at once (a later mail's candidates, PPAP), each a try;
 * the job must be held or a mail released with held_items */
enum spool_err admin_password_list(struct daemon *d, const char *id,
				   const char *const *pw, unsigned n, const char *via,
				   char *why, size_t whylen);
/* the passwords kept for a held mail's next tries forgotten (it holds
 * nothing any more) */
void admin_kept_forget(struct daemon *d, const char *id);
enum spool_err admin_release_original(struct daemon *d, const char *id,
				      const char *approver, const char *reason,
				      const char *via, char *why, size_t whylen);
/* the spool_recover_cb release_interrupted callback (arg: the daemon) */
int admin_release_interrupted(void *arg, const char *id, json_t *result, json_t *marker);
/* the password tries of a job counted from zero again (a locked job
 * unlocked), audited */
enum spool_err admin_password_reset(struct daemon *d, const char *id, const char *via,
				    char *why, size_t whylen);
/* delete finished jobs whose verdict is older than retention_days */
int admin_purge(struct daemon *d, uint32_t retention_days, const char *via,
		unsigned *purged);

/* tries.c: password tries of held jobs, at most [daemon]
 * password_tries_per_minute in a minute and password_tries_max in all,
 * then the job is locked until an administrator resets it */
enum { TRIES_OK = 0, TRIES_RATE, TRIES_LOCKED };
void tries_init(struct tries *t, uint32_t per_minute, uint32_t max);
/* one try of job id at now: TRIES_*; *first set when this is the first
 * refusal of its kind (for the window, or since the lock) */
int tries_take(struct tries *t, const char *id, time_t now, int *first);
/* the same, against password_tries_max only (a later mail's candidates,
 * PPAP: up to 8 at once, bounded by the total) */
int tries_take_total(struct tries *t, const char *id, time_t now, int *first);
/* the tries of id forgotten: 1 when there were any */
int tries_reset(struct tries *t, const char *id);
/* pure: one try counted into c (a job's count) */
int tries_step(struct tries_count *c, time_t now, uint32_t per_minute, uint32_t max,
	       int *first);

/* metrics.c */
extern const char *const metrics_filter_failures[DAEMON_FILTER_FAILURE_KINDS];
void metrics_init(struct metrics *m);
void metrics_job(struct metrics *m, json_t *report, uint64_t in, uint64_t out, int64_t ms);
void metrics_reload(struct metrics *m, int ok);
/* an audit record written (ok) or not */
void metrics_audit(struct metrics *m, int ok);
/* 1 while the last audit record could not be written */
int metrics_audit_down(struct metrics *m);
void metrics_commit_retry(struct metrics *m);
/* the Prometheus text of m and g (g_free it) */
char *metrics_render(struct metrics *m, const struct metrics_gauges *g);

/* engine.c */
struct engine_ref *engine_acquire(struct daemon *d);
void engine_release(struct daemon *d, struct engine_ref *r);
int engine_reload(struct daemon *d);
time_t engine_db_mtime(const char *dir);

/* listen.c */
struct MHD_Daemon;
/* addr: IPv4ADDR:PORT; for LISTEN_ADMIN the socket path and fd, the
 * listening socket from listen_admin_socket() (closed and removed on
 * failure) */
struct MHD_Daemon *listen_start(struct daemon *d, const char *addr, enum listener_kind kind,
				int fd, char *err, size_t errlen);
/* the TLS certificate and key paths of a listener, NULL when plain HTTP;
 * -1 + err when the config pairs them wrong */
int listen_tls_paths(const struct daemon *d, enum listener_kind kind, const char **cert,
		     const char **key, char *err, size_t errlen);
/* bind and listen on the admin socket path, mode 0660: a stale socket is
 * replaced, a live one or anything that is not a socket refused; -1 + err */
int listen_admin_socket(const char *path, char *err, size_t errlen);

#endif
