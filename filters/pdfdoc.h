/* pdfdoc.h - opening a PDF with poppler-glib, shared by pdf-image and pdf-text */
#ifndef MUGAI_PDFDOC_H
#define MUGAI_PDFDOC_H

#include <glib.h>
#include <poppler.h>

#include "filter.h"

#define PDFDOC_INPUT_MAX (2ULL << 30) /* bytes of PDF read into memory */

/*
 * Read the input and open it (with lim->password when set), then check the
 * page count and page sizes against the limits.  On success *bytes and
 * *doc are set; otherwise res is filled (held for encrypted documents,
 * blocked over a limit, failed for unreadable ones) and -1 is returned.
 */
int pdfdoc_open(int in_fd, const struct filter_limits *lim, GBytes **bytes,
		PopplerDocument **doc, struct filter_result *res);

#endif
