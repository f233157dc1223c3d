/*
 * job.h - one job: one submitted file through the whole pipeline.
 *
 *   detect -> scan the original -> policy -> filter (in mugai-filter) ->
 *   archive members re-enter at detect (bounded) -> scan the artefacts ->
 *   verdict -> release (atomic, SHA-256 per artefact)
 *
 * The report is a JSON object (jansson):
 *   input, name, sha256, size, type {mime, encoding, extension, class,
 *   mismatch}, verdict (released|blocked|held|failed), reason, findings[],
 *   items[] {path, sha256, size, type, action, verdict, reason, findings,
 *   sandbox}, artefacts[] {path, sha256, size, mode, item}; a mail (mode
 *   mail, or message/rfc822) has one artefact, the rebuilt message, its
 *   parts are items with verdict "repacked" (in it) or blocked/failed/held
 *   (a notice in it), and held_items[] {item, reason} lists what waits for
 *   a password while the mail itself is released
 * Nothing is written into the release directory unless the verdict is
 * "released", and then only clean artefacts.
 */
#ifndef MUGAI_JOB_H
#define MUGAI_JOB_H

#include <jansson.h>

#include "mugai/config.h"
#include "mugai/detect.h"
#include "mugai/scan.h"

struct release_sync;
struct passcand;

struct job_env {
	const struct mugai_config *cfg;
	struct scan_engine *engine;
	struct detect_ctx *detect;
};

struct job_opts {
	int mode;              /* 0 auto, ACTION_TEXT, ACTION_IMAGE_PDF */
	const char *password;  /* for encrypted archives and PDFs, or NULL */
	const char *const *tries; /* or NULL: passwords tried one after another on
				* a mail's held parts (an encrypted zip in a PPAP
				* mail), n_tries of them */
	unsigned n_tries;
	const char *input;     /* what the report calls the input (a path) */
	const char *job_id;    /* mugaid's job id (a mail's held notices name it), or NULL */
	struct passcand *candidates; /* or NULL: filled with the password candidates of
				* a mail's subject and bodies (secrets: never in
				* the report, never logged) */
	int link_input;        /* in_fd is a file that is never written again and
				* is durable (mugaid's spool): scan mode releases
				* it by a hard link instead of a copy */
	struct release_sync *sync_later; /* or NULL: the release's directory
				* fsyncs are held here for the caller to make
				* (mugaid: beside its own), see release.h */
};

/* Process the content of in_fd named name (the original file name; only its
 * last component is used for the release name).  Artefacts go under
 * out_dir_fd.  Returns a new report; never NULL unless out of memory. */
json_t *job_process(const struct job_env *env, int in_fd, const char *name,
		    const struct job_opts *opts, int out_dir_fd);

/* The name a file is released under, from an untrusted one: naming_safe()
 * (mugai/naming.h, which also names artefacts whose type changed), by the
 * name src/daemon calls; outlen should allow NAMING_MAX + 8 (208). */
void job_release_name(const char *in, char *out, size_t outlen);

#endif
