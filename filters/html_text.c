/*
 * html_text.c - HTML to plain text with libxml2's HTML parser (no network,
 * no entity loading, default depth limit).  script, style, iframe, object,
 * embed, noscript, template, svg and the head (except its title) are
 * dropped; block elements end lines, table cells are separated by tabs.
 * URLs are not kept, only the text of links.  The mail form (lim->html_mail,
 * which mugaid sets for the HTML body of a mail; html_text_convert) shows
 * each link's target after its text, as text that no mail client turns into
 * a link again (hxxp://), and reads the input as the UTF-8 mime-unpack made
 * of the body, whatever charset a <meta> still names: mime-repack takes that
 * output as the body's text and parses no HTML itself.
 */
#include "defang.h"
#include "filter.h"
#include "textenc.h"

#include <errno.h>
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTML_WALK_MAX_NODES (10 * 1000 * 1000)

static const char *const html_dropped[] = {
	"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
	"noscript", "template", "svg", "math", "canvas", "audio", "video", "link",
	"meta", "base", "input", "button", "select", "textarea", NULL,
};

static const char *const html_blocks[] = {
	"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
	"article", "header", "footer", "nav", "aside", "blockquote", "pre", "ul", "ol", "dl",
	"dt", "dd", "hr", "title", "form", "fieldset", "figure", "figcaption", "address",
	"main", "caption", NULL,
};

static int html_in(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (g_ascii_strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* text/plain too: the HTML body of a mail that libmagic takes for plain
 * text ("<p>hi</p>"), which mugaid gives html-text's mail form */
static bool html_accepts(const char *mime)
{
	return strcmp(mime, "text/html") == 0 || strcmp(mime, "application/xhtml+xml") == 0 ||
	       strcmp(mime, "text/plain") == 0;
}

/* Append text with runs of white space collapsed into one space. */
static void html_append_text(GString *out, const char *t)
{
	for (const char *p = t; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
			if (out->len > 0 && out->str[out->len - 1] != ' ' &&
			    out->str[out->len - 1] != '\n' && out->str[out->len - 1] != '\t')
				g_string_append_c(out, ' ');
		} else {
			g_string_append_c(out, *p);
		}
	}
}

static void html_newline(GString *out)
{
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

/* the href of an <a> element as text, for html_text_convert's links:
 * active schemes (javascript:, data:, vbscript:) are not shown at all */
static void html_link(xmlNodePtr n, GString *out)
{
	xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
	const char *h = (const char *)href;

	if (href == NULL)
		return;
	while (*h == ' ' || *h == '\t' || *h == '\n' || *h == '\r')
		h++;
	if (*h != '\0' && *h != '#' && g_ascii_strncasecmp(h, "javascript:", 11) != 0 &&
	    g_ascii_strncasecmp(h, "data:", 5) != 0 && g_ascii_strncasecmp(h, "vbscript:", 9) != 0) {
		g_string_append(out, " <");
		for (const char *p = h; *p != '\0' && *p != '\n' && *p != '\r'; p++)
			if (*p != '<' && *p != '>')
				g_string_append_c(out, *p);
		g_string_append(out, "> ");
	}
	xmlFree(href);
}

static int html_is_link(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE && n->name != NULL &&
	       g_ascii_strcasecmp((const char *)n->name, "a") == 0;
}

/* Iterative walk: no recursion whatever the nesting depth.  links: the
 * target of each link follows its text. */
static int html_walk(xmlNodePtr root, GString *out, uint64_t max, int links)
{
	xmlNodePtr n = root;
	unsigned long visited = 0;

	while (n != NULL) {
		int descend = 0;

		if (++visited > HTML_WALK_MAX_NODES || (uint64_t)out->len > max)
			return -1;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content != NULL)
				html_append_text(out, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE && n->name != NULL) {
			const char *name = (const char *)n->name;

			if (g_ascii_strcasecmp(name, "td") == 0 || g_ascii_strcasecmp(name, "th") == 0) {
				if (out->len > 0 && out->str[out->len - 1] != '\n')
					g_string_append_c(out, '\t');
				descend = 1;
			} else if (html_in(html_blocks, name)) {
				html_newline(out);
				descend = 1;
			} else if (!html_in(html_dropped, name)) {
				descend = 1;
			}
			if (links && html_is_link(n) && n->children == NULL)
				html_link(n, out);
			/* the head holds nothing but the title worth keeping */
			if (g_ascii_strcasecmp(name, "head") == 0) {
				for (xmlNodePtr c = n->children; c != NULL; c = c->next)
					if (c->type == XML_ELEMENT_NODE &&
					    g_ascii_strcasecmp((const char *)c->name, "title") == 0) {
						xmlChar *t = xmlNodeGetContent(c);

						if (t != NULL) {
							html_append_text(out, (const char *)t);
							html_newline(out);
							xmlFree(t);
						}
					}
				descend = 0;
			}
		}
		if (descend && n->children != NULL) {
			n = n->children;
			continue;
		}
		/* next sibling, or climb up */
		while (n != NULL && n != root && n->next == NULL) {
			n = n->parent;
			if (links && n != NULL && html_is_link(n))
				html_link(n, out);
			if (n != NULL && n->type == XML_ELEMENT_NODE && n->name != NULL &&
			    html_in(html_blocks, (const char *)n->name))
				html_newline(out);
		}
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
	return 0;
}

/* Does the document declare its charset (meta or XML declaration)? */
static int html_declares_charset(const unsigned char *buf, size_t len)
{
	size_t n = len < 4096 ? len : 4096;
	char *head = g_ascii_strdown((const char *)buf, (gssize)n);
	int found = strstr(head, "charset") != NULL || strstr(head, "encoding=") != NULL;

	g_free(head);
	return found;
}

static void html_run_mail(const unsigned char *buf, size_t len, int out_dir_fd,
			  const struct filter_limits *lim, struct filter_result *res);

static int html_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	unsigned char *buf = NULL;
	size_t len = 0, clean;
	htmlDocPtr doc;
	GString *out;
	char *utf8 = NULL;
	const char *enc = NULL;
	int opts = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		   HTML_PARSE_RECOVER | HTML_PARSE_NOBLANKS;

	if (filter_read_all(in_fd, lim->max_text_bytes, &buf, &len) != 0) {
		if (errno == EFBIG)
			filter_set(res, FILTER_BLOCKED, "text-too-large: more than %llu bytes "
				   "([limits] text_max_bytes)",
				   (unsigned long long)lim->max_text_bytes);
		else
			filter_set(res, FILTER_FAILED, "cannot read the input: %s", strerror(errno));
		return 0;
	}
	if (len > INT32_MAX) {
		free(buf);
		filter_set(res, FILTER_BLOCKED, "text-too-large");
		return 0;
	}
	if (lim->html_mail) {
		html_run_mail(buf, len, out_dir_fd, lim, res);
		free(buf);
		return 0;
	}
	/* without a declared charset, decode like the text filter (Shift_JIS,
	 * EUC-JP, ...) and hand libxml2 UTF-8 */
	if (!html_declares_charset(buf, len)) {
		utf8 = textenc_to_utf8(buf, len, &enc);
		if (utf8 == NULL) {
			free(buf);
			filter_set(res, FILTER_FAILED, "text-undecodable: the HTML is in no known "
				   "encoding");
			return 0;
		}
		doc = htmlReadMemory(utf8, (int)strlen(utf8), NULL, "UTF-8", opts);
	} else {
		doc = htmlReadMemory((const char *)buf, (int)len, NULL, NULL, opts);
	}
	free(buf);
	g_free(utf8);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		filter_set(res, FILTER_FAILED, "html-unreadable: no document element");
		return 0;
	}
	out = g_string_new(NULL);
	if (html_walk(xmlDocGetRootElement(doc), out, lim->max_output_bytes, 0) != 0) {
		filter_set(res, FILTER_BLOCKED, "html-too-large: more than %d nodes or %llu "
			   "bytes of text", HTML_WALK_MAX_NODES,
			   (unsigned long long)lim->max_output_bytes);
	} else {
		html_newline(out);
		clean = textenc_clean(out->str, out->len);
		if (text_write_output(out_dir_fd, out->str, clean, lim, res))
			filter_set(res, FILTER_OK, "text of the HTML");
	}
	g_string_free(out, TRUE);
	xmlFreeDoc(doc);
	return 0;
}

int html_text_convert(const char *utf8, size_t len, uint64_t max, GString *out)
{
	int opts = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		   HTML_PARSE_RECOVER | HTML_PARSE_NOBLANKS;
	htmlDocPtr doc;
	int rc;

	if (len > INT32_MAX)
		return -1;
	doc = htmlReadMemory(utf8, (int)len, NULL, "UTF-8", opts);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		return 0; /* nothing readable: no text */
	}
	rc = html_walk(xmlDocGetRootElement(doc), out, max, 1);
	xmlFreeDoc(doc);
	if (rc != 0)
		return -1;
	html_newline(out);
	defang_urls(out);
	g_string_set_size(out, textenc_clean(out->str, out->len));
	return 0;
}

/* the mail form: the body mime-unpack decoded, links shown as text; bytes
 * that are not UTF-8 after all are decoded like the text filter's */
static void html_run_mail(const unsigned char *buf, size_t len, int out_dir_fd,
			  const struct filter_limits *lim, struct filter_result *res)
{
	const char *enc = NULL;
	char *utf8 = NULL;
	GString *out;

	if (!g_utf8_validate((const char *)buf, (gssize)len, NULL)) {
		utf8 = textenc_to_utf8(buf, len, &enc);
		if (utf8 == NULL) {
			filter_set(res, FILTER_FAILED, "text-undecodable: the HTML is in no known "
				   "encoding");
			return;
		}
	}
	out = g_string_new(NULL);
	if (html_text_convert(utf8 != NULL ? utf8 : (const char *)buf,
			      utf8 != NULL ? strlen(utf8) : len, lim->max_output_bytes, out) != 0)
		filter_set(res, FILTER_BLOCKED, "html-too-large: more than %d nodes or %llu "
			   "bytes of text", HTML_WALK_MAX_NODES,
			   (unsigned long long)lim->max_output_bytes);
	else if (text_write_output(out_dir_fd, out->str, out->len, lim, res))
		filter_set(res, FILTER_OK, "text of the HTML, links shown as text");
	g_string_free(out, TRUE);
	g_free(utf8);
}

const struct filter_ops filter_html_text = { "html-text", html_accepts, html_run, 0 };
