/*
 * ooxml_text.c - the text of docx/xlsx/pptx (and their macro and template
 * variants) with libarchive + libxml2, without LibreOffice: fast.
 *
 *   docx: headers, then the body (paragraphs; table cells separated by tabs,
 *         rows by new lines), then footers, footnotes, endnotes, comments
 *   xlsx: every sheet in workbook order as "# name" and TSV rows; shared
 *         strings resolved, phonetic guides (furigana, rPh) left out
 *   pptx: every slide in presentation order as "# slide N" and its text
 *
 * Field codes, deleted text and markup-compatibility fallbacks (which
 * repeat the text of their choice) are not text.
 */
#include "filter.h"
#include "ooxml.h"
#include "mugai/mimetype.h"
#include "textenc.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define XLSX_MAX_COLUMNS 16384 /* Excel's own: XFD */

struct text_ctx {
	GString *out;
	uint64_t max;
	int in_cell;            /* docx: depth of w:tc */
	bool too_large;
};

static void text_add(struct text_ctx *t, const char *s)
{
	if (t->too_large)
		return;
	g_string_append(t->out, s);
	if ((uint64_t)t->out->len > t->max)
		t->too_large = true;
}

static void text_add_content(struct text_ctx *t, xmlNodePtr n)
{
	xmlChar *c = xmlNodeGetContent(n);

	if (c != NULL) {
		text_add(t, (const char *)c);
		xmlFree(c);
	}
}

static void text_trim_end(struct text_ctx *t, char ch)
{
	if (t->out->len > 0 && t->out->str[t->out->len - 1] == ch)
		g_string_truncate(t->out, t->out->len - 1);
}

static bool text_parent_is(xmlNodePtr n, const char *name)
{
	return n->parent != NULL && ooxml_is(n->parent, name);
}

/* --- docx and pptx: runs of text in paragraphs --------------------------- */

static bool para_enter(xmlNodePtr n, void *ctx)
{
	struct text_ctx *t = ctx;

	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (ooxml_is(n, "t")) {
		text_add_content(t, n);
		return false;
	}
	if ((ooxml_is(n, "tab") || ooxml_is(n, "br") || ooxml_is(n, "cr")) &&
	    (text_parent_is(n, "r") || text_parent_is(n, "p"))) {
		text_add(t, ooxml_is(n, "tab") ? "\t" : "\n");
		return false;
	}
	if (ooxml_is(n, "tc"))
		t->in_cell++;
	/* not text: field codes, deleted runs, properties, the fallback copy
	 * of an alternate content */
	return !(ooxml_is(n, "instrText") || ooxml_is(n, "delText") ||
		 ooxml_is(n, "delInstrText") || ooxml_is(n, "Fallback") || ooxml_is(n, "pPr") ||
		 ooxml_is(n, "rPr") || ooxml_is(n, "sectPr"));
}

static void para_leave(xmlNodePtr n, void *ctx)
{
	struct text_ctx *t = ctx;

	if (ooxml_is(n, "p")) {
		text_add(t, t->in_cell > 0 ? " " : "\n");
	} else if (ooxml_is(n, "tc")) {
		t->in_cell--;
		text_trim_end(t, ' ');
		text_add(t, "\t");
	} else if (ooxml_is(n, "tr")) {
		text_trim_end(t, '\t');
		text_add(t, "\n");
	}
}

static int text_of_part(const struct ooxml_pkg *pkg, const char *name, struct text_ctx *t,
			struct filter_result *res)
{
	struct ooxml_part *p = ooxml_find(pkg, name);
	xmlDocPtr doc;
	int rc;

	if (p == NULL)
		return 0; /* a relationship to a missing part: nothing to read */
	doc = ooxml_parse(p, res);
	if (doc == NULL)
		return -1;
	t->in_cell = 0;
	rc = ooxml_walk(xmlDocGetRootElement(doc), para_enter, para_leave, t);
	xmlFreeDoc(doc);
	if (rc != 0)
		filter_set(res, FILTER_BLOCKED, "office-too-complex: %s has more than %d elements",
			   name, OOXML_WALK_MAX_NODES);
	return rc;
}

static int docx_text(const struct ooxml_pkg *pkg, struct text_ctx *t, struct filter_result *res)
{
	static const char *const order[] = { "header", NULL, "footer", "footnotes", "endnotes",
					     "comments" };
	struct ooxml_rel *rels;
	size_t n;
	int rc = 0;

	if (ooxml_rels(pkg, pkg->main, &rels, &n, res) != 0)
		return -1;
	for (size_t k = 0; k < G_N_ELEMENTS(order) && rc == 0; k++) {
		if (order[k] == NULL) {
			rc = text_of_part(pkg, pkg->main, t, res);
			continue;
		}
		for (size_t i = 0; i < n && rc == 0; i++)
			if (!rels[i].external && ooxml_rel_is(&rels[i], order[k]))
				rc = text_of_part(pkg, rels[i].target, t, res);
	}
	ooxml_rels_free(rels, n);
	return rc;
}

static const char *rel_target(const struct ooxml_rel *rels, size_t n, const char *id)
{
	for (size_t i = 0; id != NULL && i < n; i++)
		if (!rels[i].external && strcmp(rels[i].id, id) == 0)
			return rels[i].target;
	return NULL;
}

static int pptx_text(const struct ooxml_pkg *pkg, struct text_ctx *t, struct filter_result *res)
{
	struct ooxml_part *p = ooxml_find(pkg, pkg->main);
	struct ooxml_rel *rels;
	size_t n;
	xmlDocPtr doc;
	xmlNodePtr list = NULL;
	unsigned slide = 0;
	int rc = 0;

	if (p == NULL || (doc = ooxml_parse(p, res)) == NULL)
		return -1;
	if (ooxml_rels(pkg, pkg->main, &rels, &n, res) != 0) {
		xmlFreeDoc(doc);
		return -1;
	}
	for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c != NULL; c = c->next)
		if (ooxml_is(c, "sldIdLst"))
			list = c;
	for (xmlNodePtr s = list != NULL ? list->children : NULL; s != NULL && rc == 0;
	     s = s->next) {
		char *id, head[32];
		const char *target;

		if (!ooxml_is(s, "sldId"))
			continue;
		id = ooxml_attr(s, "id", OOXML_NS_R);
		target = rel_target(rels, n, id);
		g_free(id);
		if (target == NULL)
			continue;
		snprintf(head, sizeof(head), "# slide %u\n", ++slide);
		text_add(t, head);
		rc = text_of_part(pkg, target, t, res);
	}
	ooxml_rels_free(rels, n);
	xmlFreeDoc(doc);
	return rc;
}

/* --- xlsx ------------------------------------------------------------------ */

struct si_ctx {
	GString *s;
};

static bool si_enter(xmlNodePtr n, void *ctx)
{
	struct si_ctx *c = ctx;

	if (ooxml_is(n, "rPh") || ooxml_is(n, "phoneticPr"))
		return false; /* furigana: not the cell's text */
	if (ooxml_is(n, "t")) {
		xmlChar *v = xmlNodeGetContent(n);

		if (v != NULL) {
			g_string_append(c->s, (const char *)v);
			xmlFree(v);
		}
		return false;
	}
	return n->type == XML_ELEMENT_NODE;
}

/* text of an <si> or <is>: its t elements, without phonetic runs */
static char *xlsx_rich_text(xmlNodePtr n)
{
	struct si_ctx c = { g_string_new(NULL) };

	ooxml_walk(n, si_enter, NULL, &c);
	return g_string_free(c.s, FALSE);
}

static int xlsx_shared_strings(const struct ooxml_pkg *pkg, const struct ooxml_rel *rels,
			       size_t n, GPtrArray *sst, uint64_t max, struct filter_result *res)
{
	struct ooxml_part *p = NULL;
	xmlDocPtr doc;
	uint64_t bytes = 0;

	for (size_t i = 0; i < n && p == NULL; i++)
		if (!rels[i].external && ooxml_rel_is(&rels[i], "sharedStrings"))
			p = ooxml_find(pkg, rels[i].target);
	if (p == NULL)
		return 0;
	if ((doc = ooxml_parse(p, res)) == NULL)
		return -1;
	for (xmlNodePtr si = xmlDocGetRootElement(doc)->children; si != NULL; si = si->next) {
		char *s;

		if (!ooxml_is(si, "si"))
			continue;
		s = xlsx_rich_text(si);
		bytes += strlen(s);
		g_ptr_array_add(sst, s);
		if (bytes > max) {
			xmlFreeDoc(doc);
			filter_set(res, FILTER_BLOCKED, "output-too-large: shared strings exceed "
				   "%llu bytes", (unsigned long long)max);
			return -1;
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/* "BC12" -> 55 (1-based column); 0 when the reference has no letters */
static unsigned xlsx_column(const char *ref)
{
	unsigned col = 0;

	for (const char *p = ref; p != NULL && g_ascii_isalpha(*p); p++) {
		col = col * 26 + (unsigned)(g_ascii_toupper(*p) - 'A' + 1);
		if (col > XLSX_MAX_COLUMNS)
			return XLSX_MAX_COLUMNS;
	}
	return col;
}

static void xlsx_cell(xmlNodePtr c, GPtrArray *sst, struct text_ctx *t, unsigned *col)
{
	char *ref = ooxml_attr(c, "r", NULL), *type = ooxml_attr(c, "t", NULL);
	unsigned want = xlsx_column(ref);
	char *val = NULL;

	if (want == 0)
		want = *col + 1;
	for (xmlNodePtr k = c->children; k != NULL; k = k->next) {
		if (ooxml_is(k, "v")) {
			xmlChar *v = xmlNodeGetContent(k);

			g_free(val);
			val = g_strdup(v != NULL ? (const char *)v : "");
			xmlFree(v);
		} else if (ooxml_is(k, "is")) {
			g_free(val);
			val = xlsx_rich_text(k);
		}
	}
	if (val != NULL && type != NULL && strcmp(type, "s") == 0) {
		char *end;
		unsigned long idx = strtoul(val, &end, 10);
		bool ok = *end == '\0' && end != val && idx < sst->len;

		g_free(val);
		val = g_strdup(ok ? (const char *)g_ptr_array_index(sst, idx) : "");
	} else if (val != NULL && type != NULL && strcmp(type, "b") == 0) {
		char *b = g_strdup(strcmp(val, "1") == 0 ? "TRUE" : "FALSE");

		g_free(val);
		val = b;
	}
	if (val != NULL && val[0] != '\0') {
		/* tabs and new lines inside a cell would break the TSV */
		g_strdelimit(val, "\t\r\n", ' ');
		/* after column k the line holds k-1 tabs: column want needs
		 * want-k more (want-1 on an empty line) */
		unsigned tabs = *col == 0 ? want - 1 : want > *col ? want - *col : 1;

		for (unsigned i = 0; i < tabs && !t->too_large; i++)
			text_add(t, "\t");
		text_add(t, val);
		*col = want > *col ? want : *col + 1;
	}
	g_free(val);
	g_free(ref);
	g_free(type);
}

static int xlsx_sheet(const struct ooxml_pkg *pkg, const char *name, GPtrArray *sst,
		      struct text_ctx *t, struct filter_result *res)
{
	struct ooxml_part *p = ooxml_find(pkg, name);
	xmlDocPtr doc;
	xmlNodePtr data = NULL;

	if (p == NULL)
		return 0;
	if ((doc = ooxml_parse(p, res)) == NULL)
		return -1;
	for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c != NULL; c = c->next)
		if (ooxml_is(c, "sheetData"))
			data = c;
	for (xmlNodePtr row = data != NULL ? data->children : NULL; row != NULL && !t->too_large;
	     row = row->next) {
		unsigned col = 0;

		if (!ooxml_is(row, "row"))
			continue;
		for (xmlNodePtr c = row->children; c != NULL; c = c->next)
			if (ooxml_is(c, "c"))
				xlsx_cell(c, sst, t, &col);
		if (col > 0)
			text_add(t, "\n");
	}
	xmlFreeDoc(doc);
	return 0;
}

static int xlsx_text(const struct ooxml_pkg *pkg, struct text_ctx *t, struct filter_result *res)
{
	struct ooxml_part *p = ooxml_find(pkg, pkg->main);
	struct ooxml_rel *rels;
	size_t n;
	xmlDocPtr doc;
	GPtrArray *sst = g_ptr_array_new_with_free_func(g_free);
	int rc = 0;

	if (p == NULL || (doc = ooxml_parse(p, res)) == NULL) {
		g_ptr_array_free(sst, TRUE);
		return -1;
	}
	if (ooxml_rels(pkg, pkg->main, &rels, &n, res) != 0) {
		xmlFreeDoc(doc);
		g_ptr_array_free(sst, TRUE);
		return -1;
	}
	rc = xlsx_shared_strings(pkg, rels, n, sst, t->max, res);
	for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c != NULL && rc == 0; c = c->next) {
		if (!ooxml_is(c, "sheets"))
			continue;
		for (xmlNodePtr s = c->children; s != NULL && rc == 0; s = s->next) {
			char *id, *sname;
			const char *target;

			if (!ooxml_is(s, "sheet"))
				continue;
			id = ooxml_attr(s, "id", OOXML_NS_R);
			sname = ooxml_attr(s, "name", NULL);
			target = rel_target(rels, n, id);
			if (target != NULL) {
				text_add(t, "# ");
				text_add(t, sname != NULL ? sname : "");
				text_add(t, "\n");
				rc = xlsx_sheet(pkg, target, sst, t, res);
			}
			g_free(id);
			g_free(sname);
		}
	}
	ooxml_rels_free(rels, n);
	xmlFreeDoc(doc);
	g_ptr_array_free(sst, TRUE);
	return rc;
}

static int ooxml_text_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			  struct filter_result *res)
{
	struct ooxml_pkg pkg;
	struct text_ctx t;
	int rc;

	if (ooxml_load(in_fd, lim, &pkg, res) != 0)
		return 0;
	memset(&t, 0, sizeof(t));
	t.out = g_string_new(NULL);
	t.max = lim->max_output_bytes;
	switch (pkg.kind) {
	case OOXML_WORD:
		rc = docx_text(&pkg, &t, res);
		break;
	case OOXML_EXCEL:
		rc = xlsx_text(&pkg, &t, res);
		break;
	default:
		rc = pptx_text(&pkg, &t, res);
		break;
	}
	if (rc == 0 && t.too_large) {
		filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes of text "
			   "([limits] filter_output_max)", (unsigned long long)t.max);
	} else if (rc == 0) {
		size_t len = textenc_clean(t.out->str, t.out->len);

		if (text_write_output(out_dir_fd, t.out->str, len, lim, res))
			filter_set(res, FILTER_OK, "text of the %s document",
				   pkg.kind == OOXML_WORD ? "Word" :
				   pkg.kind == OOXML_EXCEL ? "Excel" : "PowerPoint");
	}
	g_string_free(t.out, TRUE);
	ooxml_free(&pkg);
	return 0;
}

const struct filter_ops filter_ooxml_text = { "ooxml-text", mimetype_is_ooxml, ooxml_text_run, 0 };
