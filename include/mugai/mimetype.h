/*
 * mimetype.h - tests on MIME type names, shared by the core (detect.c) and
 * the filters (libmugai_util: no libmagic, nothing but libc).
 */
#ifndef MUGAI_MIMETYPE_H
#define MUGAI_MIMETYPE_H

#include <stdbool.h>

/* an OOXML package type (docx/xlsx/pptx and their macro/template variants) */
bool mimetype_is_ooxml(const char *mime);
/* a type the text filter reads: text/ but HTML, and application/csv */
bool mimetype_is_plain_text(const char *mime);

#endif
