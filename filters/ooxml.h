/*
 * ooxml.h - an Office Open XML package (docx/xlsx/pptx and their macro and
 * template variants) read into memory, for the ooxml-text and ooxml-cdr
 * filters.  The ZIP is read with libarchive under the archive limits (part
 * count, part size, total size, expansion ratio); XML parts are parsed with
 * libxml2 with no network, no entity substitution and no DTD at all: a part
 * that declares a DOCTYPE is refused before it is parsed, so a
 * billion-laughs part cannot expand.
 */
#ifndef MUGAI_OOXML_H
#define MUGAI_OOXML_H

#include "filter.h"

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#define OOXML_NAME_MAX 512          /* bytes of a part name */
#define OOXML_CT_PART "[Content_Types].xml"
#define OOXML_NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define OOXML_NS_PR "http://schemas.openxmlformats.org/package/2006/relationships"
#define OOXML_NS_CT "http://schemas.openxmlformats.org/package/2006/content-types"

enum ooxml_kind {
	OOXML_UNKNOWN = 0,
	OOXML_WORD,
	OOXML_EXCEL,
	OOXML_POWERPOINT,
};

struct ooxml_part {
	char *name;          /* as in the ZIP, no leading '/' */
	unsigned char *data;
	size_t len;
	char *ctype;         /* from [Content_Types].xml; NULL when undeclared */
	bool keep;           /* ooxml-cdr: part survives */
};

struct ooxml_pkg {
	struct ooxml_part *parts;
	size_t n, cap;
	uint64_t total;
	GHashTable *index;   /* lower-case name -> index + 1 */
	int kind;            /* enum ooxml_kind, from the main part's type */
	char *main;          /* name of the main part (word/document.xml ...) */
};

struct ooxml_rel {
	char *id, *type, *target; /* target: resolved part name, or the raw URI when external */
	bool external;
};

/* Read the package from in_fd.  0 on success; -1 with res filled. */
int ooxml_load(int in_fd, const struct filter_limits *lim, struct ooxml_pkg *pkg,
	       struct filter_result *res);
void ooxml_free(struct ooxml_pkg *pkg);
/* part by name, ASCII case-insensitive as OPC says; NULL if absent */
struct ooxml_part *ooxml_find(const struct ooxml_pkg *pkg, const char *name);
/* parse an XML part; NULL with res filled (DTD, UTF-16, not well-formed) */
xmlDocPtr ooxml_parse(const struct ooxml_part *part, struct filter_result *res);
/* true when the part's bytes may be handed to libxml2 (no DTD, UTF-8) */
bool ooxml_xml_acceptable(const struct ooxml_part *part, struct filter_result *res);
/* name of the relationships part of part ("" = the package) */
char *ooxml_rels_name(const char *part);
/* relationships of part (name, "" = the package); *n = 0 when it has none.
 * -1 with res filled when the .rels part is malformed. */
int ooxml_rels(const struct ooxml_pkg *pkg, const char *part, struct ooxml_rel **rels,
	       size_t *n, struct filter_result *res);
void ooxml_rels_free(struct ooxml_rel *rels, size_t n);
/* resolve a relative target against the source part; NULL when it leaves
 * the package */
char *ooxml_resolve(const char *source, const char *target);
/* true when the relationship type ends with "/" suffix */
bool ooxml_rel_is(const struct ooxml_rel *r, const char *suffix);
#define OOXML_WALK_MAX_NODES (20 * 1000 * 1000) /* elements visited in one part */

/* Iterative pre-order walk of root's subtree (no recursion whatever the
 * depth).  enter returns false to skip a node's children; leave (may be
 * NULL) runs after them.  -1 when more than OOXML_WALK_MAX_NODES. */
int ooxml_walk(xmlNodePtr root, bool (*enter)(xmlNodePtr n, void *ctx),
	       void (*leave)(xmlNodePtr n, void *ctx), void *ctx);
/* attribute value in no namespace or in ns (NULL = none); g_free() it */
char *ooxml_attr(xmlNodePtr n, const char *name, const char *ns);
/* element has local name `name` (any namespace) */
bool ooxml_is(xmlNodePtr n, const char *name);

#endif
