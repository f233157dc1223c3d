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
/*
 * A document over bytes, through a memory stream.  Not
 * poppler_document_new_from_bytes/_data: in poppler 22.12 they crash on a
 * wrong password (use after free in the retry with the UTF-8 password), and
 * _from_fd misreports it as damaged; _from_stream says "encrypted".
 */
PopplerDocument *pdfdoc_from_bytes(GBytes *bytes, const char *password, GError **err);

int pdfdoc_open(int in_fd, const struct filter_limits *lim, GBytes **bytes,
		PopplerDocument **doc, struct filter_result *res);

#endif
