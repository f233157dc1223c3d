/* registry.c - the filter table: one line per filter */
#include "filter.h"

#include <string.h>

/* mugai-filter-lite (built with MUGAI_FILTER_LITE) links only the filters
 * that need neither poppler nor cairo nor the image decoders (text,
 * html-text, unpack): the most frequent small jobs do not pay for loading
 * sixty libraries.  There the references are weak and a filter that is not
 * linked in is not in the table (its entry is NULL). */
#ifdef MUGAI_FILTER_LITE
#define FILTER_WEAK __attribute__((weak))
#else
#define FILTER_WEAK
#endif
extern const struct filter_ops filter_pdf_image FILTER_WEAK;
extern const struct filter_ops filter_pdf_text FILTER_WEAK;
extern const struct filter_ops filter_text FILTER_WEAK;
extern const struct filter_ops filter_html_text FILTER_WEAK;
extern const struct filter_ops filter_image FILTER_WEAK;
extern const struct filter_ops filter_unpack FILTER_WEAK;
extern const struct filter_ops filter_ooxml_text FILTER_WEAK;
extern const struct filter_ops filter_ooxml_cdr FILTER_WEAK;
extern const struct filter_ops filter_office_pdf FILTER_WEAK;
extern const struct filter_ops filter_office_ooxml FILTER_WEAK;
extern const struct filter_ops filter_mime_unpack FILTER_WEAK;
extern const struct filter_ops filter_mime_repack FILTER_WEAK;

static const struct filter_ops *const table[] = {
	&filter_pdf_image,
	&filter_pdf_text,
	&filter_text,
	&filter_html_text,
	&filter_image,
	&filter_unpack,
	&filter_ooxml_text,
	&filter_ooxml_cdr,
	&filter_office_pdf,
	&filter_office_ooxml,
	&filter_mime_unpack,
	&filter_mime_repack,
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
