/* ooxml.c - an OOXML package in memory, read under the archive limits */
#include "ooxml.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define OOXML_BLOCK (64 * 1024)
#define OOXML_RATIO_FLOOR (1024 * 1024) /* ratio checked past this many bytes */
#define OOXML_RELS_MAX 100000            /* relationships in one .rels part */
#define OOXML_DEFAULTS_MAX 256           /* Default entries of [Content_Types].xml */

bool ooxml_is(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

int ooxml_walk(xmlNodePtr root, bool (*enter)(xmlNodePtr n, void *ctx),
	       void (*leave)(xmlNodePtr n, void *ctx), void *ctx)
{
	xmlNodePtr n = root;
	unsigned long visited = 0;

	while (n != NULL) {
		if (++visited > OOXML_WALK_MAX_NODES)
			return -1;
		if (enter(n, ctx) && n->children != NULL) {
			n = n->children;
			continue;
		}
		/* leave n, then climb until a node has a next sibling */
		for (;;) {
			xmlNodePtr next = n->next, up = n->parent;

			if (leave != NULL)
				leave(n, ctx);
			if (n == root)
				return 0;
			if (next != NULL) {
				n = next;
				break;
			}
			n = up;
			if (n == NULL)
				return 0;
		}
	}
	return 0;
}

char *ooxml_attr(xmlNodePtr n, const char *name, const char *ns)
{
	xmlChar *v = ns != NULL ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns) :
				  xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = g_strdup((const char *)v);
	xmlFree(v);
	return s;
}

struct ooxml_part *ooxml_find(const struct ooxml_pkg *pkg, const char *name)
{
	char *key;
	gpointer v;

	if (pkg->index == NULL)
		return NULL;
	if (name[0] == '/')
		name++;
	key = g_ascii_strdown(name, -1);
	v = g_hash_table_lookup(pkg->index, key);
	g_free(key);
	return v != NULL ? &pkg->parts[GPOINTER_TO_SIZE(v) - 1] : NULL;
}

void ooxml_free(struct ooxml_pkg *pkg)
{
	for (size_t i = 0; i < pkg->n; i++) {
		g_free(pkg->parts[i].name);
		g_free(pkg->parts[i].data);
		g_free(pkg->parts[i].ctype);
	}
	g_free(pkg->parts);
	g_free(pkg->main);
	if (pkg->index != NULL)
		g_hash_table_destroy(pkg->index);
	memset(pkg, 0, sizeof(*pkg));
}

/* A part name we accept: relative, '/'-separated, no "." or ".." or empty
 * component, no backslash or control character. */
static bool ooxml_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= OOXML_NAME_MAX || name[0] == '/' || !g_utf8_validate(name, -1, NULL))
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			return false;
	for (const char *c = name; c != NULL && *c != '\0';) {
		const char *e = strchr(c, '/');
		size_t n = e != NULL ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c = e != NULL ? e + 1 : NULL;
	}
	return true;
}

static int ooxml_read_entry(struct archive *a, struct ooxml_pkg *pkg, struct ooxml_part *p,
			    const struct filter_limits *lim, int64_t comp_size,
			    struct filter_result *res)
{
	GByteArray *buf = g_byte_array_new();
	unsigned char *block = g_malloc(OOXML_BLOCK);
	int rc = 0;

	for (;;) {
		la_ssize_t n = archive_read_data(a, block, OOXML_BLOCK);

		if (n == 0)
			break;
		if (n < 0) {
			filter_set(res, FILTER_FAILED, "corrupt-office: part %s: %s", p->name,
				   archive_error_string(a) ? archive_error_string(a) : "read error");
			rc = -1;
			break;
		}
		if ((uint64_t)buf->len + (uint64_t)n > lim->max_member_bytes) {
			filter_set(res, FILTER_BLOCKED, "office-part-too-large: %s > %llu bytes "
				   "([limits] archive_max_member_size)", p->name,
				   (unsigned long long)lim->max_member_bytes);
			rc = -1;
			break;
		}
		pkg->total += (uint64_t)n;
		if (pkg->total > lim->max_total_bytes) {
			filter_set(res, FILTER_BLOCKED, "office-too-large: parts expand beyond %llu "
				   "bytes ([limits] archive_max_total_size)",
				   (unsigned long long)lim->max_total_bytes);
			rc = -1;
			break;
		}
		if (pkg->total > OOXML_RATIO_FLOOR && comp_size > 0 &&
		    pkg->total / (uint64_t)comp_size > lim->max_ratio) {
			filter_set(res, FILTER_BLOCKED, "office-ratio: expanded:compressed > %u:1 "
				   "([limits] archive_max_ratio)", lim->max_ratio);
			rc = -1;
			break;
		}
		g_byte_array_append(buf, block, (guint)n);
	}
	g_free(block);
	p->len = buf->len;
	p->data = g_byte_array_free(buf, FALSE);
	return rc;
}

/* resolve every part's content type: Override by name, else Default by
 * extension */
static int ooxml_content_types(struct ooxml_pkg *pkg, struct filter_result *res)
{
	struct ooxml_part *ct = ooxml_find(pkg, OOXML_CT_PART);
	xmlDocPtr doc;
	xmlNodePtr root;
	unsigned defaults = 0;

	if (ct == NULL) {
		filter_set(res, FILTER_FAILED, "not-office: no [Content_Types].xml");
		return -1;
	}
	doc = ooxml_parse(ct, res);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	for (int pass = 0; pass < 2; pass++)
		for (xmlNodePtr n = root != NULL ? root->children : NULL; n != NULL; n = n->next) {
			char *ctype, *key;

			if (!ooxml_is(n, pass == 0 ? "Default" : "Override"))
				continue;
			ctype = ooxml_attr(n, "ContentType", NULL);
			key = ooxml_attr(n, pass == 0 ? "Extension" : "PartName", NULL);
			if (ctype != NULL && key != NULL && pass == 1) {
				struct ooxml_part *p = ooxml_find(pkg, key);

				if (p != NULL) {
					g_free(p->ctype);
					p->ctype = g_strdup(ctype);
				}
			} else if (ctype != NULL && key != NULL && ++defaults <= OOXML_DEFAULTS_MAX) {
				/* Defaults are few: one pass over the parts each */
				for (size_t i = 0; i < pkg->n; i++) {
					struct ooxml_part *p = &pkg->parts[i];
					const char *dot = strrchr(p->name, '.');
					const char *slash = strrchr(p->name, '/');

					if (dot != NULL && (slash == NULL || dot > slash) &&
					    g_ascii_strcasecmp(dot + 1, key) == 0) {
						g_free(p->ctype);
						p->ctype = g_strdup(ctype);
					}
				}
			}
			g_free(ctype);
			g_free(key);
		}
	xmlFreeDoc(doc);
	return 0;
}

static int ooxml_find_main(struct ooxml_pkg *pkg, struct filter_result *res)
{
	struct ooxml_rel *rels;
	size_t n;
	struct ooxml_part *m = NULL;

	if (ooxml_rels(pkg, "", &rels, &n, res) != 0)
		return -1;
	for (size_t i = 0; i < n && m == NULL; i++)
		if (!rels[i].external && ooxml_rel_is(&rels[i], "officeDocument"))
			m = ooxml_find(pkg, rels[i].target);
	ooxml_rels_free(rels, n);
	if (m == NULL || m->ctype == NULL) {
		filter_set(res, FILTER_FAILED, "not-office: the package names no main document");
		return -1;
	}
	pkg->main = g_strdup(m->name);
	if (strstr(m->ctype, "wordprocessingml") != NULL || strstr(m->ctype, "ms-word") != NULL)
		pkg->kind = OOXML_WORD;
	else if (strstr(m->ctype, "spreadsheetml") != NULL || strstr(m->ctype, "ms-excel") != NULL)
		pkg->kind = OOXML_EXCEL;
	else if (strstr(m->ctype, "presentationml") != NULL ||
		 strstr(m->ctype, "ms-powerpoint") != NULL)
		pkg->kind = OOXML_POWERPOINT;
	if (pkg->kind == OOXML_UNKNOWN) {
		filter_set(res, FILTER_FAILED, "not-office: main document of type %.100s", m->ctype);
		return -1;
	}
	return 0;
}

int ooxml_load(int in_fd, const struct filter_limits *lim, struct ooxml_pkg *pkg,
	       struct filter_result *res)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct stat sb;
	int rc = 0, r;

	memset(pkg, 0, sizeof(*pkg));
	pkg->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (a == NULL || fstat(in_fd, &sb) != 0) {
		filter_set(res, FILTER_FAILED, "internal: cannot read the input");
		if (a != NULL)
			archive_read_free(a);
		return -1;
	}
	/* the central directory is the truth for OOXML: seekable reader */
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_fd(a, in_fd, OOXML_BLOCK) != ARCHIVE_OK) {
		filter_set(res, FILTER_FAILED, "corrupt-office: not a ZIP package: %s",
			   archive_error_string(a) ? archive_error_string(a) : "unreadable");
		archive_read_free(a);
		return -1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname_utf8(e);
		struct ooxml_part *p;

		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_is_encrypted(e)) {
			filter_set(res, FILTER_FAILED, "encrypted: the package has encrypted parts");
			rc = -1;
			break;
		}
		if (name == NULL)
			name = archive_entry_pathname(e);
		if (name == NULL || !ooxml_name_ok(name)) {
			filter_set(res, FILTER_BLOCKED, "office-bad-part-name: a part name is "
				   "absolute, has '..', or is not UTF-8");
			rc = -1;
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			filter_set(res, FILTER_BLOCKED, "office-bad-part: %s is not a file", name);
			rc = -1;
			break;
		}
		if (ooxml_find(pkg, name) != NULL) {
			/* two parts that differ only in case: which one an
			 * application reads is not defined */
			filter_set(res, FILTER_BLOCKED, "office-duplicate-part: %s", name);
			rc = -1;
			break;
		}
		if (pkg->n >= lim->max_members) {
			filter_set(res, FILTER_BLOCKED, "office-too-many-parts: more than %u "
				   "([limits] archive_max_members)", lim->max_members);
			rc = -1;
			break;
		}
		if (pkg->n == pkg->cap) {
			pkg->cap = pkg->cap ? pkg->cap * 2 : 32;
			pkg->parts = g_renew(struct ooxml_part, pkg->parts, pkg->cap);
		}
		p = &pkg->parts[pkg->n++];
		memset(p, 0, sizeof(*p));
		p->name = g_strdup(name);
		g_hash_table_insert(pkg->index, g_ascii_strdown(name, -1), GSIZE_TO_POINTER(pkg->n));
		if (ooxml_read_entry(a, pkg, p, lim, (int64_t)sb.st_size, res) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && r != ARCHIVE_EOF) {
		filter_set(res, FILTER_FAILED, "corrupt-office: %s",
			   archive_error_string(a) ? archive_error_string(a) : "bad ZIP structure");
		rc = -1;
	}
	archive_read_free(a);
	if (rc == 0)
		rc = ooxml_content_types(pkg, res);
	if (rc == 0)
		rc = ooxml_find_main(pkg, res);
	if (rc != 0)
		ooxml_free(pkg);
	return rc;
}

bool ooxml_xml_acceptable(const struct ooxml_part *part, struct filter_result *res)
{
	const unsigned char *d = part->data;

	if (part->len >= 2 && ((d[0] == 0xFE && d[1] == 0xFF) || (d[0] == 0xFF && d[1] == 0xFE) ||
			       d[0] == 0 || d[1] == 0)) {
		filter_set(res, FILTER_BLOCKED, "office-xml-encoding: %s is not UTF-8", part->name);
		return false;
	}
	/* no DTD: no entity can be declared, so none can be expanded */
	if (g_strstr_len((const char *)d, (gssize)part->len, "<!DOCTYPE") != NULL ||
	    g_strstr_len((const char *)d, (gssize)part->len, "<!ENTITY") != NULL) {
		filter_set(res, FILTER_BLOCKED, "office-xml-dtd: %s declares a DTD", part->name);
		return false;
	}
	return true;
}

xmlDocPtr ooxml_parse(const struct ooxml_part *part, struct filter_result *res)
{
	xmlDocPtr doc;

	if (!ooxml_xml_acceptable(part, res))
		return NULL;
	if (part->len > INT32_MAX) {
		filter_set(res, FILTER_BLOCKED, "office-part-too-large: %s", part->name);
		return NULL;
	}
	doc = xmlReadMemory((const char *)part->data, (int)part->len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		filter_set(res, FILTER_FAILED, "corrupt-office: %s is not well-formed XML",
			   part->name);
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		xmlFreeDoc(doc);
		filter_set(res, FILTER_BLOCKED, "office-xml-dtd: %s declares a DTD", part->name);
		return NULL;
	}
	return doc;
}

char *ooxml_rels_name(const char *part)
{
	const char *slash = strrchr(part, '/');

	if (part[0] == '\0')
		return g_strdup("_rels/.rels");
	if (slash == NULL)
		return g_strdup_printf("_rels/%s.rels", part);
	return g_strdup_printf("%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
}

char *ooxml_resolve(const char *source, const char *target)
{
	GPtrArray *comp = g_ptr_array_new_with_free_func(g_free);
	char **segs;
	char *out = NULL;
	const char *slash = strrchr(source, '/');
	bool bad = false;

	if (target[0] != '/' && slash != NULL) {
		char *dir = g_strndup(source, (gsize)(slash - source));
		char **ds = g_strsplit(dir, "/", -1);

		for (char **s = ds; *s != NULL; s++)
			g_ptr_array_add(comp, g_strdup(*s));
		g_strfreev(ds);
		g_free(dir);
	}
	segs = g_strsplit(target, "/", -1);
	for (char **s = segs; *s != NULL; s++) {
		if ((*s)[0] == '\0' || strcmp(*s, ".") == 0)
			continue;
		if (strcmp(*s, "..") == 0) {
			if (comp->len == 0) {
				bad = true;
				break;
			}
			g_ptr_array_remove_index(comp, comp->len - 1);
			continue;
		}
		{
			/* %-escapes in targets name the part (%20 is a space) */
			char *u = g_uri_unescape_string(*s, NULL);

			g_ptr_array_add(comp, u != NULL ? u : g_strdup(*s));
		}
	}
	g_strfreev(segs);
	if (!bad && comp->len > 0) {
		g_ptr_array_add(comp, NULL);
		out = g_strjoinv("/", (char **)comp->pdata);
	}
	g_ptr_array_free(comp, TRUE);
	return out;
}

bool ooxml_rel_is(const struct ooxml_rel *r, const char *suffix)
{
	const char *slash = r->type != NULL ? strrchr(r->type, '/') : NULL;

	return slash != NULL && g_ascii_strcasecmp(slash + 1, suffix) == 0;
}

void ooxml_rels_free(struct ooxml_rel *rels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		g_free(rels[i].id);
		g_free(rels[i].type);
		g_free(rels[i].target);
	}
	g_free(rels);
}

int ooxml_rels(const struct ooxml_pkg *pkg, const char *part, struct ooxml_rel **relsp,
	       size_t *np, struct filter_result *res)
{
	char *rname = ooxml_rels_name(part);
	struct ooxml_part *rp = ooxml_find(pkg, rname);
	xmlDocPtr doc;
	xmlNodePtr root;
	GArray *arr;

	g_free(rname);
	*relsp = NULL;
	*np = 0;
	if (rp == NULL)
		return 0;
	doc = ooxml_parse(rp, res);
	if (doc == NULL)
		return -1;
	arr = g_array_new(FALSE, TRUE, sizeof(struct ooxml_rel));
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root != NULL ? root->children : NULL; n != NULL; n = n->next) {
		struct ooxml_rel r;
		char *mode, *target;

		if (!ooxml_is(n, "Relationship") || arr->len >= OOXML_RELS_MAX)
			continue;
		memset(&r, 0, sizeof(r));
		r.id = ooxml_attr(n, "Id", NULL);
		r.type = ooxml_attr(n, "Type", NULL);
		target = ooxml_attr(n, "Target", NULL);
		mode = ooxml_attr(n, "TargetMode", NULL);
		r.external = mode != NULL && g_ascii_strcasecmp(mode, "External") == 0;
		if (r.id == NULL || r.type == NULL || target == NULL) {
			g_free(r.id);
			g_free(r.type);
			g_free(target);
			g_free(mode);
			continue;
		}
		/* a target with a scheme (http:, file:, \\server) is external
		 * whatever TargetMode says */
		if (!r.external && (strstr(target, ":") != NULL || target[0] == '\\'))
			r.external = true;
		r.target = r.external ? g_strdup(target) : ooxml_resolve(part, target);
		if (r.target == NULL)
			r.target = g_strdup("");
		g_free(target);
		g_free(mode);
		g_array_append_val(arr, r);
	}
	xmlFreeDoc(doc);
	*np = arr->len;
	*relsp = (struct ooxml_rel *)(void *)g_array_free(arr, FALSE);
	return 0;
}
