/*
 * drop.h - the drop folder: inbox/outbox pairs for staff transfers.
 *
 *   drop.c         the inbox side: inotify over each inbox tree, settling,
 *                  taking a file into the spool as an acknowledged job
 *   drop_outbox.c  the outbox side: a finished drop job's artefacts (or its
 *                  report) written atomically under the same relative folder
 *
 * The pairs come from [drop] (inbox, outbox: the pair "drop") and from each
 * [drop.NAME] section.  A drop job's meta says source "drop", the pair's
 * name ("drop"), the path relative to the inbox ("path") and the inbox
 * file's identity ("inbox": pair|path|dev|ino|size|mtime) that tells a
 * file taken before a crash from a new one.  Its result, once written to
 * the outbox, says "drop_delivered": true.
 */
#ifndef MUGAI_DROP_H
#define MUGAI_DROP_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"

#define DROP_TMP_PREFIX ".mugai-"  /* outbox temporaries: hidden, ignored */
#define DROP_REPORT_MAX (64 * 1024) /* bytes of one report */
#define DROP_REPORT_ITEMS 100      /* items listed in one report */
#define DROP_COLLISIONS_MAX 1000   /* "name (N).ext" tried up to N */

struct drop_pair {
	char name[CONFIG_DROP_NAME_MAX + 1];
	char inbox[CONFIG_PATH_MAX];
	char outbox[CONFIG_PATH_MAX];
	int inbox_fd, outbox_fd;
};

struct drop;

/* drop.c: the pairs of d->cfg opened, finished jobs not yet in their
 * outbox written there, the inbox thread started.  NULL with err[0] == 0
 * when no pair is configured; NULL + err on a configuration error.  Call
 * after worker_recover(), before worker_start(). */
struct drop *drop_start(struct daemon *d, char *err, size_t errlen);
/* stop watching the inboxes (the outbox writer goes on until drop_free) */
void drop_stop(struct drop *dr);
void drop_free(struct drop *dr);
/* the worker_notify callback (beside wait_job_done): a finished drop job
 * to its outbox */
void drop_job_done(struct drop *dr, const char *id);

/* drop_outbox.c */
struct drop_outbox_opts {
	struct daemon *d;
	const struct drop_pair *pairs; /* where a job's "drop" name is looked up */
	unsigned npairs;
	const char *report_suffix;
	gid_t gid;                    /* (gid_t)-1: not changed */
	mode_t mode;
};
/* write the job's result to the outbox of its pair: 0 (also when it is
 * not a drop job, or already written), -1 (tried again at the next start) */
int drop_outbox_deliver(const struct drop_outbox_opts *o, const char *id);
/* a delivered job (res its result): the temporaries a crash may have left
 * between the delivery's record and their removal are removed */
void drop_outbox_sweep(const struct drop_outbox_opts *o, const char *id, json_t *res);

#endif
