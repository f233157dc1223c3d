/*
 * filter.h - the one interface every content filter implements.
 *
 * A filter runs inside mugai-filter (exec'd per task, sandboxed, bounded).
 * It reads one input from in_fd and writes its output files into the
 * directory out_dir_fd, by name, with openat(out_dir_fd, name,
 * O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600).  It never builds a path
 * string and never writes anywhere else.
 *
 * Output names, status codes, limits and the request/reply are the filter
 * protocol's (mugai/filterproto.h); a filter that succeeds names the file
 * it wrote with filter_output() (FILTERPROTO_OUT_*), and the core takes
 * exactly that file.
 *
 * A filter fills res->status and res->reason (short, stable, machine-usable
 * first word: e.g. "encrypted", "image-too-large: 60000x60000 > 20000x20000").
 * Any failure must be reported, never papered over: the caller releases
 * nothing unless status == FILTER_OK.
 */
#ifndef MUGAI_FILTER_H
#define MUGAI_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mugai/filterproto.h"

/* sandbox_flags: what a filter needs beyond the default confinement */
#define FILTER_SANDBOX_EXEC 0x1 /* may exec and fork its helper (LibreOffice);
				 * AF_UNIX sockets allowed, still no network; in
				 * its own mount namespace with a private /tmp */
/* where a FILTER_SANDBOX_EXEC filter finds its output directory by path
 * (a bind mount in its private /tmp): helpers it runs take paths */
#define FILTER_SANDBOX_WORK "/tmp/work"

struct filter_ops {
	const char *name;
	/* true when this filter knows how to read the MIME type: mugai-filter
	 * refuses any other (filter-refused), whatever the policy chose */
	bool (*accepts)(const char *mime);
	/* 0 when res was filled (whatever the status), -1 on an internal error */
	int (*run)(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		   struct filter_result *res);
	uint32_t sandbox_flags; /* FILTER_SANDBOX_*; 0 for almost every filter */
};

/* the filter table (filters/registry.c) */
const struct filter_ops *filter_lookup(const char *name);
const struct filter_ops *const *filter_table(void);

/* helpers shared by filters (filters/filter_util.c) */
void filter_set(struct filter_result *res, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* create an output file in out_dir_fd: O_EXCL|O_NOFOLLOW, mode 0600 */
int filter_create(int out_dir_fd, const char *name);
/* read the whole input (at most max bytes) into a malloc'd buffer;
 * -1 with errno=EFBIG when larger than max */
int filter_read_all(int in_fd, uint64_t max, unsigned char **buf, size_t *len);
/* write all of buf; -1 on error or short write */
int filter_write_all(int fd, const void *buf, size_t len);
/* every element of a JSON array as one compact line (a manifest): 0, -1 */
int filter_write_json_lines(int fd, json_t *array);
/* name the output the core is to take (FILTERPROTO_OUT_*, FILTERPROTO_MANIFEST) */
void filter_output(struct filter_result *res, const char *name);

#endif
