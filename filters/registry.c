/* registry.c - the filter ops table, built from the filter table
 * (FILTERPROTO_FILTERS in mugai/filterproto.h) */
#include "filter.h"

#include <string.h>

/* Each helper binary compiles this file with its own macro and carries only
 * its filters of the table: mugai-filter (MUGAI_FILTER_FULL) the FULL, LITE
 * and MAIL ones, mugai-filter-lite (MUGAI_FILTER_LITE) the LITE ones (no
 * poppler, cairo or image decoders to load per task), mugai-filter-mail
 * (MUGAI_FILTER_MAIL) the MAIL ones (GMime, GLib, jansson: no libxml2 or
 * libarchive either), mugai-filter-mupdf (MUGAI_FILTER_MUPDF) the MUPDF ones
 * (MuPDF, AGPL-3.0, in no other binary).
 * The references to the others are weak: a static library's member is not
 * linked in for a weak reference, so those filters, and the libraries only
 * they need, are not in the binary, and their entries are NULL.  Built
 * without a macro (mugai_filters, for the tests and mugai-filter-test) it
 * refers to every filter. */
#define FILTER_WEAK __attribute__((weak))
#if defined(MUGAI_FILTER_LITE)
#define FILTER_REF_LITE
#define FILTER_REF_FULL FILTER_WEAK
#define FILTER_REF_MUPDF FILTER_WEAK
#define FILTER_REF_MAIL FILTER_WEAK
#elif defined(MUGAI_FILTER_MAIL)
#define FILTER_REF_LITE FILTER_WEAK
#define FILTER_REF_FULL FILTER_WEAK
#define FILTER_REF_MUPDF FILTER_WEAK
#define FILTER_REF_MAIL
#elif defined(MUGAI_FILTER_MUPDF)
#define FILTER_REF_LITE FILTER_WEAK
#define FILTER_REF_FULL FILTER_WEAK
#define FILTER_REF_MUPDF
#define FILTER_REF_MAIL FILTER_WEAK
#elif defined(MUGAI_FILTER_FULL)
#define FILTER_REF_LITE
#define FILTER_REF_FULL
#define FILTER_REF_MUPDF FILTER_WEAK
#define FILTER_REF_MAIL
#else
#define FILTER_REF_LITE
#define FILTER_REF_FULL
#define FILTER_REF_MUPDF
#define FILTER_REF_MAIL
#endif

#define FILTER_DECLARE(sym, name, bin, lim) extern const struct filter_ops sym FILTER_REF_##bin;
FILTERPROTO_FILTERS(FILTER_DECLARE)

#define FILTER_ENTRY(sym, name, bin, lim) &sym,
static const struct filter_ops *const table[] = {
	FILTERPROTO_FILTERS(FILTER_ENTRY)
	NULL,
};

#define TABLE_N (sizeof(table) / sizeof(table[0]) - 1)

/* entries may be NULL in the helper binaries (see above); the array ends after TABLE_N */
const struct filter_ops *const *filter_table(void)
{
	return table;
}

/* Misbehaving filters for the sandbox tests exist only in mugai-filter-test,
 * which links tests/filterd/test_filters.c; in mugai-filter this is NULL. */
extern const struct filter_ops *const filter_test_table[] __attribute__((weak));

const struct filter_ops *filter_lookup(const char *name)
{
	for (size_t i = 0; i < TABLE_N; i++)
		if (table[i] != NULL && strcmp(table[i]->name, name) == 0)
			return table[i];
	if (filter_test_table != NULL)
		for (size_t i = 0; filter_test_table[i] != NULL; i++)
			if (strcmp(filter_test_table[i]->name, name) == 0)
				return filter_test_table[i];
	return NULL;
}
