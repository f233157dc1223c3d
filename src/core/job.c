/* job.c - the pipeline for one job */
#include "mugai/clock.h"
#include "mugai/fsutil.h"
#include "mugai/job.h"
#include "mugai/filterproc.h"
#include "mugai/log.h"
#include "mugai/mimetype.h"
#include "mugai/naming.h"
#include "mugai/passcand.h"
#include "mugai/policy.h"
#include "mugai/release.h"
#include "mugai/textcheck.h"

#include <glib.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOB_REASON_MAX 512
#define JOB_RM_DEPTH 32              /* work directory levels removed */

struct job_pending {
	char work_rel[32];                 /* "f000001/out.pdf" under the work dir;
					    * "" = the job's input (scan only) */
	char out[FILTERPROTO_OUTPUT_MAX];  /* the output name the filter gave it
					    * (out.pdf; "" in scan mode), which
					    * work_rel need not end with */
	char release_rel[RELEASE_PATH_MAX];
	const char *mode;
	size_t item;                       /* index in items */
};

struct job_state {
	const struct job_env *env;
	const struct job_opts *opts;
	int in_fd;                         /* the job's input */
	int work_fd;
	char *work_path;
	unsigned seq;
	json_t *items;
	json_t *findings;
	json_t *held_items;                /* parts of a mail kept for their password */
	json_t *mail;                      /* the input mail's {subject, message_id}, or NULL */
	const char *try_password;          /* a held part's try (job_mail_part_tries), or NULL */
	int mail_html;                     /* in the HTML body of a mail: html-text's mail form */
	GArray *pending;
	int blocked, held, failed;
	char reason[JOB_REASON_MAX];
	uint64_t expanded;
	uint32_t members;
	int64_t deadline;                  /* CLOCK_MONOTONIC ms: job_timeout */
	int64_t t0;                        /* start, for the debug log */
	/* for the next item only (job_process_item takes it): mime-unpack's
	 * text of the part (job_mail_part), see job_pretext */
	const struct job_pretext *pretext;
};

/* a mail part's text, converted by mime-unpack as the text filter would */
struct job_pretext {
	int dir;             /* mime-unpack's output directory */
	const char *dname;   /* and its name under the work directory */
	const char *file;    /* t000001 in it */
	const char *from;    /* the encoding it was read as */
	const char *sandbox; /* the layers mime-unpack ran in */
	int body;            /* a text/plain body of the message (job_inspect) */
};

/* The first job-level outcome sets the reason; blocked beats held beats failed. */
static void job_set(struct job_state *st, int *flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void job_set(struct job_state *st, int *flag, const char *fmt, ...)
{
	va_list ap;
	int had_blocked = st->blocked;

	if (*flag)
		return;
	*flag = 1;
	if (had_blocked)
		return;
	if (flag == &st->failed && st->held)
		return;
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
}

static int job_stopped(const struct job_state *st)
{
	return st->blocked || st->held;
}

static json_t *job_item_new(const char *path)
{
	return json_pack("{s:s, s:s, s:s, s:[]}", "path", path, "verdict", "failed",
			 "reason", "", "findings");
}

static void job_item_verdict(json_t *item, const char *verdict, const char *reason)
{
	json_object_set_new(item, "verdict", json_string(verdict));
	json_object_set_new(item, "reason", json_string(reason != NULL ? reason : ""));
}

static json_t *job_type_json(const struct detect_result *d)
{
	json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:b}", "mime", d->mime, "encoding",
			      d->encoding, "extension", d->extension, "class",
			      detect_class_name(d->cls), "mismatch", d->mismatch ? 1 : 0);

	if (d->ole_macros)
		json_object_set_new(t, "macros", json_true());
	return t;
}

void job_release_name(const char *in, char *out, size_t outlen)
{
	naming_safe(in, out, outlen);
}

static void job_join(char *out, size_t outlen, const char *dir, const char *name)
{
	if (dir[0] == '\0')
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "%s/%s", dir, name);
}

static void job_add_findings(struct job_state *st, json_t *item, const struct scan_result *sr)
{
	json_t *f = json_object_get(item, "findings");

	for (unsigned i = 0; i < sr->n_findings; i++) {
		json_array_append_new(f, json_string(sr->findings[i]));
		json_array_append_new(st->findings, json_string(sr->findings[i]));
	}
}

static void job_findings_text(const struct scan_result *sr, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < sr->n_findings && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
					 sr->findings[i]);
}

static void job_process_item(struct job_state *st, int fd, const char *src_rel,
			     const char *rel_dir, const char *name, const char *report_path,
			     unsigned depth);
struct job_item;
static int job_mail(struct job_state *st, struct job_item *it);


/* every finding is a ClamAV heuristic (Heuristics.*), no signature */
static int job_only_heuristics(const struct scan_result *sr)
{
	for (unsigned i = 0; i < sr->n_findings; i++)
		if (strncmp(sr->findings[i], "Heuristics.", 11) != 0)
			return 0;
	return sr->n_findings > 0;
}

/* every finding is an exceeded engine limit, no signature matched */
static int job_only_limits(const struct scan_result *sr)
{
	for (unsigned i = 0; i < sr->n_findings; i++)
		if (strncmp(sr->findings[i], "Heuristics.Limits.Exceeded", 26) != 0)
			return 0;
	return sr->n_findings > 0;
}

/* The manifest an archive filter wrote, whole: a malloc'd buffer, or NULL
 * with the job failed. */
static char *job_manifest_load(struct job_state *st, int fdir, unsigned depth, json_t *item,
			       size_t *lenp)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int mfd = openat(fdir, FILTERPROTO_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (mfd < 0 || fstat(mfd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > FILTERPROTO_MANIFEST_MAX) {
		job_item_verdict(item, "failed", "archive: the unpack filter wrote no valid manifest");
		if (depth == 0)
			job_set(st, &st->failed, "archive: the unpack filter wrote no valid manifest");
		if (mfd >= 0)
			close(mfd);
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf != NULL) {
		while (len < (size_t)sb.st_size) {
			ssize_t r = pread(mfd, buf + len, (size_t)sb.st_size - len, (off_t)len);

			if (r <= 0)
				break;
			len += (size_t)r;
		}
	}
	close(mfd);
	if (buf == NULL || len != (size_t)sb.st_size) {
		job_item_verdict(item, "failed", "archive: cannot read the manifest");
		job_set(st, &st->failed, "archive: cannot read the manifest");
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/* a member the archive filter did not extract, or one never opened */
static void job_member_skipped(struct job_state *st, const char *mreport, const char *verdict,
			       const char *why)
{
	json_t *sk = job_item_new(mreport);

	job_item_verdict(sk, verdict, why);
	json_array_append_new(st->items, sk);
}

/* One extracted member through the pipeline, under rel_dir and the
 * directories of its path. */
static void job_member(struct job_state *st, int fdir, const char *fdir_rel,
		       const char *rel_dir, const struct filterproto_member *m,
		       const char *mreport, unsigned depth)
{
	char mdir[RELEASE_PATH_MAX], mrel[32];
	char *pathcopy = g_strdup(m->path), *slash = strrchr(pathcopy, '/');
	int mfdm = openat(fdir, m->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat ms;

	if (slash != NULL) {
		*slash = '\0';
		job_join(mdir, sizeof(mdir), rel_dir, pathcopy);
	} else {
		g_strlcpy(mdir, rel_dir, sizeof(mdir));
	}
	if (mfdm < 0 || fstat(mfdm, &ms) != 0 || !S_ISREG(ms.st_mode)) {
		job_member_skipped(st, mreport, "failed", "archive: member file missing");
	} else {
		st->expanded += (uint64_t)ms.st_size;
		if (st->expanded > st->env->cfg->archive_max_total_size) {
			job_set(st, &st->blocked, "archive-too-large: more than %llu bytes expanded "
				"in the job ([limits] archive_max_total_size)",
				(unsigned long long)st->env->cfg->archive_max_total_size);
		} else {
			snprintf(mrel, sizeof(mrel), "%s/%s", fdir_rel, m->file);
			job_process_item(st, mfdm, mrel, mdir, slash != NULL ? slash + 1 : pathcopy,
					 mreport, depth + 1);
		}
	}
	if (mfdm >= 0)
		close(mfdm);
	g_free(pathcopy);
}

/* One more member (of an archive or a mail) for the job: 1, with the job
 * blocked, when that is more than [limits] archive_max_members, whatever
 * the manifest's lines name (a compromised filter may name one file again
 * and again: no byte more to count) */
static int job_members_over(struct job_state *st)
{
	if (++st->members <= st->env->cfg->archive_max_members)
		return 0;
	job_set(st, &st->blocked, "archive-too-many-members: more than %u members in the job "
		"([limits] archive_max_members)", st->env->cfg->archive_max_members);
	return 1;
}

/* Read an archive filter's manifest and send every member through the pipeline. */
static void job_members(struct job_state *st, int fdir, const char *fdir_rel,
			const char *rel_dir, const char *report_path, unsigned depth,
			json_t *item)
{
	struct filterproto_manifest cur;
	struct filterproto_member *m = g_new0(struct filterproto_member, 1);
	size_t len = 0;
	char *buf = job_manifest_load(st, fdir, depth, item, &len);
	char err[256], *mreport = NULL;
	int rc;

	if (buf != NULL)
		filterproto_manifest_init(&cur, buf, len);
	while (buf != NULL && !job_stopped(st) && (rc = filterproto_manifest_next(&cur, m)) != 0) {
		if (rc < 0) {
			job_set(st, &st->failed, "archive: malformed manifest line");
			break;
		}
		if (job_members_over(st))
			break;
		g_free(mreport);
		mreport = g_strdup_printf("%s/%s", report_path, m->path);
		if (m->skipped[0] != '\0' || m->file[0] == '\0') {
			char *why = g_strdup_printf("skipped: %s", m->skipped[0] ? m->skipped :
						    "no file");

			job_member_skipped(st, mreport, "blocked", why);
			g_free(why);
		} else if (m->unsafe || release_path_check(m->path, err, sizeof(err)) != 0) {
			job_member_skipped(st, mreport, "blocked", "skipped: unsafe member name");
		} else {
			job_member(st, fdir, fdir_rel, rel_dir, m, mreport, depth);
		}
	}
	g_free(mreport);
	g_free(m);
	free(buf);
}

/* The job's work directory, made on first use (a plain text job in scan
 * mode never needs one): 0, or -1 with the job failed. */
static int job_work_dir(struct job_state *st)
{
	const char *tmpdir = st->env->cfg->work_dir[0] != '\0' ? st->env->cfg->work_dir :
			     g_get_tmp_dir();

	if (st->work_fd >= 0)
		return 0;
	g_free(st->work_path);
	st->work_path = g_build_filename(tmpdir, "mugai-job-XXXXXX", NULL);
	if (g_mkdtemp_full(st->work_path, 0700) == NULL ||
	    (st->work_fd = open(st->work_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		job_set(st, &st->failed, "cannot create a work directory in %s: %s", tmpdir,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* A new work directory fNNNNNN for a filter (its fd in *fdir, its name in
 * dname), handed to mugai-filter's user: 0, or -1 with the job failed. */
static int job_filter_dir(struct job_state *st, int *fdir, char *dname, size_t dlen)
{
	snprintf(dname, dlen, "f%06u", ++st->seq);
	*fdir = -1;
	if (job_work_dir(st) != 0)
		return -1;
	if (mkdirat(st->work_fd, dname, 0700) != 0 ||
	    (*fdir = openat(st->work_fd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC)) < 0) {
		job_set(st, &st->failed, "work directory: %s", strerror(errno));
		return -1;
	}
	/* run as root, mugai-filter becomes nobody: give it its directory */
	if (geteuid() == 0 && fchown(*fdir, FILTERPROTO_UID, FILTERPROTO_UID) != 0) {
		job_set(st, &st->failed, "work directory: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* filter `name` on in_fd, writing into fdir (made by job_filter_dir) */
static void job_filter_run(struct job_state *st, const char *name, const char *mime, int unpack,
			   int in_fd, int fdir, struct filter_result *fr, char *sandbox,
			   size_t sblen)
{
	const struct mugai_config *cfg = st->env->cfg;
	struct mugai_config fcfg;
	struct filter_limits lim;
	int64_t left;

	filterproc_limits(cfg, &lim);
	g_strlcpy(lim.mime, mime, sizeof(lim.mime));
	if (st->try_password != NULL)
		g_strlcpy(lim.password, st->try_password, sizeof(lim.password));
	else if (st->opts->password != NULL)
		g_strlcpy(lim.password, st->opts->password, sizeof(lim.password));
	lim.html_mail = st->mail_html != 0;
	if (unpack) {
		lim.max_members = cfg->archive_max_members - st->members;
		lim.max_total_bytes = cfg->archive_max_total_size - st->expanded;
		if (lim.max_members == 0)
			lim.max_members = 1;
	}
	filterproc_config(cfg, name, &fcfg);
	left = (st->deadline - mugai_now_ms() + 999) / 1000;
	if (left < (int64_t)fcfg.filter_timeout)
		fcfg.filter_timeout = left < 1 ? 1 : (uint32_t)left;
	filterproc_run(&fcfg, name, &lim, in_fd, fdir, fr, sandbox, sblen);
	explicit_bzero(lim.password, sizeof(lim.password));
}

/* Run filter `name` on in_fd in a new work directory (job_filter_dir): the
 * filter gets what is left of the job's time, at most its own timeout, and
 * the limits the filter table gives it (LibreOffice's own for the office
 * filters).  0 with fr filled, -1 (job failed) when the directory cannot be
 * made. */
static int job_filter(struct job_state *st, const char *name, const char *mime, int unpack,
		      int in_fd, int *fdir, char *dname, size_t dlen, struct filter_result *fr,
		      char *sandbox, size_t sblen)
{
	if (job_filter_dir(st, fdir, dname, dlen) != 0)
		return -1;
	job_filter_run(st, name, mime, unpack, in_fd, *fdir, fr, sandbox, sblen);
	return 0;
}

/*
 * One item (the job's input, or an archive member) goes through stages,
 * each of which returns JOB_NEXT (the next stage runs) or JOB_DONE (the
 * item has its verdict, and the job's flags are set as they must be):
 *
 *   admit    time left, a regular file within the size limit, its SHA-256
 *   inspect  detect and scan the original (side by side), then the policy
 *   filter   the filter (or the chain of two) in mugai-filter; an archive's
 *            members re-enter job_process_item from here
 *   artefact scan what the filter wrote, then queue it for release
 */
enum job_outcome { JOB_NEXT = 0, JOB_DONE = 1 };

struct job_item {
	int fd;                  /* the item's content */
	const char *src_rel;     /* its path under the work directory; NULL: the input */
	const char *rel_dir;     /* where it is released */
	const char *name;        /* its (untrusted) name */
	const char *report_path; /* what the report calls it */
	unsigned depth;          /* archive nesting */
	json_t *item;            /* its entry in the report (owned by st->items) */
	size_t idx;              /* and that entry's index */
	char safe[NAMING_MAX + 8];
	struct detect_result d;
	struct policy_decision pd;
	struct filter_result fr;
	int fdir;                /* the last filter's output directory, or -1 */
	char dname[32];          /* and its name under the work directory */
	char sandbox[2 * FILTERPROTO_SANDBOX_MAX];
	int mail_infected;       /* a mail ClamAV found something in, as a whole */
	const struct job_pretext *pretext; /* its text made already, or NULL */
	char out_file[FILTERPROTO_MEMBER_NAME_MAX]; /* the file in fdir holding the
				  * filter's output when it is not named as the
				  * output (mime-unpack's t000001), or "" */
};

/* a mail's text/plain body whose text mime-unpack made: typed as declared
 * (job_inspect), released as its text (job_decide) */
static int job_declared_body(const struct job_item *it)
{
	return it->pretext != NULL && it->pretext->body;
}

/* the item will be a mail job (mode=mail on the input, or message/rfc822) */
static int job_is_mail(const struct job_state *st, const struct job_item *it)
{
	return (st->opts->mode == ACTION_MAIL && it->depth == 0) || it->d.cls == CLASS_MAIL;
}

/* the item's verdict; with job_flag set the job's too (reason as given) */
static enum job_outcome job_end(struct job_state *st, struct job_item *it, const char *verdict,
				const char *why, int *job_flag)
{
	job_item_verdict(it->item, verdict, why);
	if (job_flag != NULL)
		job_set(st, job_flag, "%s", why);
	return JOB_DONE;
}

/* the job failed only when the input itself did: a member that fails is
 * listed and the rest may still be released */
static int *job_top_failed(struct job_state *st, const struct job_item *it)
{
	return it->depth == 0 ? &st->failed : NULL;
}

static enum job_outcome job_admit(struct job_state *st, struct job_item *it)
{
	const struct mugai_config *cfg = st->env->cfg;
	char why[JOB_REASON_MAX], hex[65];
	struct stat sb;
	uint64_t size = 0;

	if (mugai_now_ms() >= st->deadline) {
		snprintf(why, sizeof(why), "job-timeout: the job ran longer than %u s "
			 "([limits] job_timeout)", cfg->job_timeout);
		return job_end(st, it, "failed", why, &st->blocked);
	}
	if (fstat(it->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return job_end(st, it, "failed", "input is not a regular file", job_top_failed(st, it));
	if ((uint64_t)sb.st_size > cfg->input_max_size) {
		snprintf(why, sizeof(why), "too-large: %llu bytes > %llu ([limits] input_max_size)",
			 (unsigned long long)sb.st_size, (unsigned long long)cfg->input_max_size);
		return job_end(st, it, "blocked", why, &st->blocked);
	}
	if (release_sha256_fd(it->fd, hex, &size) != 0) {
		job_item_verdict(it->item, "failed", "cannot read the input");
		job_set(st, &st->failed, "cannot read %s: %s", it->report_path, strerror(errno));
		return JOB_DONE;
	}
	json_object_set_new(it->item, "sha256", json_string(hex));
	json_object_set_new(it->item, "size", json_integer((json_int_t)size));
	return JOB_NEXT;
}

struct job_scan_task {
	struct scan_engine *engine;
	int fd;
	const char *name;
	struct scan_result *sr;
};

static void *job_scan_thread(void *arg)
{
	struct job_scan_task *t = arg;

	scan_fd(t->engine, t->fd, t->name, t->sr);
	return NULL;
}

/* A ClamAV detection in the original: the whole job is blocked. */
static enum job_outcome job_infected(struct job_state *st, struct job_item *it,
				     const struct scan_result *sr)
{
	char names[512], why[JOB_REASON_MAX];

	job_add_findings(st, it->item, sr);
	job_findings_text(sr, names, sizeof(names));
	if (job_only_limits(sr)) {
		/* ClamAV could not look at everything: fail closed */
		snprintf(why, sizeof(why), "scan-limit-exceeded: %s", names);
		job_item_verdict(it->item, "blocked", why);
		job_set(st, &st->blocked, "scan-limit-exceeded in %s: %s ([limits] scan_*)",
			it->report_path, names);
	} else if (job_only_heuristics(sr)) {
		snprintf(why, sizeof(why), "suspicious: %s", names);
		job_item_verdict(it->item, "blocked", why);
		job_set(st, &st->blocked, "suspicious content in %s (ClamAV heuristic): %s",
			it->report_path, names);
	} else {
		snprintf(why, sizeof(why), "malware: %s", names);
		job_item_verdict(it->item, "blocked", why);
		job_set(st, &st->blocked, "malware found in %s: %s", it->report_path, names);
	}
	return JOB_DONE;
}

/* 1. detect and 2. scan the original, side by side: detection reads with
 * pread only, so the scan may use the file offset */
static enum job_outcome job_inspect(struct job_state *st, struct job_item *it)
{
	struct scan_result sr;
	struct job_scan_task task = { st->env->engine, it->fd, it->report_path, &sr };
	char err[256];
	pthread_t th;
	int body = job_declared_body(it);
	int threaded = !body && pthread_create(&th, NULL, job_scan_thread, &task) == 0;
	int drc = 0;

	/* A text/plain body is what the recipient reads as the mail: it stays
	 * text whatever libmagic would call its content ("#!/bin/sh" is a
	 * script to it, a list of figures CSV) and is not judged by the
	 * policy's types.  mime-unpack made its text; job_pretext takes it
	 * only when it is clean text, else the text filter reads the part, and
	 * what is not text fails there.  ClamAV scans it as any part. */
	if (body)
		detect_declared("text/plain", it->pretext->from, it->name, &it->d);
	else
		drc = detect_fd(st->env->detect, it->fd, it->name, &it->d, err, sizeof(err));

	if (threaded)
		pthread_join(th, NULL);
	else
		job_scan_thread(&task);
	log_debug("%s: detect and scan done at %lld ms", it->report_path,
		  (long long)(mugai_now_ms() - st->t0));
	if (drc != 0) {
		job_item_verdict(it->item, "failed", err);
		job_set(st, &st->failed, "detect: %s", err);
		return JOB_DONE;
	}
	json_object_set_new(it->item, "type", job_type_json(&it->d));
	if (body) /* the report says the type was not read from the content */
		json_object_set_new(json_object_get(it->item, "type"), "declared", json_true());
	if (sr.verdict == SCAN_INFECTED && job_is_mail(st, it) && !job_only_limits(&sr) &&
	    !st->env->cfg->mail_on_malware_reject) {
		/* [mail] on_malware = remove: the parts are scanned one by one
		 * and the infected one removed; a finding no part shows blocks
		 * the mail (job_mail) */
		job_add_findings(st, it->item, &sr);
		it->mail_infected = 1;
		return JOB_NEXT;
	}
	if (sr.verdict == SCAN_INFECTED)
		return job_infected(st, it, &sr);
	if (sr.verdict != SCAN_CLEAN) {
		job_item_verdict(it->item, "failed", sr.error);
		job_set(st, &st->failed, "%s: %s", it->report_path, sr.error);
		return JOB_DONE;
	}
	return JOB_NEXT;
}

/* The item is clean: work_rel (under the work directory; "" for the job's
 * input) is released as release_name if the job is.  In scan mode that is
 * the original itself, released byte for byte from where it is. */
static void job_queue(struct job_state *st, struct job_item *it, const char *work_rel,
		      const char *out, const char *release_name, int action)
{
	struct job_pending p;

	memset(&p, 0, sizeof(p));
	g_strlcpy(p.work_rel, work_rel, sizeof(p.work_rel));
	g_strlcpy(p.out, out, sizeof(p.out));
	job_join(p.release_rel, sizeof(p.release_rel), it->rel_dir, release_name);
	p.mode = config_action_name(action);
	p.item = it->idx;
	g_array_append_val(st->pending, p);
	job_item_verdict(it->item, "clean", "");
}

/* 3. policy: what to do with the type */
static enum job_outcome job_decide(struct job_state *st, struct job_item *it)
{
	const struct mugai_config *cfg = st->env->cfg;
	char why[JOB_REASON_MAX];

	/* mode=mail is the input's; its parts are sanitised as the policy says */
	policy_decide(cfg, &it->d, st->opts->mode == ACTION_MAIL && it->depth > 0 ? 0 :
		      st->opts->mode, &it->pd);
	/* the HTML body of a mail is HTML whatever libmagic sees ("<p>hi</p>"
	 * is text/plain to it): html-text's mail form makes it text */
	if (st->mail_html && it->pd.filter != NULL && strcmp(it->pd.filter, "text") == 0)
		it->pd.filter = "html-text";
	/* scan-only releases plain text byte for byte because libmagic read it
	 * as such; a text/plain body's type is declared, not read (job_inspect):
	 * what is released of it is its text, clean, as in the other modes */
	if (it->pd.action == ACTION_SCAN && job_declared_body(it)) {
		size_t used = strlen(it->pd.reason);

		it->pd.action = ACTION_TEXT;
		it->pd.filter = "text";
		it->pd.then = NULL;
		snprintf(it->pd.reason + used, sizeof(it->pd.reason) - used, "%s%s",
			 used > 0 ? "; " : "", "a mail's body is released as its text, "
			 "not byte for byte");
	}
	json_object_set_new(it->item, "action", json_string(config_action_name(it->pd.action)));
	if (it->pd.action == ACTION_BLOCK)
		return job_end(st, it, "blocked", it->pd.reason,
			       it->depth == 0 ? &st->blocked : NULL);
	if (it->pd.reason[0] != '\0')
		json_object_set_new(it->item, "note", json_string(it->pd.reason));
	if ((it->pd.action == ACTION_UNPACK || it->pd.action == ACTION_MAIL) &&
	    it->depth >= cfg->archive_max_depth) {
		snprintf(why, sizeof(why), "archive-too-deep: archives nested deeper than %u "
			 "([limits] archive_max_depth)", cfg->archive_max_depth);
		return job_end(st, it, "blocked", why, &st->blocked);
	}
	if (it->pd.action == ACTION_SCAN) { /* the original, which ClamAV found clean */
		job_queue(st, it, it->src_rel != NULL ? it->src_rel : "", "", it->safe, ACTION_SCAN);
		return JOB_DONE;
	}
	return JOB_NEXT;
}

/* A chain's second filter (office-pdf -> pdf-image) on the first one's
 * output, which the first names in its reply: -1 when the work directory
 * cannot be made (the job failed). */
static int job_filter_then(struct job_state *st, struct job_item *it)
{
	const char *mid_mime = filterproto_output_mime(it->fr.output);
	char sb2[FILTERPROTO_SANDBOX_MAX] = "", dname2[32];
	int mid = -1, fdir2 = -1, rc;

	if (mid_mime != NULL)
		mid = openat(it->fdir, it->fr.output, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (mid < 0) {
		it->fr.status = FILTER_FAILED;
		g_strlcpy(it->fr.reason, "the filter wrote no output", sizeof(it->fr.reason));
		return 0;
	}
	rc = job_filter(st, it->pd.then, mid_mime, 0, mid, &fdir2, dname2, sizeof(dname2),
			&it->fr, sb2, sizeof(sb2));
	/* both filters' layers: "first | second" */
	if (strcmp(sb2, it->sandbox) != 0) {
		g_strlcat(it->sandbox, " | ", sizeof(it->sandbox));
		g_strlcat(it->sandbox, sb2, sizeof(it->sandbox));
	}
	close(mid);
	close(it->fdir);
	it->fdir = fdir2;
	g_strlcpy(it->dname, dname2, sizeof(it->dname));
	return rc;
}

/*
 * A mail part the text filter would be run on, whose text mime-unpack made
 * with the text filter's own code and limits (filters/mime_unpack.c
 * mu_text): that text is the filter's output, and no process is started
 * for it.  Only where our detection and policy chose the text filter alone
 * for a type it reads, and only clean text (textcheck_clean: what the text
 * filter writes, nothing else, whatever the process that parsed the whole
 * message did).  The text stays where mime-unpack wrote it (the process is
 * gone, and no other can reach the work directory): it->fdir is that
 * directory again, it->out_file the text's name in it.  1 with it->fr and
 * it->sandbox as a run of the text filter gives them; 0 (the filter then
 * runs as for any item) when any of that does not hold.
 */
static int job_pretext(struct job_state *st, struct job_item *it)
{
	const struct job_pretext *pt = it->pretext;
	uint64_t max = st->env->cfg->filter_output_max;
	struct stat sb, ms;
	int fd, ok = 0;

	if (pt == NULL || strcmp(it->pd.filter, "text") != 0 || it->pd.then != NULL ||
	    !mimetype_is_plain_text(it->d.mime))
		return 0;
	/* a member the text filter would refuse ([limits] text_max_bytes):
	 * it runs, and says so (mime-unpack makes no text for one) */
	if (fstat(it->fd, &ms) != 0 || (uint64_t)ms.st_size > st->env->cfg->text_max_bytes) {
		log_warnx("%s: mime-unpack made a text of a part over [limits] text_max_bytes: "
			  "the text filter runs", it->report_path);
		return 0;
	}
	fd = openat(pt->dir, pt->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size <= max) {
		if ((uint64_t)sb.st_size > TEXTCHECK_MAX_GROWTH * (uint64_t)ms.st_size)
			log_warnx("%s: mime-unpack's text is longer than its part can make: "
				  "the text filter runs", it->report_path);
		else if (!(ok = textcheck_clean_fd(fd)))
			log_warnx("%s: mime-unpack's text is not clean text: the text filter runs",
				  it->report_path);
	}
	close(fd);
	if (!ok || (it->fdir = fcntl(pt->dir, F_DUPFD_CLOEXEC, 0)) < 0)
		return 0;
	g_strlcpy(it->dname, pt->dname, sizeof(it->dname));
	g_strlcpy(it->out_file, pt->file, sizeof(it->out_file));
	memset(&it->fr, 0, sizeof(it->fr));
	it->fr.status = FILTER_OK;
	snprintf(it->fr.reason, sizeof(it->fr.reason), "text from %s", pt->from);
	g_strlcpy(it->fr.output, FILTERPROTO_OUT_TXT, sizeof(it->fr.output));
	g_strlcpy(it->sandbox, pt->sandbox, sizeof(it->sandbox));
	return 1;
}

/* 4. filter, in its own process; a chain runs its second filter on the
 * first one's output; an archive's members go through the pipeline */
static enum job_outcome job_filter_stage(struct job_state *st, struct job_item *it)
{
	struct filter_result *fr = &it->fr;
	int pre = job_pretext(st, it);

	if ((pre == 0 && job_filter(st, it->pd.filter, it->d.mime,
				   it->pd.action == ACTION_UNPACK || it->pd.action == ACTION_MAIL,
				   it->fd, &it->fdir, it->dname, sizeof(it->dname), fr,
				   it->sandbox, sizeof(it->sandbox)) != 0) ||
	    (fr->status == FILTER_OK && it->pd.then != NULL && job_filter_then(st, it) != 0))
		return job_end(st, it, "failed", "cannot create the work directory", NULL);
	log_debug("%s: filter %s done at %lld ms", it->report_path, it->pd.filter,
		  (long long)(mugai_now_ms() - st->t0));
	if (it->pd.then != NULL) {
		char chain[64];

		snprintf(chain, sizeof(chain), "%s,%s", it->pd.filter, it->pd.then);
		json_object_set_new(it->item, "filter", json_string(chain));
	} else {
		json_object_set_new(it->item, "filter", json_string(it->pd.filter));
	}
	if (pre) /* the text filter's work, done inside mime-unpack's run */
		json_object_set_new(it->item, "filter_in", json_string("mime-unpack"));
	json_object_set_new(it->item, "sandbox", json_string(it->sandbox));
	switch (fr->status) {
	case FILTER_OK:
		break;
	case FILTER_HELD:
		return job_end(st, it, "held", fr->reason, &st->held);
	case FILTER_BLOCKED:
		job_item_verdict(it->item, "blocked", fr->reason);
		job_set(st, &st->blocked, "%s: %s", it->report_path, fr->reason);
		return JOB_DONE;
	default:
		return job_end(st, it, "failed", fr->reason, job_top_failed(st, it));
	}
	/* what the filter did (ooxml-cdr: what it removed) */
	if (fr->reason[0] != '\0')
		json_object_set_new(it->item, "filter_note", json_string(fr->reason));
	if (it->pd.action == ACTION_MAIL)
		return (enum job_outcome)job_mail(st, it);
	if (it->pd.action == ACTION_UNPACK) {
		char adir[RELEASE_PATH_MAX], sub[NAMING_MAX + 8];

		naming_archive_dir(it->safe, sub, sizeof(sub));
		job_join(adir, sizeof(adir), it->rel_dir, sub);
		job_item_verdict(it->item, "unpacked", "");
		job_members(st, it->fdir, it->dname, adir, it->report_path, it->depth, it->item);
		return JOB_DONE;
	}
	return JOB_NEXT;
}

/*
 * A message is a container: mime-unpack (in mugai-filter) splits it into
 * bodies and attachments, each goes through the pipeline like an archive
 * member, but what becomes of one part (released, removed, held) is the
 * part's, not the job's: the outcomes complete mime-unpack's structure.json
 * into mime-repack's plan (see filters/mime_repack.c), the released
 * artefacts are copied under plain names (a000001, ...) into mime-repack's
 * directory, and the rebuilt message (out.eml) is the item's one artefact,
 * scanned like any other.  A text/html body goes through html-text in its
 * mail form (links shown as text, defanged), whose output mime-repack takes
 * as the body's text; what came out of one that was a container is not.
 */
#define JOB_MAIL_PLAN_VERSION 1
#define JOB_MAIL_TREE_DEPTH 64 /* structure levels walked (mime-unpack allows fewer) */
#define JOB_MAIL_COPY_BLOCK (64 * 1024)

struct job_mail {
	json_t *structure;  /* mime-unpack's structure.json, completed into the plan */
	json_t *leaves;     /* member file -> its leaf in structure (borrowed) */
	int rdir;           /* mime-repack's directory */
	char rname[32];     /* and its name under the work directory */
	unsigned n_art;
	unsigned malware;   /* parts removed for a ClamAV finding */
	GHashTable *names;  /* attachment names given in the message -> the next
			     * number to try for it (job_mail_unique) */
};

static void job_mail_leaves(json_t *node, json_t *map, unsigned depth)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	const char *file = json_string_value(json_object_get(node, "file"));
	size_t i;
	json_t *k;

	if (kind == NULL || depth > JOB_MAIL_TREE_DEPTH)
		return;
	if (strcmp(kind, "message") == 0)
		job_mail_leaves(json_object_get(node, "body"), map, depth + 1);
	else if (strcmp(kind, "multipart") == 0)
		json_array_foreach(json_object_get(node, "children"), i, k)
			job_mail_leaves(k, map, depth + 1);
	else if (strcmp(kind, "leaf") == 0) {
		/* what became of a part is ours to say, never the filter's */
		json_object_del(node, "artefacts");
		json_object_del(node, "removed");
		json_object_del(node, "held");
		if (file != NULL)
			json_object_set(map, file, node);
	}
}

/* the MIME type an artefact is sent as: by the output name the filter
 * gave it, else (scan mode: the original) the detected type */
static const char *job_mail_type(const char *out, json_t *item)
{
	static const char *const types[][2] = {
		{ "pdf", "application/pdf" }, { "txt", "text/plain" }, { "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ "eml", "application/octet-stream" },
	};
	const char *mime;

	if (filterproto_output_valid(out))
		for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
			if (strcmp(filterproto_output_ext(out), types[i][0]) == 0)
				return types[i][1];
	mime = json_string_value(json_object_get(json_object_get(item, "type"), "mime"));
	return mime != NULL ? mime : "application/octet-stream";
}

/* name, or for a name made of a member's path (made) "name (k).ext" when
 * an attachment of the message has it already; the names the sender gave
 * stay as they are, shared or not */
static void job_mail_unique(struct job_mail *mc, const char *name, int made, char *out,
			    size_t outlen)
{
	gpointer next;
	unsigned k;

	if (mc->names == NULL)
		mc->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_strlcpy(out, name, outlen);
	if (!g_hash_table_lookup_extended(mc->names, name, NULL, &next)) {
		g_hash_table_insert(mc->names, g_strdup(name), GUINT_TO_POINTER(2));
		return;
	}
	if (!made)
		return;
	for (k = GPOINTER_TO_UINT(next);; k++) {
		naming_numbered(name, k, out, outlen);
		if (!g_hash_table_contains(mc->names, out))
			break;
	}
	g_hash_table_insert(mc->names, g_strdup(name), GUINT_TO_POINTER(k + 1));
	g_hash_table_insert(mc->names, g_strdup(out), GUINT_TO_POINTER(2));
}

/* the name an artefact is attached under: the part's own name as the
 * message gave it, its extension changed with its type; an archive's
 * member by its path in the archive with the folders kept in the one name
 * ("資料/2024/見積.pdf" -> "資料_2024_見積.pdf", naming_flatten; the
 * archive's own name is not repeated); such a name that an attachment of
 * the message has already is numbered: "見積 (2).pdf". */
static const char *job_mail_art_name(struct job_mail *mc, json_t *leaf,
				     const struct job_pending *p, json_t *pitem, int whole_part,
				     char *buf, size_t len)
{
	const char *name = json_string_value(json_object_get(leaf, "name"));
	const char *role = json_string_value(json_object_get(leaf, "role"));
	const char *filter = json_string_value(json_object_get(pitem, "filter"));
	const char *slash = strchr(p->release_rel, '/');
	char safe[NAMING_MAX + 8], flat[NAMING_BUF];
	int member = !whole_part && slash != NULL;

	if (whole_part && name != NULL && filterproto_output_valid(p->out)) {
		naming_safe(name, safe, sizeof(safe));
		naming_output(safe, filter != NULL ? filter : "", filterproto_output_ext(p->out),
			      flat, sizeof(flat));
	} else {
		/* a member: its path under the archive's directory */
		naming_flatten(member ? slash + 1 : p->release_rel, flat, sizeof(flat));
	}
	if (role != NULL && strcmp(role, "body") == 0)
		g_strlcpy(buf, flat, len); /* a body is no attachment: it has no name */
	else
		job_mail_unique(mc, flat, member, buf, len);
	return buf;
}

/* the password candidates in a body's text (its first PASSCAND_SCAN_MAX bytes) */
static void job_mail_candidates(struct job_state *st, int dir, const char *file)
{
	char *buf;
	ssize_t n;
	int fd;

	if (st->opts->candidates == NULL ||
	    (fd = openat(dir, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	buf = malloc(PASSCAND_SCAN_MAX);
	if (buf != NULL && (n = pread(fd, buf, PASSCAND_SCAN_MAX, 0)) > 0)
		passcand_extract(st->opts->candidates, buf, (size_t)n);
	if (buf != NULL)
		explicit_bzero(buf, PASSCAND_SCAN_MAX);
	free(buf);
	close(fd);
}

/* copy src (under sdir) to a new dst (under ddir): 0 or -1 */
static int job_copy_at(int sdir, const char *src, int ddir, const char *dst)
{
	char *buf = malloc(JOB_MAIL_COPY_BLOCK);
	int in = openat(sdir, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, rc = -1;

	if (buf != NULL && in >= 0)
		out = openat(ddir, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out >= 0) {
		ssize_t n;

		rc = 0;
		while (rc == 0 && (n = read(in, buf, JOB_MAIL_COPY_BLOCK)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			for (ssize_t w = 0, k; rc == 0 && n > 0 && w < n; w += k)
				if ((k = write(out, buf + w, (size_t)(n - w))) <= 0)
					rc = -1;
			if (n < 0)
				rc = -1;
		}
		if (close(out) != 0)
			rc = -1;
	}
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}

/* a report path under the mail's: what the notice calls the part */
static const char *job_mail_name(const struct job_item *it, const char *path)
{
	size_t n = strlen(it->report_path);

	if (strncmp(path, it->report_path, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static void job_mail_add(json_t *leaf, const char *key, json_t *entry)
{
	json_t *a = json_object_get(leaf, key);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(leaf, key, a);
	}
	json_array_append_new(a, entry);
}

/* what a job had before a part ran (job_mail_part_tries takes it back to it) */
struct job_mark {
	size_t items, findings;
	guint pending;
	uint64_t expanded;
	uint32_t members;
};

/* A held part (an encrypted archive or PDF) once more with each password
 * the job has for it, until it opens: those given for the held mail
 * (opts->tries: the API, `mugai password`, a later mail's candidates) and
 * the candidates of this mail found so far (its subject, the bodies before
 * the part).  Each try starts where the part's first run did (mk): the
 * items, findings, pending artefacts, members and bytes it added are taken
 * back.  Bounded by the lists (PASSCAND_MAX, SPOOL_PASSWORDS_MAX) and the job's
 * deadline. */
static void job_mail_part_tries(struct job_state *st, struct job_item *it,
				const struct filterproto_member *m, const char *mreport,
				const struct job_mark *mk)
{
	const struct passcand *pc = st->opts->candidates;
	unsigned nt = st->opts->tries != NULL ? st->opts->n_tries : 0;
	unsigned nc = pc != NULL ? pc->n : 0;

	for (unsigned k = 0; st->held && k < nt + nc && mugai_now_ms() < st->deadline; k++) {
		const char *pw = k < nt ? st->opts->tries[k] : pc->v[k - nt];

		if (pw[0] == '\0' ||
		    (st->opts->password != NULL && strcmp(pw, st->opts->password) == 0))
			continue; /* the first run had it */
		while (json_array_size(st->items) > mk->items)
			json_array_remove(st->items, mk->items);
		while (json_array_size(st->findings) > mk->findings)
			json_array_remove(st->findings, mk->findings);
		g_array_set_size(st->pending, mk->pending);
		st->expanded = mk->expanded;
		st->members = mk->members;
		st->blocked = st->held = st->failed = 0;
		st->reason[0] = '\0';
		st->try_password = pw;
		job_member(st, it->fdir, it->dname, "", m, mreport, it->depth);
		st->try_password = NULL;
	}
}

/* One part through the pipeline; its outcome goes on its leaf, never on
 * the job's flags */
static void job_mail_part(struct job_state *st, struct job_item *it, struct job_mail *mc,
			  const struct filterproto_member *m, const char *mreport)
{
	int sb = st->blocked, sh = st->held, sf = st->failed;
	char *saved = g_strdup(st->reason);
	size_t i0 = json_array_size(st->items);
	guint p0 = st->pending->len;
	const struct job_mark mk = { i0, json_array_size(st->findings), p0, st->expanded,
				     st->members };
	json_t *leaf = json_object_get(mc->leaves, m->file), *scratch = NULL;
	const char *role = json_string_value(json_object_get(leaf, "role"));
	const char *type = json_string_value(json_object_get(leaf, "type"));
	int is_body = role != NULL && strcmp(role, "body") == 0;
	int html_body = is_body && type != NULL && strcmp(type, "text/html") == 0;
	int mail_html = st->mail_html;
	const struct job_pretext pt = { it->fdir, it->dname, m->text, m->text_from, it->sandbox,
					is_body && type != NULL &&
					g_ascii_strcasecmp(type, "text/plain") == 0 };

	if (leaf == NULL) /* a member the structure does not name: never in the message */
		leaf = scratch = json_object();
	st->blocked = st->held = st->failed = 0;
	st->reason[0] = '\0';
	st->pretext = m->text[0] != '\0' ? &pt : NULL;
	st->mail_html = html_body;
	job_member(st, it->fdir, it->dname, "", m, mreport, it->depth);
	st->pretext = NULL;
	if (st->held)
		job_mail_part_tries(st, it, m, mreport, &mk);
	st->mail_html = mail_html;
	if (st->held) {
		job_mail_add(leaf, "held", json_pack("{s:s, s:s}", "name", m->path, "reason",
						     st->reason));
		json_array_append_new(st->held_items, json_pack("{s:s, s:s}", "item", mreport,
								"reason", st->reason));
	} else if (st->blocked) {
		job_mail_add(leaf, "removed", json_pack("{s:s, s:s}", "name", m->path, "reason",
							st->reason));
		for (size_t k = i0; k < json_array_size(st->items); k++)
			if (json_array_size(json_object_get(json_array_get(st->items, k),
							    "findings")) > 0) {
				mc->malware++;
				break;
			}
	} else {
		for (guint k = p0; k < st->pending->len; k++) {
			struct job_pending *p = &g_array_index(st->pending, struct job_pending, k);
			json_t *pitem = json_array_get(st->items, p->item);
			char aname[16], src[64], nbuf[NAMING_BUF];

			if (html_body && p->item != i0) { /* not the body's text: a notice */
				job_item_verdict(pitem, "blocked", "not-text: in an HTML body "
						 "that is not HTML");
				continue;
			}
			snprintf(aname, sizeof(aname), "a%06u", ++mc->n_art);
			g_strlcpy(src, p->work_rel, sizeof(src));
			/* a link where the file system allows one: no new file,
			 * and the artefact is not used after mime-repack */
			if (linkat(st->work_fd, src, mc->rdir, aname, 0) != 0 &&
			    job_copy_at(st->work_fd, src, mc->rdir, aname) != 0) {
				job_item_verdict(pitem, "failed", "mail: cannot copy the artefact");
				continue;
			}
			json_t *art = json_pack("{s:s, s:s, s:s}", "file", aname, "name",
				job_mail_art_name(mc, leaf, p, pitem, k == p0 && p->item == i0, nbuf,
						  sizeof(nbuf)),
				"type", job_mail_type(p->out, pitem));

			if (it->depth == 0 && is_body)
				job_mail_candidates(st, mc->rdir, aname);
			/* what the text filters write is UTF-8 */
			if (strcmp(p->out, FILTERPROTO_OUT_TXT) == 0)
				json_object_set_new(art, "charset", json_string("UTF-8"));
			job_mail_add(leaf, "artefacts", art);
			job_item_verdict(pitem, "repacked", "");
		}
		/* what was not released of it (archive members): a notice each */
		for (size_t k = i0; k < json_array_size(st->items); k++) {
			json_t *x = json_array_get(st->items, k);
			const char *v = json_string_value(json_object_get(x, "verdict"));

			if (strcmp(v, "blocked") == 0 || strcmp(v, "failed") == 0)
				job_mail_add(leaf, "removed", json_pack("{s:s, s:s}", "name",
					job_mail_name(it, json_string_value(json_object_get(x, "path"))),
					"reason", json_string_value(json_object_get(x, "reason"))));
		}
	}
	g_array_set_size(st->pending, p0);
	st->blocked = sb;
	st->held = sh;
	st->failed = sf;
	g_strlcpy(st->reason, saved, sizeof(st->reason));
	g_free(saved);
	json_decref(scratch);
}

/* what the job keeps of the message for a follow-up mail: the decoded
 * Subject and the Message-ID (from the headers mime-unpack kept) */
static json_t *job_mail_info(json_t *structure)
{
	json_t *info = json_object(), *h;
	const char *subject = json_string_value(json_object_get(structure, "subject"));
	size_t i;

	json_object_set_new(info, "subject", json_string(subject != NULL ? subject : ""));
	json_array_foreach(json_object_get(structure, "headers"), i, h) {
		const char *name = json_string_value(json_array_get(h, 0));
		const char *value = json_string_value(json_array_get(h, 1));

		if (name != NULL && value != NULL && g_ascii_strcasecmp(name, "Message-ID") == 0) {
			char *v = g_strstrip(g_strdup(value));

			json_object_set_new(info, "message_id", json_string(v));
			g_free(v);
			break;
		}
	}
	return info;
}

/* mime-unpack's structure.json, whole, or NULL */
static json_t *job_mail_structure(int fdir)
{
	struct stat sb;
	json_error_t err;
	json_t *s = NULL;
	int fd = openat(fdir, FILTERPROTO_MAIL_STRUCTURE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f;

	/* through stdio: json_loadfd reads one byte per read(2) */
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size <= FILTERPROTO_MANIFEST_MAX && (f = fdopen(fd, "r")) != NULL) {
		s = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
		fclose(f);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (s != NULL && !json_is_object(s)) {
		json_decref(s);
		s = NULL;
	}
	return s;
}

/* the plan written to the work directory and opened for mime-repack: an fd or -1 */
static int job_mail_plan_fd(struct job_state *st, struct job_mail *mc)
{
	char pname[48];
	char *text;
	ssize_t w = -1;
	int fd;

	json_object_set_new(mc->structure, "version", json_integer(JOB_MAIL_PLAN_VERSION));
	json_object_set_new(mc->structure, "job", json_string(st->opts->job_id != NULL ?
							       st->opts->job_id : "-"));
	json_object_set_new(mc->structure, "options", json_pack("{s:s, s:s}", "html",
		st->env->cfg->mail_html_drop ? "drop" : "text", "subject_tag",
		st->env->cfg->mail_subject_tag));
	snprintf(pname, sizeof(pname), "%s.plan", mc->rname);
	fd = openat(st->work_fd, pname, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	/* in one write(2): json_dumpfd writes each token with one */
	text = json_dumps(mc->structure, JSON_COMPACT);
	if (text != NULL)
		w = write(fd, text, strlen(text));
	if (w < 0 || (size_t)w != strlen(text) || lseek(fd, 0, SEEK_SET) != 0) {
		free(text);
		close(fd);
		return -1;
	}
	free(text);
	return fd;
}

/* The parts, the plan, mime-repack: JOB_NEXT with it->fr naming out.eml in
 * it->fdir, or JOB_DONE with the item's verdict */
static int job_mail(struct job_state *st, struct job_item *it)
{
	struct job_mail mc;
	struct filterproto_manifest cur;
	struct filterproto_member *m = NULL;
	char *buf = NULL, *mreport = NULL, sb2[FILTERPROTO_SANDBOX_MAX] = "";
	size_t len = 0;
	int rc, pfd;

	memset(&mc, 0, sizeof(mc));
	mc.rdir = -1;
	job_item_verdict(it->item, "unpacked", "");
	mc.structure = job_mail_structure(it->fdir);
	if (mc.structure == NULL)
		return job_end(st, it, "failed", "mail: mime-unpack wrote no valid structure",
			       job_top_failed(st, it));
	mc.leaves = json_object();
	job_mail_leaves(mc.structure, mc.leaves, 0);
	if (it->depth == 0 && st->mail == NULL) {
		const char *subject = json_string_value(json_object_get(mc.structure, "subject"));

		st->mail = job_mail_info(mc.structure);
		if (st->opts->candidates != NULL && subject != NULL)
			passcand_extract(st->opts->candidates, subject, strlen(subject));
	}
	if (job_filter_dir(st, &mc.rdir, mc.rname, sizeof(mc.rname)) != 0 ||
	    (buf = job_manifest_load(st, it->fdir, it->depth, it->item, &len)) == NULL) {
		rc = -1;
		goto out;
	}
	m = g_new0(struct filterproto_member, 1);
	filterproto_manifest_init(&cur, buf, len);
	while (!job_stopped(st) && !st->failed && (rc = filterproto_manifest_next(&cur, m)) != 0) {
		if (rc < 0) {
			job_set(st, &st->failed, "mail: malformed manifest line");
			break;
		}
		if (job_members_over(st))
			break;
		g_free(mreport);
		mreport = g_strdup_printf("%s/%s", it->report_path, m->path);
		if (m->skipped[0] != '\0' || m->file[0] == '\0' || m->unsafe) {
			job_member_skipped(st, mreport, "blocked", "skipped: not extracted");
			continue; /* no leaf names it: mime-repack says not-processed */
		}
		job_mail_part(st, it, &mc, m, mreport);
		if (mugai_now_ms() >= st->deadline)
			job_set(st, &st->failed, "job-timeout: the job ran longer than %u s "
				"([limits] job_timeout)", st->env->cfg->job_timeout);
	}
	rc = 0;
	if (it->mail_infected && mc.malware == 0 && !st->failed)
		job_set(st, &st->blocked, "malware found in %s outside every part it was split into",
			it->report_path);
	/* [mail] on_malware = reject: malware the message's own scan could not
	 * see (in a zip opened by a password, PPAP) rejects the mail too */
	if (mc.malware > 0 && st->env->cfg->mail_on_malware_reject && !st->failed)
		job_set(st, &st->blocked, "malware found in a part of %s ([mail] on_malware = "
			"reject)", it->report_path);
out:
	if (rc == 0 && !st->failed && !st->blocked) {
		pfd = job_mail_plan_fd(st, &mc);
		if (pfd < 0) {
			job_set(st, &st->failed, "mail: cannot write the plan: %s", strerror(errno));
		} else {
			job_filter_run(st, "mime-repack", FILTERPROTO_MIME_REPACK_PLAN, 0, pfd, mc.rdir, &it->fr,
				       sb2, sizeof(sb2));
			close(pfd);
			json_object_set_new(it->item, "filter", json_string("mime-unpack,mime-repack"));
			close(it->fdir);
			it->fdir = mc.rdir;
			mc.rdir = -1;
			g_strlcpy(it->dname, mc.rname, sizeof(it->dname));
		}
	}
	if (mc.rdir >= 0)
		close(mc.rdir);
	g_free(mreport);
	g_free(m);
	free(buf);
	json_decref(mc.leaves);
	json_decref(mc.structure);
	if (mc.names != NULL)
		g_hash_table_destroy(mc.names);
	if (st->failed || st->blocked)
		return job_end(st, it, st->blocked ? "blocked" : "failed", st->reason, NULL);
	if (it->fr.status != FILTER_OK) {
		char why[JOB_REASON_MAX];

		snprintf(why, sizeof(why), "mime-repack: %s", it->fr.reason);
		return job_end(st, it, it->fr.status == FILTER_BLOCKED ? "blocked" : "failed", why,
			       it->fr.status == FILTER_BLOCKED ? &st->blocked : job_top_failed(st, it));
	}
	return JOB_NEXT;
}

/* 5. scan the artefact the filter named, and queue it for release */
static enum job_outcome job_artefact(struct job_state *st, struct job_item *it)
{
	const char *out_name = it->fr.output;
	const char *file = it->out_file[0] != '\0' ? it->out_file : out_name;
	char why[JOB_REASON_MAX], work_rel[64], oname[NAMING_BUF];
	struct scan_result sr;
	int ofd = -1;

	if (out_name[0] != '\0' && strcmp(out_name, FILTERPROTO_MANIFEST) != 0)
		ofd = openat(it->fdir, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0) {
		job_item_verdict(it->item, "failed", "the filter wrote no output");
		if (it->depth == 0)
			job_set(st, &st->failed, "the filter %s wrote no output", it->pd.filter);
		return JOB_DONE;
	}
	scan_artefact_fd(st->env->engine, ofd, out_name, &sr);
	close(ofd);
	log_debug("%s: artefact scan done at %lld ms", it->report_path,
		  (long long)(mugai_now_ms() - st->t0));
	if (sr.verdict == SCAN_INFECTED) {
		char names[512];

		job_add_findings(st, it->item, &sr);
		job_findings_text(&sr, names, sizeof(names));
		snprintf(why, sizeof(why), "malware in the sanitised output: %s", names);
		job_item_verdict(it->item, "blocked", why);
		job_set(st, &st->blocked, "%s: %s", it->report_path, why);
		return JOB_DONE;
	}
	if (sr.verdict != SCAN_CLEAN) {
		job_item_verdict(it->item, "failed", sr.error);
		job_set(st, &st->failed, "%s: %s", it->report_path, sr.error);
		return JOB_DONE;
	}
	snprintf(work_rel, sizeof(work_rel), "%s/%s", it->dname, file);
	naming_output(it->safe, it->pd.filter, filterproto_output_ext(out_name), oname,
		      sizeof(oname));
	job_queue(st, it, work_rel, out_name, oname, it->pd.action);
	return JOB_DONE;
}

/* fd holds the item; src_rel is its path under the work directory, NULL for
 * the job's input */
static void job_process_item(struct job_state *st, int fd, const char *src_rel,
			     const char *rel_dir, const char *name, const char *report_path,
			     unsigned depth)
{
	struct job_item *it = g_new0(struct job_item, 1);

	it->fd = fd;
	it->src_rel = src_rel;
	it->rel_dir = rel_dir;
	it->name = name;
	it->report_path = report_path;
	it->depth = depth;
	it->fdir = -1;
	it->item = job_item_new(report_path);
	it->pretext = st->pretext; /* this item's, none of its members' */
	st->pretext = NULL;
	it->idx = json_array_size(st->items);
	json_array_append_new(st->items, it->item);
	naming_safe(name, it->safe, sizeof(it->safe));
	if (job_admit(st, it) == JOB_NEXT && job_inspect(st, it) == JOB_NEXT &&
	    job_decide(st, it) == JOB_NEXT && job_filter_stage(st, it) == JOB_NEXT)
		job_artefact(st, it);
	if (it->fdir >= 0)
		close(it->fdir);
	g_free(it);
}

/* Remove the work directory and everything in it. */
static void job_rm_work(const char *work_path)
{
	fsutil_remove_tree(AT_FDCWD, work_path, JOB_RM_DEPTH + 1);
	if (access(work_path, F_OK) == 0)
		log_warnx("cannot remove the work directory %s", work_path);
}

/* Release every pending artefact, or none. */
static int job_release(struct job_state *st, int out_dir_fd, json_t *artefacts)
{
	for (guint i = 0; i < st->pending->len; i++) {
		struct job_pending *p = &g_array_index(st->pending, struct job_pending, i);
		char final[RELEASE_PATH_MAX], hex[65], err[256];
		uint64_t size = 0;
		int src = p->work_rel[0] != '\0' ?
			  openat(st->work_fd, p->work_rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) :
			  fcntl(st->in_fd, F_DUPFD_CLOEXEC, 0);
		json_t *item = json_array_get(st->items, p->item);

		if (src >= 0 && p->work_rel[0] == '\0' && st->opts->link_input &&
		    release_link(out_dir_fd, p->release_rel, src, final, sizeof(final),
				 st->opts->sync_later, err, sizeof(err)) == 0) {
			/* the input itself: its hash and size are the item's */
			g_strlcpy(hex, json_string_value(json_object_get(item, "sha256")),
				  sizeof(hex));
			size = (uint64_t)json_integer_value(json_object_get(item, "size"));
		} else if (src < 0 || release_copy(out_dir_fd, p->release_rel, src, final,
						   sizeof(final), hex, &size,
						   st->opts->sync_later, err, sizeof(err)) != 0) {
			if (src < 0)
				snprintf(err, sizeof(err), "release: %s", strerror(errno));
			else
				close(src);
			job_set(st, &st->failed, "%s", err);
			/* roll back: nothing of a failed job stays released */
			for (size_t k = 0; k < json_array_size(artefacts); k++)
				release_unlink(out_dir_fd, json_string_value(
					json_object_get(json_array_get(artefacts, k), "path")));
			json_array_clear(artefacts);
			return -1;
		}
		close(src);
		json_array_append_new(artefacts, json_pack("{s:s, s:s, s:I, s:s, s:s}",
			"path", final, "sha256", hex, "size", (json_int_t)size, "mode", p->mode,
			"item", json_string_value(json_object_get(item, "path"))));
		json_object_set_new(item, "artefact", json_string(final));
		job_item_verdict(item, "released", "");
	}
	return 0;
}

json_t *job_process(const struct job_env *env, int in_fd, const char *name,
		    const struct job_opts *opts, int out_dir_fd)
{
	struct job_state st;
	const char *base = strrchr(name, '/');
	json_t *report, *artefacts = json_array(), *first;
	const char *verdict;
	size_t n_bad = 0, n_items;

	memset(&st, 0, sizeof(st));
	st.env = env;
	st.opts = opts;
	st.in_fd = in_fd;
	st.work_fd = -1;
	st.items = json_array();
	st.findings = json_array();
	st.held_items = json_array();
	st.pending = g_array_new(FALSE, TRUE, sizeof(struct job_pending));
	st.t0 = mugai_now_ms();
	st.deadline = st.t0 + (int64_t)env->cfg->job_timeout * 1000;
	base = base != NULL ? base + 1 : name;

	job_process_item(&st, in_fd, NULL, "", base, base, 0);

	n_items = json_array_size(st.items);
	for (size_t i = 1; i < n_items; i++) {
		const char *v = json_string_value(json_object_get(json_array_get(st.items, i),
								  "verdict"));
		if (strcmp(v, "blocked") == 0 || strcmp(v, "failed") == 0)
			n_bad++;
	}
	if (st.blocked) {
		verdict = "blocked";
	} else if (st.held) {
		verdict = "held";
	} else if (st.failed) {
		verdict = "failed";
	} else if (st.pending->len == 0) {
		verdict = "blocked";
		snprintf(st.reason, sizeof(st.reason), "%s",
			 n_items > 1 ? "nothing releasable: every member was blocked or failed"
				     : "nothing releasable");
	} else if (job_release(&st, out_dir_fd, artefacts) != 0) {
		verdict = "failed";
	} else {
		verdict = "released";
		if (n_bad > 0)
			snprintf(st.reason, sizeof(st.reason), "%zu member(s) not released", n_bad);
	}
	/* members that were clean but not released because of the job verdict */
	for (size_t i = 0; i < n_items; i++) {
		json_t *it = json_array_get(st.items, i);

		if (strcmp(json_string_value(json_object_get(it, "verdict")), "clean") == 0)
			job_item_verdict(it, "withheld", "not released: the job was not released");
	}

	first = json_array_get(st.items, 0);
	report = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
			   "input", opts->input != NULL ? opts->input : name, "name", base,
			   "verdict", verdict, "reason", st.reason,
			   "findings", st.findings, "items", st.items, "artefacts", artefacts);
	if (report != NULL && first != NULL) {
		json_t *v;

		if ((v = json_object_get(first, "sha256")) != NULL)
			json_object_set(report, "sha256", v);
		if ((v = json_object_get(first, "size")) != NULL)
			json_object_set(report, "size", v);
		if ((v = json_object_get(first, "type")) != NULL)
			json_object_set(report, "type", v);
	}
	/* a released mail still lists what it holds for a password */
	if (report != NULL && json_array_size(st.held_items) > 0)
		json_object_set(report, "held_items", st.held_items);
	if (report != NULL && st.mail != NULL)
		json_object_set(report, "mail", st.mail);
	json_decref(st.held_items);
	json_decref(st.mail);
	log_debug("%s: %s at %lld ms", base, verdict, (long long)(mugai_now_ms() - st.t0));
	if (st.work_fd >= 0) {
		job_rm_work(st.work_path);
		close(st.work_fd);
	}
	g_free(st.work_path);
	g_array_free(st.pending, TRUE);
	return report;
}
