/* scan.c - libclamav engine with explicit limits and fail-closed options */
#include "mugai/scan.h"
#include "mugai/log.h"

#include <clamav.h>
#include <glib.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct scan_engine {
	struct cl_engine *cl;
	unsigned int sigs;
	unsigned int dbversion;
};

static pthread_once_t scan_once = PTHREAD_ONCE_INIT;
static cl_error_t scan_init_rc = CL_SUCCESS;

/* libclamav's own messages go through our logger, not straight to stderr */
static void scan_on_msg(enum cl_msg severity, const char *fullmsg, const char *msg,
			void *context)
{
	(void)fullmsg;
	(void)context;
	if (severity == CL_MSG_ERROR)
		log_info("libclamav: %s", msg);
	else
		log_debug("libclamav: %s", msg);
}

static void scan_global_init(void)
{
	cl_set_clcb_msg(scan_on_msg);
	scan_init_rc = cl_init(CL_INIT_DEFAULT);
}

const char *scan_engine_libversion(void)
{
	return cl_retver();
}

/* Called by libclamav for every match in all-match mode. */
static void scan_on_virus(int fd, const char *virname, void *context)
{
	struct scan_result *res = context;

	(void)fd;
	if (res == NULL || virname == NULL)
		return;
	for (unsigned int i = 0; i < res->n_findings; i++)
		if (strcmp(res->findings[i], virname) == 0)
			return;
	if (res->n_findings < SCAN_FINDINGS_MAX) {
		g_strlcpy(res->findings[res->n_findings], virname, SCAN_NAME_MAX);
		res->n_findings++;
	}
}

static int scan_set_num(struct cl_engine *cl, enum cl_engine_field f, long long v,
			const char *what, char *err, size_t errlen)
{
	cl_error_t rc = cl_engine_set_num(cl, f, v);

	if (rc != CL_SUCCESS) {
		snprintf(err, errlen, "clamav: cannot set %s: %s", what, cl_strerror(rc));
		return -1;
	}
	return 0;
}

struct scan_engine *scan_engine_load(const struct mugai_config *cfg, const char *dbdir,
				     char *err, size_t errlen)
{
	struct scan_engine *eng;
	struct stat st;
	cl_error_t rc;
	unsigned int sigs = 0;
	const char *tmp;

	pthread_once(&scan_once, scan_global_init);
	if (scan_init_rc != CL_SUCCESS) {
		snprintf(err, errlen, "clamav: cl_init: %s", cl_strerror(scan_init_rc));
		return NULL;
	}
	if (stat(dbdir, &st) != 0) {
		snprintf(err, errlen, "signature database %s: %s (install clamav-freshclam "
			 "or pass --database DIR)", dbdir, strerror(errno));
		return NULL;
	}
	eng = calloc(1, sizeof(*eng));
	if (eng == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	eng->cl = cl_engine_new();
	if (eng->cl == NULL) {
		snprintf(err, errlen, "clamav: cannot create an engine");
		free(eng);
		return NULL;
	}
	tmp = cfg->work_dir[0] != '\0' ? cfg->work_dir : g_get_tmp_dir();
	cl_engine_set_str(eng->cl, CL_ENGINE_TMPDIR, tmp);
	if (scan_set_num(eng->cl, CL_ENGINE_MAX_FILESIZE, (long long)cfg->scan_max_filesize,
			 "max filesize", err, errlen) != 0 ||
	    scan_set_num(eng->cl, CL_ENGINE_MAX_SCANSIZE, (long long)cfg->scan_max_scansize,
			 "max scansize", err, errlen) != 0 ||
	    scan_set_num(eng->cl, CL_ENGINE_MAX_RECURSION, cfg->scan_max_recursion,
			 "max recursion", err, errlen) != 0 ||
	    scan_set_num(eng->cl, CL_ENGINE_MAX_FILES, cfg->scan_max_files,
			 "max files", err, errlen) != 0 ||
	    scan_set_num(eng->cl, CL_ENGINE_MAX_SCANTIME, cfg->scan_timeout_ms,
			 "max scantime", err, errlen) != 0)
		goto fail;
	rc = cl_load(dbdir, eng->cl, &sigs, CL_DB_STDOPT);
	if (rc != CL_SUCCESS) {
		if (rc == CL_EOPEN)
			snprintf(err, errlen, "signature database %s holds no database files "
				 "(*.cvd, *.cld, *.ndb, *.hdb...): run freshclam, or pass "
				 "--database DIR", dbdir);
		else
			snprintf(err, errlen, "signature database %s: %s", dbdir,
				 cl_strerror(rc));
		goto fail;
	}
	if (sigs == 0) {
		snprintf(err, errlen, "signature database %s holds no signatures "
			 "(run freshclam, or pass --database DIR)", dbdir);
		goto fail;
	}
	rc = cl_engine_compile(eng->cl);
	if (rc != CL_SUCCESS) {
		snprintf(err, errlen, "signature database %s: compile: %s", dbdir, cl_strerror(rc));
		goto fail;
	}
	cl_engine_set_clcb_virus_found(eng->cl, scan_on_virus);
	eng->sigs = sigs;
	eng->dbversion = (unsigned int)cl_engine_get_num(eng->cl, CL_ENGINE_DB_VERSION, NULL);
	return eng;
fail:
	cl_engine_free(eng->cl);
	free(eng);
	return NULL;
}

void scan_engine_free(struct scan_engine *eng)
{
	if (eng == NULL)
		return;
	cl_engine_free(eng->cl);
	free(eng);
}

unsigned int scan_engine_signatures(const struct scan_engine *eng)
{
	return eng->sigs;
}

unsigned int scan_engine_db_version(const struct scan_engine *eng)
{
	return eng->dbversion;
}

static int scan_fd_parse(struct scan_engine *eng, int fd, const char *name, unsigned int parse,
			 struct scan_result *res)
{
	struct cl_scan_options opts;
	const char *virname = NULL;
	unsigned long scanned = 0;
	cl_error_t rc;

	memset(res, 0, sizeof(*res));
	memset(&opts, 0, sizeof(opts));
	opts.general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS;
	opts.parse = parse;
	/* Fail closed: exceeded limits and broken executables are findings. */
	opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_BROKEN;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		res->verdict = SCAN_ERROR;
		snprintf(res->error, sizeof(res->error), "scan: seek: %s", strerror(errno));
		return res->verdict;
	}
	rc = cl_scandesc_callback(fd, name, &virname, &scanned, eng->cl, &opts, res);
	if (rc == CL_VIRUS || res->n_findings > 0) {
		if (res->n_findings == 0)
			scan_on_virus(fd, virname != NULL ? virname : "unnamed", res);
		res->verdict = SCAN_INFECTED;
	} else if (rc == CL_CLEAN) {
		res->verdict = SCAN_CLEAN;
	} else {
		res->verdict = SCAN_ERROR;
		snprintf(res->error, sizeof(res->error), "scan error: %s", cl_strerror(rc));
	}
	return res->verdict;
}

int scan_fd(struct scan_engine *eng, int fd, const char *name, struct scan_result *res)
{
	return scan_fd_parse(eng, fd, name, ~0U, res);
}

int scan_artefact_fd(struct scan_engine *eng, int fd, const char *name,
		     struct scan_result *res)
{
	return scan_fd_parse(eng, fd, name, 0, res);
}
