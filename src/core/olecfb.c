/*
 * olecfb.c - the application of an OLE compound file, from the stream names
 * in its root storage (see olecfb.h).  [MS-CFB]: a 512-byte header, then
 * sectors of 512 (version 3) or 4096 bytes (version 4); the FAT chains the
 * sectors of each stream; the header lists the first 109 FAT sectors and
 * the DIFAT chain the rest; the directory is a stream of 128-byte entries
 * whose storages hold their children as a red-black tree (left, right,
 * child ids).  Every id read from the file is checked against the file's
 * sector count or the entries read; every chain and tree walk is bounded.
 */
#include "mugai/olecfb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CFB_HEADER 512
#define CFB_HEADER_DIFAT 109
#define CFB_ENTRY 128
#define CFB_NAME_CHARS 32
#define CFB_ENDOFCHAIN 0xFFFFFFFEu
#define CFB_NOSTREAM 0xFFFFFFFFu
#define CFB_TYPE_STREAM 2
#define CFB_TYPE_ROOT 5

struct cfb_entry {
	char name[CFB_NAME_CHARS + 1]; /* lower-case ASCII; anything else as '\x7f' */
	unsigned type;
	uint32_t left, right, child;
};

struct cfb {
	int fd;
	uint32_t shift, ss;   /* sector size = 1 << shift */
	uint64_t nsect;       /* sectors in the file after the header */
	uint32_t nfat, first_difat, ndifat;
	unsigned char hdr[CFB_HEADER];
	char *why;
	size_t whylen;
};

static int cfb_fail(struct cfb *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int cfb_fail(struct cfb *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t cfb_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t cfb_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* exactly len bytes at off, or -1 */
static int cfb_pread(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* bytes [pos, pos + len) of sector s */
static int cfb_read_sector(struct cfb *c, uint32_t s, size_t pos, void *buf, size_t len)
{
	if ((uint64_t)s >= c->nsect)
		return cfb_fail(c, "sector %u is beyond the end of the file", s);
	if (cfb_pread(c->fd, buf, len, ((uint64_t)s + 1) * c->ss + pos) != 0)
		return cfb_fail(c, "sector %u cannot be read", s);
	return 0;
}

/* the k-th FAT sector, from the header or the DIFAT chain */
static int cfb_fat_sector(struct cfb *c, uint32_t k, uint32_t *out)
{
	uint32_t per = c->ss / 4 - 1, s, j, steps;
	unsigned char b[4];

	if (k >= c->nfat)
		return cfb_fail(c, "FAT entry beyond the %u FAT sectors", c->nfat);
	if (k < CFB_HEADER_DIFAT) {
		*out = cfb_le32(c->hdr + 76 + 4 * k);
		return 0;
	}
	j = k - CFB_HEADER_DIFAT;
	s = c->first_difat;
	for (steps = 0; steps < j / per; steps++) {
		if (steps >= c->ndifat || cfb_read_sector(c, s, (size_t)per * 4, b, 4) != 0)
			return cfb_fail(c, "the DIFAT chain is broken");
		s = cfb_le32(b);
	}
	if (steps >= c->ndifat || cfb_read_sector(c, s, (size_t)(j % per) * 4, b, 4) != 0)
		return cfb_fail(c, "the DIFAT chain is broken");
	*out = cfb_le32(b);
	return 0;
}

/* the sector after s in its chain */
static int cfb_next(struct cfb *c, uint32_t s, uint32_t *next)
{
	uint32_t per = c->ss / 4, fs = 0;
	unsigned char b[4];

	if (cfb_fat_sector(c, s / per, &fs) != 0 ||
	    cfb_read_sector(c, fs, (size_t)(s % per) * 4, b, 4) != 0)
		return -1;
	*next = cfb_le32(b);
	return 0;
}

static void cfb_entry_parse(const unsigned char *e, struct cfb_entry *out)
{
	unsigned nlen = cfb_le16(e + 64); /* bytes, with the terminating NUL */
	unsigned chars = nlen >= 2 && nlen <= 64 ? nlen / 2 - 1 : 0;

	if (chars > CFB_NAME_CHARS)
		chars = CFB_NAME_CHARS;
	for (unsigned i = 0; i < chars; i++) {
		unsigned ch = cfb_le16(e + 2 * i);

		out->name[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') :
			       ch >= 0x20 && ch < 0x7f ? (char)ch : '\x7f';
	}
	out->name[chars] = '\0';
	out->type = e[66];
	out->left = cfb_le32(e + 68);
	out->right = cfb_le32(e + 72);
	out->child = cfb_le32(e + 76);
}

/* the directory stream's entries, at most OLECFB_DIR_MAX */
static int cfb_read_dir(struct cfb *c, struct cfb_entry **entries, uint32_t *count)
{
	uint32_t per = c->ss / CFB_ENTRY, s = cfb_le32(c->hdr + 48), n = 0;
	struct cfb_entry *v = calloc(OLECFB_DIR_MAX, sizeof(*v));
	unsigned char *buf = malloc(c->ss);
	/* a bit per sector of the file: a chain visits each at most once */
	unsigned char *seen = calloc(c->nsect / 8 + 1, 1);
	int rc = 0;

	if (v == NULL || buf == NULL || seen == NULL) {
		rc = cfb_fail(c, "out of memory");
		goto out;
	}
	while (s != CFB_ENDOFCHAIN) {
		if ((uint64_t)s < c->nsect && (seen[s / 8] & (1u << (s % 8)))) {
			rc = cfb_fail(c, "the directory chain loops");
			goto out;
		}
		if (n + per > OLECFB_DIR_MAX) {
			rc = cfb_fail(c, "more than %u directory entries", OLECFB_DIR_MAX);
			goto out;
		}
		if (cfb_read_sector(c, s, 0, buf, c->ss) != 0) {
			rc = -1;
			goto out;
		}
		seen[s / 8] |= (unsigned char)(1u << (s % 8));
		if (cfb_next(c, s, &s) != 0) {
			rc = -1;
			goto out;
		}
		for (uint32_t i = 0; i < per; i++)
			cfb_entry_parse(buf + (size_t)i * CFB_ENTRY, &v[n++]);
	}
	if (n == 0 || v[0].type != CFB_TYPE_ROOT)
		rc = cfb_fail(c, "no root storage");
out:
	free(buf);
	free(seen);
	if (rc != 0) {
		free(v);
		return -1;
	}
	*entries = v;
	*count = n;
	return 0;
}

static const struct {
	const char *name; /* lower case: CFB names compare without case */
	enum olecfb_app app;
} cfb_streams[] = {
	{ "worddocument", OLECFB_WORD },
	{ "workbook", OLECFB_EXCEL },
	{ "book", OLECFB_EXCEL },
	{ "powerpoint document", OLECFB_POWERPOINT },
};

/* the applications whose main stream is a child of the root (a bit each) */
static int cfb_root_apps(struct cfb *c, const struct cfb_entry *v, uint32_t n, unsigned *apps)
{
	uint32_t *stack = malloc(sizeof(*stack) * ((size_t)n * 2 + 1));
	unsigned char *seen = calloc(n, 1);
	size_t top = 0;
	int rc = 0;

	*apps = 0;
	if (stack == NULL || seen == NULL) {
		rc = cfb_fail(c, "out of memory");
		goto out;
	}
	stack[top++] = v[0].child;
	while (top > 0) {
		uint32_t id = stack[--top];

		if (id == CFB_NOSTREAM)
			continue;
		/* each entry once: at most 2n pushes */
		if (id >= n || seen[id] || id == 0) {
			rc = cfb_fail(c, "the root storage's tree is malformed");
			goto out;
		}
		seen[id] = 1;
		stack[top++] = v[id].left;
		stack[top++] = v[id].right;
		if (v[id].type != CFB_TYPE_STREAM)
			continue;
		for (size_t i = 0; i < sizeof(cfb_streams) / sizeof(cfb_streams[0]); i++)
			if (strcmp(v[id].name, cfb_streams[i].name) == 0)
				*apps |= 1u << cfb_streams[i].app;
	}
out:
	free(stack);
	free(seen);
	return rc;
}

int olecfb_app(int fd, uint64_t size, enum olecfb_app *app, char *why, size_t whylen)
{
	static const unsigned char sig[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
	struct cfb c;
	struct cfb_entry *v = NULL;
	uint32_t n = 0;
	unsigned apps = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.why = why;
	c.whylen = whylen;
	why[0] = '\0';
	*app = OLECFB_NONE;
	if (cfb_pread(fd, c.hdr, CFB_HEADER, 0) != 0 || memcmp(c.hdr, sig, sizeof(sig)) != 0)
		return cfb_fail(&c, "no compound file header");
	c.shift = cfb_le16(c.hdr + 30);
	if (cfb_le16(c.hdr + 28) != 0xFFFE || (c.shift != 9 && c.shift != 12))
		return cfb_fail(&c, "unknown byte order or sector size");
	c.ss = 1u << c.shift;
	if (size < 2ULL * c.ss)
		return cfb_fail(&c, "shorter than one sector");
	/* the header fills sector -1; a last sector may be cut short */
	c.nsect = (size + c.ss - 1) / c.ss - 1;
	c.nfat = cfb_le32(c.hdr + 44);
	c.first_difat = cfb_le32(c.hdr + 68);
	c.ndifat = cfb_le32(c.hdr + 72);
	if (cfb_read_dir(&c, &v, &n) != 0)
		return -1;
	rc = cfb_root_apps(&c, v, n, &apps);
	free(v);
	if (rc != 0)
		return -1;
	if (apps == 1u << OLECFB_WORD || apps == 1u << OLECFB_EXCEL ||
	    apps == 1u << OLECFB_POWERPOINT) {
		*app = apps == 1u << OLECFB_WORD ? OLECFB_WORD :
		       apps == 1u << OLECFB_EXCEL ? OLECFB_EXCEL : OLECFB_POWERPOINT;
		return 0;
	}
	snprintf(why, whylen, "%s", apps == 0 ? "no WordDocument, Workbook or PowerPoint "
		 "Document stream in the root storage" : "streams of more than one application "
		 "(Word, Excel, PowerPoint) in the root storage");
	return 0;
}

const char *olecfb_mime(enum olecfb_app app)
{
	switch (app) {
	case OLECFB_WORD:
		return "application/msword";
	case OLECFB_EXCEL:
		return "application/vnd.ms-excel";
	case OLECFB_POWERPOINT:
		return "application/vnd.ms-powerpoint";
	default:
		return NULL;
	}
}
