/* registry.c - the filter table: one line per filter */
#include "filter.h"

#include <string.h>

extern const struct filter_ops filter_pdf_image;
extern const struct filter_ops filter_pdf_text;
extern const struct filter_ops filter_text;
extern const struct filter_ops filter_html_text;
extern const struct filter_ops filter_image;
extern const struct filter_ops filter_unpack;

static const struct filter_ops *const table[] = {
	&filter_pdf_image,
	&filter_pdf_text,
	&filter_text,
	&filter_html_text,
	&filter_image,
	&filter_unpack,
	NULL,
};

const struct filter_ops *const *filter_table(void)
{
	return table;
}

/* Misbehaving filters for the sandbox tests exist only in mugai-filter-test,
 * which links tests/filterd/test_filters.c; in mugai-filter this is NULL. */
extern const struct filter_ops *const filter_test_table[] __attribute__((weak));

const struct filter_ops *filter_lookup(const char *name)
{
	for (size_t i = 0; table[i] != NULL; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	if (filter_test_table != NULL)
		for (size_t i = 0; filter_test_table[i] != NULL; i++)
			if (strcmp(filter_test_table[i]->name, name) == 0)
				return filter_test_table[i];
	return NULL;
}
