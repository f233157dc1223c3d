/*
 * scan.h - the ClamAV engine: loaded once per process, shared by threads.
 *
 * Fail closed: an exceeded engine limit (file size, scan size, recursion,
 * file count, scan time) is a finding ("Heuristics.Limits.Exceeded.*"), not
 * clean; a database directory without signatures is an error.
 */
#ifndef MUGAI_SCAN_H
#define MUGAI_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "mugai/config.h"

#define SCAN_FINDINGS_MAX 16
#define SCAN_NAME_MAX 128
#define SCAN_ERR_MAX 256

enum scan_verdict { SCAN_CLEAN = 0, SCAN_INFECTED = 1, SCAN_ERROR = 2 };

struct scan_result {
	int verdict;
	unsigned int n_findings;
	char findings[SCAN_FINDINGS_MAX][SCAN_NAME_MAX];
	char error[SCAN_ERR_MAX];
};

struct scan_engine;

/* Load and compile every database in dbdir with the limits of cfg.
 * NULL with a message (naming dbdir) when it fails or holds no signature. */
struct scan_engine *scan_engine_load(const struct mugai_config *cfg, const char *dbdir,
				     char *err, size_t errlen);
void scan_engine_free(struct scan_engine *eng);
unsigned int scan_engine_signatures(const struct scan_engine *eng);
/* database version (daily/main) or 0 when only local databases are loaded */
unsigned int scan_engine_db_version(const struct scan_engine *eng);
const char *scan_engine_libversion(void);

/* Scan fd (from offset 0).  Always fills res; returns res->verdict. */
int scan_fd(struct scan_engine *eng, int fd, const char *name, struct scan_result *res);
/* The same for an artefact mugai made itself (text, a re-encoded image, an
 * image PDF of JPEG pages): its bytes are scanned as they are, without
 * container parsing.  An artefact holds no container: every byte of it was
 * written by a filter from decoded text or pixels, and the original and
 * every archive member already passed the full scan.  Parsing an image PDF
 * again (extracting and fuzzy-hashing every page image) cost 10 times the
 * rendering. */
int scan_artefact_fd(struct scan_engine *eng, int fd, const char *name,
		     struct scan_result *res);

#endif
