/*
 * sink.h - an output file with a cap: what the PNG and PDF writers of the
 * netpbm, svg and epub-pdf filters write through (libpng, cairo and MuPDF
 * each call back with bytes; each callback is one line over this).
 */
#ifndef MUGAI_SINK_H
#define MUGAI_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"

enum sink_error { SINK_OK = 0, SINK_WRITE_ERROR = 1, SINK_TOO_LARGE = 2 };

struct sink {
	int fd;
	uint64_t written, max; /* max: [limits] filter_output_max */
	int error;             /* enum sink_error: the first failure */
};

/* write all of data, or nothing past the cap: 0, or -1 with s->error set */
int sink_write(struct sink *s, const void *data, size_t len);

#endif
