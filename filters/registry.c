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

const struct filter_ops *filter_lookup(const char *name)
{
	for (size_t i = 0; table[i] != NULL; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}
