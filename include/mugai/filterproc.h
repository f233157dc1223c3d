/*
 * filterproc.h - run one filter in a fresh mugai-filter process.
 *
 * The daemon and the CLI never parse hostile formats themselves: they
 * posix_spawn() mugai-filter (exec, never a bare fork of a threaded process)
 * with the input on fd 0, the output directory on fd 4 and a SOCK_SEQPACKET
 * channel on fd 3 that carries one fixed-size request and one fixed-size
 * reply, both checked exactly (magic, version, size, NUL-terminated strings).
 * The parent enforces the wall-clock timeout and kills the child.
 */
#ifndef MUGAI_FILTERPROC_H
#define MUGAI_FILTERPROC_H

#include <stdint.h>

#include "filter.h"
#include "mugai/config.h"

#define FILTERPROTO_MAGIC 0x4d554746u /* "MUGF" */
#define FILTERPROTO_VERSION 1
#define FILTERPROTO_NAME_MAX 32
#define FILTERPROTO_SANDBOX_MAX 128

#define FILTERPROC_FD_IN 0
#define FILTERPROC_FD_CHAN 3
#define FILTERPROC_FD_OUTDIR 4
/* mugai-filter started as root drops to this user (nobody); the parent hands
 * it the output directory */
#define FILTERPROC_UID 65534

struct filter_request {
	uint32_t magic;
	uint32_t version;
	char filter[FILTERPROTO_NAME_MAX];
	struct filter_limits limits;
	uint32_t cpu_seconds;
	uint32_t open_files;
	uint64_t address_space;
	uint64_t file_size;
	uint32_t sandbox_strict;
	uint32_t pad;
};

struct filter_reply {
	uint32_t magic;
	uint32_t version;
	int32_t status;                         /* enum filter_status */
	char reason[FILTER_REASON_MAX];
	char sandbox[FILTERPROTO_SANDBOX_MAX];  /* layers that were active */
};

/* fill the filter limits from the configuration */
void filterproc_limits(const struct mugai_config *cfg, struct filter_limits *lim);

/* Path of the mugai-filter binary: cfg->filter_path, else beside the running
 * executable, else the install location. */
const char *filterproc_binary(const struct mugai_config *cfg);

/* Run filter `name` on in_fd into out_dir_fd.  Always fills *res (and
 * sandbox, if not NULL); a crash, timeout, non-zero exit or malformed reply
 * is FILTER_FAILED with the reason.  Returns res->status. */
int filterproc_run(const struct mugai_config *cfg, const char *name,
		   const struct filter_limits *lim, int in_fd, int out_dir_fd,
		   struct filter_result *res, char *sandbox, size_t sandboxlen);

/* validate a request / reply read off the channel: 0 when well-formed */
int filterproc_check_request(const void *buf, size_t len);
int filterproc_check_reply(const void *buf, size_t len);

#endif
