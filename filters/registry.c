/* registry.c - the filter ops table, built from the filter table
 * (FILTERPROTO_FILTERS in mugai/filterproto.h) */
#include "filter.h"

#include <string.h>

/* Each helper binary compiles this file with its own macro and carries only
 * its filters of the table: mugai-filter (MUGAI_FILTER_FULL) the FULL and LITE
 * ones, mugai-filter-lite (MUGAI_FILTER_LITE) the LITE ones (no poppler,
 * cairo or image decoders to load per task), mugai-filter-mupdf
 * (MUGAI_FILTER_MUPDF) the MUPDF ones (MuPDF, AGPL-3.0, in no other binary).
 * The references to the others are weak: a static library's member is not
 * linked in for a weak reference, so those filters, and the libraries only
 * they need, are not in the binary, and their entries are NULL.  Built
 * without a macro (mugai_filters, for the tests and mugai-filter-test) it
 * refers to every filter. */
#if defined(MUGAI_FILTER_LITE)
#define FILTER_REF_LITE
#define FILTER_REF_FULL __attribute__((weak))
#define FILTER_REF_MUPDF __attribute__((weak))
#elif defined(MUGAI_FILTER_MUPDF)
#define FILTER_REF_LITE __attribute__((weak))
#define FILTER_REF_FULL __attribute__((weak))
#define FILTER_REF_MUPDF
#elif defined(MUGAI_FILTER_FULL)
#define FILTER_REF_LITE
#define FILTER_REF_FULL
#define FILTER_REF_MUPDF __attribute__((weak))
#else
#define FILTER_REF_LITE
#define FILTER_REF_FULL
#define FILTER_REF_MUPDF
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
