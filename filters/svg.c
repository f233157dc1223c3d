/*
 * svg.c - an SVG drawing rendered to pixels with librsvg and written as a
 * PNG (cairo's PNG writer: pixels only).
 *
 * Two layers keep the drawing's active parts out:
 *
 * 1. libxml2 reads the document first, with no network, no DTD loaded and
 *    no entity substituted; a document that declares entities (or an
 *    internal DTD subset) is refused before it is parsed, so nothing can be
 *    expanded.  From the tree, before librsvg sees it, are removed: every
 *    element outside the SVG namespace (XInclude, XHTML, RDF...), script,
 *    foreignObject, the animation elements (set, animate*: they can rewrite
 *    attributes such as href), event handlers (on* attributes), xml:base,
 *    every href that is not a reference inside the document ("#id"), except
 *    PNG, JPEG and GIF data: URLs on <image> and <feImage>, CSS (style
 *    attributes, <style> elements, presentation attributes such as fill or
 *    filter) that imports or points at anything but "#id", processing
 *    instructions (xml-stylesheet), comments and the DTD
 *    node.  What was removed is counted in the filter's note.
 *
 * 2. librsvg renders the cleaned bytes with no base file and no base URL
 *    (rsvg_handle_new_from_stream_sync(..., base_file = NULL, flags = 0, the
 *    safety limits on)): its URL resolver then refuses every reference that
 *    is not a data: URL, so nothing is read or fetched even if the cleaner
 *    missed one (tests/unit/test_filter_svg.c checks both layers).
 *
 * The size comes from the width/height (else the viewBox); it is checked
 * against [limits] image_max_dimension and image_max_pixels before any
 * pixel buffer exists.  The input is bounded by [limits] text_max_bytes (an
 * SVG is XML text).
 */
#include "filter.h"
#include "sink.h"

#include <cairo.h>
#include <errno.h>
#include <gio/gio.h>
#include <librsvg/rsvg.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SVG_NS "http://www.w3.org/2000/svg"
#define SVG_DEFAULT_SIDE 512   /* pixels, when neither size nor viewBox is given */
#define SVG_DEPTH_MAX 256      /* element nesting the cleaner walks */

struct svg_clean {
	unsigned elements, handlers, refs, styles, other; /* what was removed */
	int too_deep;
};

static bool svg_accepts(const char *mime)
{
	return strcmp(mime, "image/svg+xml") == 0;
}

/* elements removed whatever their namespace is */
static bool svg_forbidden_element(const xmlChar *name)
{
	static const char *const names[] = {
		"script", "foreignObject", "set", "animate", "animateMotion",
		"animateColor", "animateTransform", "discard", "handler", "listener",
		"iframe", "video", "audio", "canvas", "object", "embed", NULL,
	};

	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp((const char *)name, names[i]) == 0)
			return true;
	return false;
}

/* a data: URL librsvg decodes with the loader its own MIME type names:
 * raster formats only (an SVG inside would escape this cleaner) */
static bool svg_data_image(const char *v)
{
	static const char *const ok[] = { "data:image/png;", "data:image/jpeg;",
					  "data:image/gif;", NULL };

	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	for (size_t i = 0; ok[i] != NULL; i++)
		if (strncasecmp(v, ok[i], strlen(ok[i])) == 0)
			return true;
	return false;
}

/* CSS (or a presentation attribute: fill, filter, mask, clip-path...) that
 * reaches outside the document: @import, or url() that is not url(#id);
 * in style sheets also any escape, which could spell either another way */
static bool svg_css_external(const char *css, bool sheet)
{
	const char *p = css;

	if (strcasestr(css, "@import") != NULL)
		return true;
	while ((p = strcasestr(p, "url(")) != NULL) {
		p += 4;
		while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'' || *p == '\n')
			p++;
		if (*p != '#')
			return true;
	}
	return sheet && strchr(css, '\\') != NULL;
}

static void svg_clean_attrs(xmlNodePtr n, struct svg_clean *c)
{
	bool raster_ref = strcmp((const char *)n->name, "image") == 0 ||
			  strcmp((const char *)n->name, "feImage") == 0;
	xmlAttrPtr a = n->properties;

	while (a != NULL) {
		xmlAttrPtr next = a->next;
		const char *name = (const char *)a->name;
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		const char *val = v != NULL ? (const char *)v : "";
		bool drop = false;

		if (strncasecmp(name, "on", 2) == 0) {
			drop = true;
			c->handlers++;
		} else if (strcmp(name, "href") == 0 || strcmp(name, "src") == 0) {
			const char *p = val;

			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			if (*p != '#' && !(raster_ref && svg_data_image(p))) {
				drop = true;
				c->refs++;
			}
		} else if (strcmp(name, "base") == 0 && a->ns != NULL) {
			drop = true; /* xml:base */
			c->refs++;
		} else if (svg_css_external(val, strcmp(name, "style") == 0)) {
			/* a presentation attribute becomes "none" (what an
			 * unresolvable paint server falls back to), a style goes */
			if (strcmp(name, "style") != 0)
				xmlSetNsProp(n, a->ns, a->name, (const xmlChar *)"none");
			else
				drop = true;
			c->styles++;
		} else if (a->ns != NULL && a->ns->href != NULL &&
			   strcmp((const char *)a->ns->href,
				  "http://www.w3.org/1999/xlink") != 0 &&
			   strcmp((const char *)a->ns->href,
				  "http://www.w3.org/XML/1998/namespace") != 0) {
			drop = true; /* attributes of other vocabularies */
			c->other++;
		}
		xmlFree(v);
		if (drop)
			xmlRemoveProp(a);
		a = next;
	}
}

/* remove n from the tree (and free it) */
static void svg_drop(xmlNodePtr n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static void svg_clean_node(xmlNodePtr parent, struct svg_clean *c, unsigned depth)
{
	xmlNodePtr n = parent->children;

	if (depth > SVG_DEPTH_MAX) {
		c->too_deep = 1;
		return;
	}
	while (n != NULL) {
		xmlNodePtr next = n->next;

		switch (n->type) {
		case XML_ELEMENT_NODE:
			if (n->ns == NULL || n->ns->href == NULL ||
			    strcmp((const char *)n->ns->href, SVG_NS) != 0 ||
			    svg_forbidden_element(n->name)) {
				svg_drop(n);
				c->elements++;
				break;
			}
			if (strcmp((const char *)n->name, "style") == 0) {
				xmlChar *css = xmlNodeGetContent(n);
				bool ext = css != NULL && svg_css_external((const char *)css, true);

				xmlFree(css);
				if (ext) {
					svg_drop(n);
					c->styles++;
					break;
				}
			}
			svg_clean_attrs(n, c);
			svg_clean_node(n, c, depth + 1);
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			break;
		default:
			/* processing instructions, comments, entity references */
			svg_drop(n);
			c->other++;
			break;
		}
		n = next;
	}
}

/*
 * Parse and clean the document; the cleaned bytes in *out (xmlFree).
 * 0, or -1 with res filled.
 */
static int svg_sanitise(const unsigned char *buf, size_t len, xmlChar **out, int *outlen,
			struct svg_clean *c, struct filter_result *res)
{
	xmlDocPtr doc;
	xmlNodePtr root;

	if (len >= 2 && (buf[0] == 0xFE || buf[0] == 0xFF || buf[0] == 0 || buf[1] == 0)) {
		filter_set(res, FILTER_BLOCKED, "svg-encoding: not UTF-8");
		return -1;
	}
	if (memmem(buf, len, "<!ENTITY", 8) != NULL || memmem(buf, len, "<!ELEMENT", 9) != NULL ||
	    memmem(buf, len, "<!ATTLIST", 9) != NULL) {
		filter_set(res, FILTER_BLOCKED, "svg-dtd: the drawing declares entities or an "
			   "internal DTD, which are not accepted");
		return -1;
	}
	if (len > INT32_MAX) {
		filter_set(res, FILTER_BLOCKED, "svg-too-large");
		return -1;
	}
	/* no XML_PARSE_NOENT, DTDLOAD, DTDATTR or XINCLUDE: nothing outside
	 * the bytes is read and no entity is substituted */
	doc = xmlReadMemory((const char *)buf, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		filter_set(res, FILTER_FAILED, "svg-undecodable: not well-formed XML");
		return -1;
	}
	if ((doc->intSubset != NULL && (doc->intSubset->entities != NULL ||
					doc->intSubset->pentities != NULL ||
					doc->intSubset->children != NULL)) ||
	    doc->extSubset != NULL) {
		xmlFreeDoc(doc);
		filter_set(res, FILTER_BLOCKED, "svg-dtd: the drawing declares entities or an "
			   "internal DTD, which are not accepted");
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "svg") != 0 || root->ns == NULL ||
	    strcmp((const char *)root->ns->href, SVG_NS) != 0) {
		xmlFreeDoc(doc);
		filter_set(res, FILTER_FAILED, "svg-undecodable: the root is not an SVG "
			   "<svg> element");
		return -1;
	}
	/* the DOCTYPE (an external identifier at most: never loaded) goes */
	if (doc->intSubset != NULL) {
		xmlDtdPtr dtd = doc->intSubset;

		xmlUnlinkNode((xmlNodePtr)dtd);
		doc->intSubset = NULL;
		xmlFreeDtd(dtd);
	}
	/* siblings of the root: comments, processing instructions */
	for (xmlNodePtr n = doc->children, next; n != NULL; n = next) {
		next = n->next;
		if (n != root) {
			svg_drop(n);
			c->other++;
		}
	}
	svg_clean_attrs(root, c);
	svg_clean_node(root, c, 0);
	if (c->too_deep) {
		xmlFreeDoc(doc);
		filter_set(res, FILTER_BLOCKED, "svg-too-deep: elements nested deeper than %d",
			   SVG_DEPTH_MAX);
		return -1;
	}
	xmlDocDumpMemory(doc, out, outlen);
	xmlFreeDoc(doc);
	if (*out == NULL) {
		filter_set(res, FILTER_FAILED, "out of memory");
		return -1;
	}
	return 0;
}

static cairo_status_t svg_write(void *closure, const unsigned char *data, unsigned int len)
{
	return sink_write(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS :
						     CAIRO_STATUS_WRITE_ERROR;
}

/* the drawing's size in pixels: 0, or -1 with res filled */
static int svg_size(RsvgHandle *h, const struct filter_limits *lim, double *w, double *hh,
		    struct filter_result *res)
{
	gboolean has_w, has_h, has_vb;
	RsvgLength lw, lh;
	RsvgRectangle vb;

	if (!rsvg_handle_get_intrinsic_size_in_pixels(h, w, hh)) {
		rsvg_handle_get_intrinsic_dimensions(h, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
		if (has_vb && vb.width > 0 && vb.height > 0) {
			*w = vb.width;
			*hh = vb.height;
		} else {
			*w = SVG_DEFAULT_SIDE;
			*hh = SVG_DEFAULT_SIDE;
		}
	}
	if (!isfinite(*w) || !isfinite(*hh) || *w < 0.5 || *hh < 0.5) {
		filter_set(res, FILTER_FAILED, "svg-undecodable: no usable size");
		return -1;
	}
	*w = ceil(*w);
	*hh = ceil(*hh);
	if (*w > lim->max_image_dim || *hh > lim->max_image_dim ||
	    *w * *hh > (double)lim->max_image_pixels) {
		filter_set(res, FILTER_BLOCKED, "image-too-large: %.0fx%.0f exceeds %ux%u or %llu "
			   "pixels ([limits] image_max_dimension, image_max_pixels)", *w, *hh,
			   lim->max_image_dim, lim->max_image_dim,
			   (unsigned long long)lim->max_image_pixels);
		return -1;
	}
	return 0;
}

/* render the cleaned document into out.png: 0, or -1 with res filled */
static int svg_render(const xmlChar *svg, int svglen, int out_dir_fd,
		      const struct filter_limits *lim, struct filter_result *res,
		      int *wpx, int *hpx)
{
	GInputStream *stream = g_memory_input_stream_new_from_data(svg, svglen, NULL);
	GError *err = NULL;
	RsvgHandle *h;
	RsvgRectangle vp;
	cairo_surface_t *s = NULL;
	cairo_t *cr;
	struct sink o = { -1, 0, lim->max_output_bytes, SINK_OK };
	double w, hh;
	int rc = -1;

	/* no base file: librsvg's URL resolver refuses every href */
	h = rsvg_handle_new_from_stream_sync(stream, NULL, RSVG_HANDLE_FLAGS_NONE, NULL, &err);
	g_object_unref(stream);
	if (h == NULL) {
		filter_set(res, FILTER_FAILED, "svg-undecodable: %s",
			   err != NULL ? err->message : "librsvg");
		g_clear_error(&err);
		return -1;
	}
	rsvg_handle_set_dpi(h, 96.0);
	if (svg_size(h, lim, &w, &hh, res) != 0)
		goto out;
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)hh);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		filter_set(res, FILTER_FAILED, "out of memory");
		goto out;
	}
	cr = cairo_create(s);
	vp.x = 0;
	vp.y = 0;
	vp.width = w;
	vp.height = hh;
	if (!rsvg_handle_render_document(h, cr, &vp, &err)) {
		cairo_destroy(cr);
		filter_set(res, FILTER_FAILED, "svg-render-failed: %s",
			   err != NULL ? err->message : "librsvg");
		g_clear_error(&err);
		goto out;
	}
	cairo_destroy(cr);
	cairo_surface_flush(s);
	o.fd = filter_create(out_dir_fd, "out.png");
	if (o.fd < 0) {
		filter_set(res, FILTER_FAILED, "cannot create the output: %s", strerror(errno));
		goto out;
	}
	if (cairo_surface_write_to_png_stream(s, svg_write, &o) != CAIRO_STATUS_SUCCESS ||
	    close(o.fd) != 0) {
		if (o.error == SINK_TOO_LARGE)
			filter_set(res, FILTER_BLOCKED, "output-too-large: more than %llu bytes",
				   (unsigned long long)o.max);
		else
			filter_set(res, FILTER_FAILED, "cannot write the output: %s",
				   strerror(errno));
		unlinkat(out_dir_fd, "out.png", 0);
		goto out;
	}
	*wpx = (int)w;
	*hpx = (int)hh;
	rc = 0;
out:
	if (s != NULL)
		cairo_surface_destroy(s);
	g_object_unref(h);
	return rc;
}

static int svg_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		   struct filter_result *res)
{
	struct svg_clean c;
	unsigned char *buf = NULL;
	size_t len = 0;
	xmlChar *clean = NULL;
	int cleanlen = 0, w = 0, h = 0;

	memset(&c, 0, sizeof(c));
	if (filter_read_all(in_fd, lim->max_text_bytes, &buf, &len) != 0) {
		if (errno == EFBIG)
			filter_set(res, FILTER_BLOCKED, "svg-too-large: more than %llu bytes "
				   "([limits] text_max_bytes)",
				   (unsigned long long)lim->max_text_bytes);
		else
			filter_set(res, FILTER_FAILED, "image-unreadable: %s", strerror(errno));
		return 0;
	}
	if (svg_sanitise(buf, len, &clean, &cleanlen, &c, res) != 0) {
		free(buf);
		return 0;
	}
	free(buf);
	if (svg_render(clean, cleanlen, out_dir_fd, lim, res, &w, &h) == 0) {
		filter_set(res, FILTER_OK, "svg %dx%d rendered as PNG; removed: %u element(s), "
			   "%u event handler(s), %u reference(s), %u style(s), %u other",
			   w, h, c.elements, c.handlers, c.refs, c.styles, c.other);
		filter_output(res, FILTERPROTO_OUT_PNG);
	}
	xmlFree(clean);
	return 0;
}

const struct filter_ops filter_svg = { "svg", svg_accepts, svg_run, 0 };
