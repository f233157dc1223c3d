/*
 * filterproc.h - run one filter in a fresh mugai-filter process.
 *
 * The daemon and the CLI never parse hostile formats themselves: they
 * posix_spawn() mugai-filter (exec, never a bare fork of a threaded process)
 * with the input, the output directory and the channel of the filter
 * protocol (mugai/filterproto.h).  The filter table says which binary
 * (mugai-filter-lite, mugai-filter-mail, mugai-filter or mugai-filter-mupdf)
 * and which limits a filter gets; a filter of mugai-filter-mupdf (MuPDF)
 * fails closed when that binary is not installed.
 * The parent enforces the wall-clock timeout and kills the child.
 */
#ifndef MUGAI_FILTERPROC_H
#define MUGAI_FILTERPROC_H

#include <stddef.h>
#include <stdint.h>

#include "mugai/config.h"
#include "mugai/filterproto.h"

/* the older names of the protocol's fd and uid (src/filterd/sandbox.c) */
#define FILTERPROC_FD_CHAN FILTERPROTO_FD_CHAN
#define FILTERPROC_UID FILTERPROTO_UID

/* fill the filter limits from the configuration */
void filterproc_limits(const struct mugai_config *cfg, struct filter_limits *lim);

/* Path of the mugai-filter binary: cfg->filter_path, else beside the running
 * executable, else the install location. */
const char *filterproc_binary(const struct mugai_config *cfg);

/* cfg with the limits filter `name` runs under: LibreOffice's for the
 * filters the table marks OFFICE, [limits] filter_* for the others */
void filterproc_config(const struct mugai_config *cfg, const char *name,
		       struct mugai_config *out);

/* Run filter `name` on in_fd into out_dir_fd.  Always fills *res (and
 * sandbox, if not NULL); a crash, timeout, non-zero exit or malformed reply
 * is FILTER_FAILED with the reason.  res->output names the file the filter
 * wrote (checked against the protocol's names).  Returns res->status. */
/*
 * The network namespace the filters that exec nothing share (mugaid; a
 * filter without it makes its own, as before): made empty by a child forked
 * for it, which is why this must be called while the process has one
 * thread.  Made as root with CAP_SYS_ADMIN, else in a user namespace of
 * ours that owns it.  0, or -1 with err set (the filters then make their
 * own); the namespaces live as long as the process holds their fds.
 */
int filterproc_shared_netns(char *err, size_t errlen);

int filterproc_run(const struct mugai_config *cfg, const char *name,
		   const struct filter_limits *lim, int in_fd, int out_dir_fd,
		   struct filter_result *res, char *sandbox, size_t sandboxlen);

#endif
