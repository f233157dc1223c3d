/*
 * ooxml_cdr.c - content disarm and reconstruction of docx/xlsx/pptx: the
 * package is rebuilt from an allow-list, so the result is still an
 * editable Office document (the guideline's "sanitisation") and nothing
 * active survives.
 *
 * Kept: XML parts of the OOXML vocabularies (document, styles, sheets,
 * slides, charts, themes, properties ...) and PNG/JPEG/GIF images whose
 * bytes are what they claim.  Everything else is dropped, in particular:
 *   - macros (vbaProject.bin, vbaData.xml, whatever their name: by type,
 *     relationship and content), ActiveX controls, OLE embeddings and
 *     embedded packages, custom UI, digital signatures, external links
 *   - every relationship with TargetMode="External" (remote templates,
 *     linked images, external data, hyperlinks), or to a dropped part
 *   - parts no kept relationship reaches
 * In the kept XML, references to dropped relationships are removed (the
 * element for OLE objects, controls, templates; the attribute otherwise),
 * Word field codes that fetch or run (DDE, DDEAUTO, INCLUDETEXT,
 * INCLUDEPICTURE, IMPORT, LINK) are emptied, and Excel formulas with a DDE
 * reference (cmd|' /c calc'!A0) are removed, keeping the cached value.
 * A macro-enabled or template main part becomes the plain document type:
 * docm/dotm/dotx -> docx, xlsm/xltm/xltx -> xlsx, pptm/ppsm/potm -> pptx.
 */
#include "filter.h"
#include "ooxml.h"
#include "mugai/mimetype.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CDR_FIELD_DEPTH 32 /* nested Word fields we follow */

struct cdr {
	struct ooxml_pkg pkg;
	GHashTable *dropped_ids;  /* source part name -> set of relationship ids */
	GHashTable *none;         /* the empty set */
	unsigned parts_removed, rels_removed, external_removed, fields, formulas, refs;
	GString *removed_names;   /* a few names for the report */
	char *main_ctype;         /* the plain type of the main part */
};

static bool str_has_ci(const char *hay, const char *needle)
{
	char *h = g_ascii_strdown(hay, -1);
	bool hit = strstr(h, needle) != NULL;

	g_free(h);
	return hit;
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && strcmp(s + a - b, sfx) == 0;
}

/* --- which parts and relationships survive ------------------------------ */

static const char *const cdr_bad_names[] = {
	"vbaproject", "vbadata", "activex", "embeddings/", "customui", "_xmlsignatures",
	"attachedtoolbars", "ctrlprops/", "printersettings", NULL,
};

static const char *const cdr_bad_ctypes[] = {
	"activex", "oleobject", "externallink", "customxml", "vba", "macro", "control",
	"signature", "printersettings", "keymapcustomizations", NULL,
};

static const char *const cdr_ms_ctypes[] = {
	"application/vnd.ms-word.stylesWithEffects+xml",
	"application/vnd.ms-office.chartstyle+xml",
	"application/vnd.ms-office.chartcolorstyle+xml",
	"application/vnd.ms-office.drawingml.diagramDrawing+xml",
	NULL,
};

static bool cdr_image_ok(const struct ooxml_part *p)
{
	const unsigned char *d = p->data;

	if (strcmp(p->ctype, "image/png") == 0)
		return p->len > 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0;
	if (strcmp(p->ctype, "image/jpeg") == 0)
		return p->len > 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;
	if (strcmp(p->ctype, "image/gif") == 0)
		return p->len > 6 && memcmp(d, "GIF8", 4) == 0;
	return false;
}

static bool cdr_part_allowed(const struct cdr *c, const struct ooxml_part *p)
{
	const char *ct = p->ctype;

	if (ends_with(p->name, ".rels") || strcmp(p->name, OOXML_CT_PART) == 0)
		return true; /* rebuilt below */
	if (strcmp(p->name, c->pkg.main) == 0)
		return ct != NULL && ends_with(ct, "+xml");
	for (size_t i = 0; cdr_bad_names[i] != NULL; i++)
		if (str_has_ci(p->name, cdr_bad_names[i]))
			return false;
	if (ct == NULL)
		return false;
	if (strncmp(ct, "image/", 6) == 0)
		return cdr_image_ok(p);
	for (size_t i = 0; cdr_bad_ctypes[i] != NULL; i++)
		if (str_has_ci(ct, cdr_bad_ctypes[i]))
			return false;
	if (!ends_with(ct, "+xml"))
		return false;
	if (strncmp(ct, "application/vnd.openxmlformats-officedocument.", 46) == 0 ||
	    strcmp(ct, "application/vnd.openxmlformats-package.core-properties+xml") == 0)
		return true;
	for (size_t i = 0; cdr_ms_ctypes[i] != NULL; i++)
		if (strcmp(ct, cdr_ms_ctypes[i]) == 0)
			return true;
	return false;
}

/* relationship types that are never kept, whatever they point at */
static const char *const cdr_bad_rel_types[] = {
	"vbaProject", "vbaProjectSignature", "vbaProjectSignatureAgile", "wordVbaData",
	"attachedTemplate", "oleObject", "package", "control", "activeXControlBinary",
	"extensibility", "origin", "signature", "externalLink", "externalLinkPath",
	"frame", "subDocument", "keyMapCustomizations", "attachedToolbars", "customData",
	"customXml", "customXmlProps", "printerSettings", "ctrlProp", "dataSource",
	"mailMergeSource", "mailMergeHeaderSource", "recipientData", "webExtension",
	"webextensiontaskpanes", NULL,
};

static bool cdr_rel_kept(const struct cdr *c, const struct ooxml_rel *r)
{
	struct ooxml_part *t;

	if (r->external)
		return false;
	for (size_t i = 0; cdr_bad_rel_types[i] != NULL; i++)
		if (ooxml_rel_is(r, cdr_bad_rel_types[i]))
			return false;
	t = ooxml_find(&c->pkg, r->target);
	return t != NULL && t->keep && !ends_with(t->name, ".rels") &&
	       strcmp(t->name, OOXML_CT_PART) != 0;
}

static void cdr_note_removed(struct cdr *c, const char *name)
{
	c->parts_removed++;
	if (c->removed_names->len < 120)
		g_string_append_printf(c->removed_names, "%s%s", c->removed_names->len ? ", " : "",
				       name);
}

/* The dropped relationship ids of every kept part, then the parts that no
 * kept relationship reaches from the package are dropped too. */
static int cdr_relationships(struct cdr *c, struct filter_result *res)
{
	GQueue todo = G_QUEUE_INIT;
	GHashTable *reached = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int rc = 0;

	g_queue_push_tail(&todo, g_strdup(""));
	g_hash_table_add(reached, g_strdup(""));
	while (rc == 0 && !g_queue_is_empty(&todo)) {
		char *src = g_queue_pop_head(&todo);
		struct ooxml_rel *rels;
		size_t n;
		GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

		if (ooxml_rels(&c->pkg, src, &rels, &n, res) != 0) {
			rc = -1;
		} else {
			for (size_t i = 0; i < n; i++) {
				struct ooxml_part *t;

				if (!cdr_rel_kept(c, &rels[i])) {
					g_hash_table_add(ids, g_strdup(rels[i].id));
					c->rels_removed++;
					if (rels[i].external)
						c->external_removed++;
					continue;
				}
				t = ooxml_find(&c->pkg, rels[i].target);
				if (!g_hash_table_contains(reached, t->name)) {
					g_hash_table_add(reached, g_strdup(t->name));
					g_queue_push_tail(&todo, g_strdup(t->name));
				}
			}
			ooxml_rels_free(rels, n);
		}
		g_hash_table_insert(c->dropped_ids, src, ids);
	}
	g_queue_clear_full(&todo, g_free);
	for (size_t i = 0; rc == 0 && i < c->pkg.n; i++) {
		struct ooxml_part *p = &c->pkg.parts[i];

		if (!p->keep || ends_with(p->name, ".rels") || strcmp(p->name, OOXML_CT_PART) == 0)
			continue;
		if (!g_hash_table_contains(reached, p->name)) {
			p->keep = false;
			cdr_note_removed(c, p->name);
		}
	}
	/* a .rels part survives only with its source part */
	for (size_t i = 0; rc == 0 && i < c->pkg.n; i++) {
		struct ooxml_part *p = &c->pkg.parts[i];

		if (ends_with(p->name, ".rels") && p->keep) {
			bool found = false;

			for (size_t k = 0; k < c->pkg.n && !found; k++) {
				char *rn = ooxml_rels_name(c->pkg.parts[k].name);

				found = c->pkg.parts[k].keep && g_ascii_strcasecmp(rn, p->name) == 0 &&
					!ends_with(c->pkg.parts[k].name, ".rels");
				g_free(rn);
			}
			if (!found && g_ascii_strcasecmp(p->name, "_rels/.rels") != 0)
				p->keep = false;
		}
	}
	g_hash_table_destroy(reached);
	return rc;
}

/* --- rewriting the kept XML --------------------------------------------- */

/* elements that are nothing but a reference to what was dropped */
static const char *const cdr_ref_elements[] = {
	"OLEObject", "control", "attachedTemplate", "externalReference", "oleObject",
	"subDoc", "legacyDrawing", "legacyDrawingHF", "oleObj", "webExtension", NULL,
};

static const char *const cdr_bad_fields[] = {
	"DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE", "IMPORT", "LINK", "INCLUDE", NULL,
};

struct rewrite {
	struct cdr *c;
	GHashTable *ids;          /* dropped ids of this part */
	GPtrArray *remove;        /* nodes to unlink after the walk */
	GPtrArray *unwrap;        /* nodes replaced by their children */
	GPtrArray *fields[CDR_FIELD_DEPTH]; /* instrText nodes of open fields */
	int depth;
	bool overflow;
};

static bool cdr_field_bad(const char *instr)
{
	char word[32];
	size_t n = 0;

	while (*instr == ' ' || *instr == '\t' || *instr == '{' || *instr == '"')
		instr++;
	while (n + 1 < sizeof(word) && g_ascii_isalpha(instr[n])) {
		word[n] = g_ascii_toupper(instr[n]);
		n++;
	}
	word[n] = '\0';
	for (size_t i = 0; cdr_bad_fields[i] != NULL; i++)
		if (strcmp(word, cdr_bad_fields[i]) == 0)
			return true;
	return false;
}

/* a complex field's instruction is complete: empty it when it is bad */
static void cdr_field_close(struct rewrite *w)
{
	GPtrArray *f;
	GString *instr = g_string_new(NULL);

	if (w->depth <= 0)
		return;
	f = w->fields[w->depth - 1];
	for (guint i = 0; i < f->len; i++) {
		xmlChar *t = xmlNodeGetContent(g_ptr_array_index(f, i));

		if (t != NULL) {
			g_string_append(instr, (const char *)t);
			xmlFree(t);
		}
	}
	if (f->len > 0 && cdr_field_bad(instr->str)) {
		for (guint i = 0; i < f->len; i++)
			xmlNodeSetContent(g_ptr_array_index(f, i), (const xmlChar *)"");
		w->c->fields++;
	}
	g_ptr_array_set_size(f, 0);
	g_string_free(instr, TRUE);
}

static void cdr_fldchar(struct rewrite *w, xmlNodePtr n)
{
	xmlChar *t = NULL;

	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		if (strcmp((const char *)a->name, "fldCharType") == 0)
			t = xmlNodeGetContent((xmlNodePtr)a);
	if (t == NULL)
		return;
	if (strcmp((const char *)t, "begin") == 0) {
		if (w->depth < CDR_FIELD_DEPTH) {
			if (w->fields[w->depth] == NULL)
				w->fields[w->depth] = g_ptr_array_new();
			g_ptr_array_set_size(w->fields[w->depth], 0);
		} else {
			w->overflow = true;
		}
		w->depth++;
	} else if (strcmp((const char *)t, "separate") == 0) {
		if (w->depth <= CDR_FIELD_DEPTH)
			cdr_field_close(w);
	} else if (strcmp((const char *)t, "end") == 0) {
		if (w->depth > 0 && w->depth <= CDR_FIELD_DEPTH)
			cdr_field_close(w);
		if (w->depth > 0)
			w->depth--;
	}
	xmlFree(t);
}

static bool cdr_enter(xmlNodePtr n, void *ctx)
{
	struct rewrite *w = ctx;
	xmlAttrPtr a, next;

	if (n->type != XML_ELEMENT_NODE)
		return false;
	/* references to dropped relationships */
	for (a = n->properties; a != NULL; a = next) {
		xmlChar *v;

		next = a->next;
		if (a->ns == NULL || a->ns->href == NULL ||
		    strcmp((const char *)a->ns->href, OOXML_NS_R) != 0)
			continue;
		v = xmlNodeGetContent((xmlNodePtr)a);
		if (v != NULL && g_hash_table_contains(w->ids, v)) {
			bool whole = false;

			for (size_t i = 0; cdr_ref_elements[i] != NULL; i++)
				if (ooxml_is(n, cdr_ref_elements[i]))
					whole = true;
			w->c->refs++;
			if (whole) {
				xmlFree(v);
				g_ptr_array_add(w->remove, n);
				return false;
			}
			xmlRemoveProp(a);
		}
		xmlFree(v);
	}
	/* Word fields */
	if (ooxml_is(n, "fldChar")) {
		cdr_fldchar(w, n);
	} else if (ooxml_is(n, "instrText")) {
		if (w->depth > 0 && w->depth <= CDR_FIELD_DEPTH)
			g_ptr_array_add(w->fields[w->depth - 1], n);
		else if (w->overflow)
			xmlNodeSetContent(n, (const xmlChar *)""); /* too deep to follow: empty */
		return false;
	} else if (ooxml_is(n, "fldSimple")) {
		for (a = n->properties; a != NULL; a = a->next)
			if (strcmp((const char *)a->name, "instr") == 0) {
				xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);

				if (v != NULL && cdr_field_bad((const char *)v)) {
					g_ptr_array_add(w->unwrap, n);
					w->c->fields++;
				}
				xmlFree(v);
			}
	} else if (ooxml_is(n, "f") && w->c->pkg.kind == OOXML_EXCEL) {
		/* a DDE formula: app|'topic'!item */
		xmlChar *v = xmlNodeGetContent(n);

		if (v != NULL && strchr((const char *)v, '|') != NULL) {
			g_ptr_array_add(w->remove, n);
			w->c->formulas++;
		}
		xmlFree(v);
		return false;
	}
	return true;
}

/* serialise doc into p's data */
static int cdr_store(struct ooxml_part *p, xmlDocPtr doc, struct filter_result *res)
{
	xmlChar *buf = NULL;
	int len = 0;

	xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
	if (buf == NULL || len <= 0) {
		filter_set(res, FILTER_FAILED, "internal: cannot serialise %s", p->name);
		return -1;
	}
	g_free(p->data);
	p->data = g_memdup2(buf, (gsize)len);
	p->len = (size_t)len;
	xmlFree(buf);
	return 0;
}

static int cdr_rewrite_xml(struct cdr *c, struct ooxml_part *p, struct filter_result *res)
{
	struct rewrite w;
	xmlDocPtr doc = ooxml_parse(p, res);
	int rc;

	if (doc == NULL)
		return -1;
	memset(&w, 0, sizeof(w));
	w.c = c;
	/* keyed by the part names relationships resolve to: p->name */
	w.ids = g_hash_table_lookup(c->dropped_ids, p->name);
	if (w.ids == NULL)
		w.ids = c->none;
	w.remove = g_ptr_array_new();
	w.unwrap = g_ptr_array_new();
	rc = ooxml_walk(xmlDocGetRootElement(doc), cdr_enter, NULL, &w);
	if (rc != 0)
		filter_set(res, FILTER_BLOCKED, "office-too-complex: %s has more than %d elements",
			   p->name, OOXML_WALK_MAX_NODES);
	for (guint i = 0; i < w.unwrap->len; i++) {
		xmlNodePtr n = g_ptr_array_index(w.unwrap, i);

		while (n->children != NULL) {
			xmlNodePtr k = n->children;

			xmlUnlinkNode(k);
			xmlAddPrevSibling(n, k);
		}
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	/* nodes to remove are never inside one another: the walk skips the
	 * children of a removed node */
	for (guint i = 0; i < w.remove->len; i++) {
		xmlNodePtr n = g_ptr_array_index(w.remove, i), parent = n->parent;

		xmlUnlinkNode(n);
		xmlFreeNode(n);
		/* a list that must not be empty (externalReferences,
		 * controls, oleObjects) goes with its last entry */
		if (parent != NULL && parent->type == XML_ELEMENT_NODE &&
		    (ooxml_is(parent, "externalReferences") || ooxml_is(parent, "controls") ||
		     ooxml_is(parent, "oleObjects")) && xmlFirstElementChild(parent) == NULL) {
			xmlUnlinkNode(parent);
			xmlFreeNode(parent);
		}
	}
	for (int i = 0; i < CDR_FIELD_DEPTH; i++)
		if (w.fields[i] != NULL)
			g_ptr_array_free(w.fields[i], TRUE);
	g_ptr_array_free(w.remove, TRUE);
	g_ptr_array_free(w.unwrap, TRUE);
	if (rc == 0)
		rc = cdr_store(p, doc, res);
	xmlFreeDoc(doc);
	return rc;
}

/* keep only the relationships that survive in a .rels part */
static int cdr_rewrite_rels(struct cdr *c, struct ooxml_part *p, struct filter_result *res)
{
	gchar *lower = g_ascii_strdown(p->name, -1);
	const char *lr = strstr(lower, "_rels/"), *r;
	size_t off = lr != NULL ? (size_t)(lr - lower) : 0;
	xmlDocPtr doc;
	xmlNodePtr root, n, next;
	char *src;

	g_free(lower);
	/* part names match without regard to case (OPC; ooxml_rels_name's
	 * caller compares so): "word/_RELS/document.xml.rels" is one too.  A
	 * .rels part outside a _rels/ folder relates nothing: it goes */
	if (lr == NULL || strlen(p->name + off + 6) < 5) {
		p->keep = false;
		cdr_note_removed(c, p->name);
		return 0;
	}
	r = p->name + off;
	doc = ooxml_parse(p, res);
	if (doc == NULL)
		return -1;
	/* "word/_rels/document.xml.rels" -> "word/document.xml" */
	src = g_strdup_printf("%.*s%.*s", (int)(r - p->name), p->name,
			      (int)(strlen(r + 6) - 5), r + 6);
	root = xmlDocGetRootElement(doc);
	for (n = root != NULL ? root->children : NULL; n != NULL; n = next) {
		struct ooxml_rel rel;
		char *mode, *target;
		bool keep = false;

		next = n->next;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		memset(&rel, 0, sizeof(rel));
		if (ooxml_is(n, "Relationship")) {
			rel.id = ooxml_attr(n, "Id", NULL);
			rel.type = ooxml_attr(n, "Type", NULL);
			target = ooxml_attr(n, "Target", NULL);
			mode = ooxml_attr(n, "TargetMode", NULL);
			rel.external = mode != NULL || (target != NULL &&
				       (strchr(target, ':') != NULL || target[0] == '\\'));
			if (rel.id != NULL && rel.type != NULL && target != NULL && !rel.external) {
				rel.target = ooxml_resolve(src, target);
				keep = rel.target != NULL && cdr_rel_kept(c, &rel);
			}
			g_free(rel.id);
			g_free(rel.type);
			g_free(rel.target);
			g_free(target);
			g_free(mode);
		}
		if (!keep) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	g_free(src);
	if (cdr_store(p, doc, res) != 0) {
		xmlFreeDoc(doc);
		return -1;
	}
	xmlFreeDoc(doc);
	return 0;
}

/* --- the new package ----------------------------------------------------- */

static const char *cdr_plain_main(int kind)
{
	switch (kind) {
	case OOXML_WORD:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
	case OOXML_EXCEL:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
	default:
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml";
	}
}

static char *cdr_content_types(const struct cdr *c)
{
	GString *s = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
				  "<Types xmlns=\"" OOXML_NS_CT "\">"
				  "<Default Extension=\"rels\" ContentType=\""
				  "application/vnd.openxmlformats-package.relationships+xml\"/>"
				  "<Default Extension=\"xml\" ContentType=\"application/xml\"/>");

	for (size_t i = 0; i < c->pkg.n; i++) {
		const struct ooxml_part *p = &c->pkg.parts[i];
		char *name, *ct;

		if (!p->keep || ends_with(p->name, ".rels") || strcmp(p->name, OOXML_CT_PART) == 0)
			continue;
		name = g_markup_escape_text(p->name, -1);
		ct = g_markup_escape_text(strcmp(p->name, c->pkg.main) == 0 ? c->main_ctype :
					  p->ctype, -1);
		g_string_append_printf(s, "<Override PartName=\"/%s\" ContentType=\"%s\"/>", name, ct);
		g_free(name);
		g_free(ct);
	}
	g_string_append(s, "</Types>");
	return g_string_free(s, FALSE);
}

static int cdr_write_entry(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 315532800, 0); /* 1980-01-01: the ZIP epoch */
	rc = archive_write_header(a, e);
	if (rc == ARCHIVE_OK && len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
		rc = ARCHIVE_FATAL;
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : -1;
}

static int cdr_write(struct cdr *c, int out_dir_fd, const char *out_name,
		     const struct filter_limits *lim, struct filter_result *res)
{
	struct archive *a = archive_write_new();
	char *ct = cdr_content_types(c);
	struct ooxml_part *pr = ooxml_find(&c->pkg, "_rels/.rels");
	uint64_t total = strlen(ct);
	int fd = filter_create(out_dir_fd, out_name), rc = 0;

	if (fd < 0 || a == NULL) {
		filter_set(res, FILTER_FAILED, "cannot create the output");
		rc = -1;
		goto out;
	}
	archive_write_set_format_zip(a);
	archive_write_zip_set_compression_deflate(a);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK ||
	    cdr_write_entry(a, OOXML_CT_PART, ct, strlen(ct)) != 0 ||
	    (pr != NULL && cdr_write_entry(a, pr->name, pr->data, pr->len) != 0))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < c->pkg.n; i++) {
		struct ooxml_part *p = &c->pkg.parts[i];

		if (!p->keep || p == pr || strcmp(p->name, OOXML_CT_PART) == 0)
			continue;
		total += p->len;
		if (total > lim->max_output_bytes) {
			filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes "
				   "([limits] filter_output_max)",
				   (unsigned long long)lim->max_output_bytes);
			rc = -2;
			break;
		}
		rc = cdr_write_entry(a, p->name, p->data, p->len);
	}
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = -1;
	if (rc == -1)
		filter_set(res, FILTER_FAILED, "cannot write the output: %s",
			   archive_error_string(a) ? archive_error_string(a) : "write error");
out:
	if (a != NULL)
		archive_write_free(a);
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		filter_set(res, FILTER_FAILED, "cannot write the output");
		rc = -1;
	}
	if (rc != 0 && fd >= 0)
		unlinkat(out_dir_fd, out_name, 0);
	g_free(ct);
	return rc == 0 ? 0 : -1;
}

static int ooxml_cdr_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			 struct filter_result *res)
{
	struct cdr c;
	struct ooxml_part *mainp;
	const char *out_name;
	bool was_macro;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	if (ooxml_load(in_fd, lim, &c.pkg, res) != 0)
		return 0;
	c.dropped_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)g_hash_table_destroy);
	c.removed_names = g_string_new(NULL);
	c.none = g_hash_table_new(g_str_hash, g_str_equal);
	mainp = ooxml_find(&c.pkg, c.pkg.main);
	was_macro = str_has_ci(mainp->ctype, "macroenabled");
	c.main_ctype = g_strdup(cdr_plain_main(c.pkg.kind));
	out_name = c.pkg.kind == OOXML_WORD ? FILTERPROTO_OUT_DOCX :
		   c.pkg.kind == OOXML_EXCEL ? FILTERPROTO_OUT_XLSX : FILTERPROTO_OUT_PPTX;
	for (size_t i = 0; i < c.pkg.n; i++) {
		struct ooxml_part *p = &c.pkg.parts[i];

		p->keep = cdr_part_allowed(&c, p);
		if (!p->keep)
			cdr_note_removed(&c, p->name);
	}
	if (!mainp->keep) {
		filter_set(res, FILTER_FAILED, "unsupported-office: the main part is not XML "
			   "(%s)", mainp->ctype);
		rc = -1;
	}
	if (rc == 0)
		rc = cdr_relationships(&c, res);
	for (size_t i = 0; rc == 0 && i < c.pkg.n; i++) {
		struct ooxml_part *p = &c.pkg.parts[i];

		if (!p->keep || strcmp(p->name, OOXML_CT_PART) == 0)
			continue;
		if (ends_with(p->name, ".rels"))
			rc = cdr_rewrite_rels(&c, p, res);
		else if (ends_with(p->ctype, "+xml"))
			rc = cdr_rewrite_xml(&c, p, res);
	}
	if (rc == 0)
		rc = cdr_write(&c, out_dir_fd, out_name, lim, res);
	if (rc == 0) {
		filter_output(res, out_name);
		filter_set(res, FILTER_OK, "disarmed%s: removed %u parts%s%s%s, %u relationships "
			   "(%u external), %u references, %u field codes, %u DDE formulas",
			   was_macro ? " (macro-enabled made plain)" : "", c.parts_removed,
			   c.removed_names->len ? " (" : "", c.removed_names->str,
			   c.removed_names->len ? ")" : "", c.rels_removed, c.external_removed,
			   c.refs, c.fields, c.formulas);
	}
	g_string_free(c.removed_names, TRUE);
	g_hash_table_destroy(c.dropped_ids);
	g_hash_table_destroy(c.none);
	g_free(c.main_ctype);
	ooxml_free(&c.pkg);
	return 0;
}

const struct filter_ops filter_ooxml_cdr = { "ooxml-cdr", mimetype_is_ooxml, ooxml_cdr_run, 0 };
