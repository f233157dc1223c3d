/* milter.h - mugai-milter's parts: the milter (milter.c) and its HTTP
 * client of mugaid (mclient.c) */
#ifndef MUGAI_MILTER_H
#define MUGAI_MILTER_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

#define MILTER_URL_MAX 1024
#define MILTER_TOKEN_MAX 256

/* [milter] of the configuration, with --server and --token-file applied */
struct milter_conf {
	char intake_url[MILTER_URL_MAX];
	char release_url[MILTER_URL_MAX]; /* "" = intake_url */
	char token[MILTER_TOKEN_MAX];     /* "" = none */
	char work_dir[MILTER_URL_MAX];
	unsigned connect_timeout, job_timeout, max_inflight, progress_interval;
	unsigned keepalive;               /* seconds a connection is kept; 0 = one per request */
	unsigned max_recipients, max_address_bytes; /* [mail]: mugaid refuses more */
	uint64_t message_max_size;
};

struct milter_envelope {
	char *sender;
	GPtrArray *rcpts; /* char * */
};

struct milter_job {
	int done;                  /* a verdict came */
	int timed_out;             /* [milter] job_timeout passed first */
	int too_large;             /* mugaid answered 413: over its [limits] input_max_size */
	char id[33];
	char verdict[16];          /* released, blocked, held, failed */
	char why[256];             /* the reason, or what went wrong on the way */
	char artefact_url[160];    /* the rebuilt message */
	char sha256[65];
};

/* Submit the message (size bytes of msg) as one mail job and wait for its
 * verdict until [milter] job_timeout, calling progress(arg) at least every
 * progress_interval seconds.  0 with job->done, else -1 with job->why. */
int mclient_submit(const struct milter_conf *mc, FILE *msg, uint64_t size,
		   const struct milter_envelope *env, struct milter_job *job,
		   void (*progress)(void *), void *arg);

/* Fetch the job's artefact into fd, checked against its SHA-256: 0 or -1. */
int mclient_fetch(const struct milter_conf *mc, const struct milter_job *job, int fd,
		  void (*progress)(void *), void *arg);

/* Close the connections kept for the next message. */
void mclient_cleanup(void);

#endif
