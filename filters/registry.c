/* registry.c - the filter ops table, built from the filter table
 * (FILTERPROTO_FILTERS in mugai/filterproto.h) */
#include "filter.h"

#include <string.h>

/* mugai-filter-lite (built with MUGAI_FILTER_LITE) carries only the filters
 * the table marks LITE (no poppler, cairo or image decoders to load per
 * task).  There the references to the others are weak: a static library's
 * member is not linked in for a weak reference, so those filters, and the
 * libraries only they need, are not in the binary, and their entries are
 * NULL. */
#define FILTER_REF_LITE
#ifdef MUGAI_FILTER_LITE
#define FILTER_REF_FULL __attribute__((weak))
#else
#define FILTER_REF_FULL
#endif

#define FILTER_DECLARE(sym, name, bin, lim) extern const struct filter_ops sym FILTER_REF_##bin;
FILTERPROTO_FILTERS(FILTER_DECLARE)

#define FILTER_ENTRY(sym, name, bin, lim) &sym,
static const struct filter_ops *const table[] = {
	FILTERPROTO_FILTERS(FILTER_ENTRY)
	NULL,
};

#define TABLE_N (sizeof(table) / sizeof(table[0]) - 1)

/* entries may be NULL in mugai-filter-lite; the array ends after TABLE_N */
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
