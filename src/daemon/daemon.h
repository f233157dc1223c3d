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
 *   done/<id>/       result.json and out/ (released artefacts)
 */
#ifndef MUGAI_DAEMON_H
#define MUGAI_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <glib.h>

#include "mugai/config.h"
#include "mugai/audit.h"
#include "mugai/scan.h"

#define DAEMON_ID_LEN 32          /* 128-bit random id in hex */
#define DAEMON_NAME_MAX 255       /* bytes of a submitted file name */
#define DAEMON_WAIT_MAX 600       /* ?wait= seconds at most */

enum { ROLE_NONE = 0, ROLE_SUBMIT = 1, ROLE_FETCH = 2, ROLE_ADMIN = 4 };

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
	unsigned workers;
	GHashTable *tokens;           /* sha256 hex of a token -> role bits */
	struct audit *audit;
	int open_access;              /* no tokens: loopback only, no auth */

	pthread_mutex_t mu;
	pthread_cond_t queue_cv;
	pthread_cond_t done_cv;
	GQueue *queue;                /* char *id */
	int stopping;

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
	unsigned active;
};

/* spool.c */
int spool_open(struct daemon *d, char *err, size_t errlen);
int spool_recover(struct daemon *d);
int spool_new_id(char id[DAEMON_ID_LEN + 1]);
int spool_valid_id(const char *id);
/* commit incoming/<id> to queue/<id> and enqueue it */
int spool_commit(struct daemon *d, const char *id, const char *name, int mode);
/* state of a job: "queued", "processing", "done" or NULL when unknown */
const char *spool_state(struct daemon *d, const char *id);
char *spool_result(struct daemon *d, const char *id); /* result.json text or NULL */
int spool_start_workers(struct daemon *d, pthread_t **threads);
void spool_stop_workers(struct daemon *d, pthread_t *threads);

/* engine.c */
struct engine_ref *engine_acquire(struct daemon *d);
void engine_release(struct daemon *d, struct engine_ref *r);
int engine_reload(struct daemon *d);
time_t engine_db_mtime(const char *dir);

/* http.c */
struct MHD_Daemon;
struct MHD_Daemon *http_start(struct daemon *d, const char *addr, int release_only,
			      char *err, size_t errlen);

#endif
