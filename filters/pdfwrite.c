/*
 * pdfwrite.c - the image PDF writer with an invisible text layer (see
 * pdfwrite.h).  Objects are written as they come; the page tree (object 2)
 * and the shared font, whose ToUnicode CMap depends on every page, are
 * written by pdfw_close, then the xref table.
 */
#include "pdfwrite.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PDFW_BUF 65536
#define PDFW_GLYPH_WIDTH 500     /* every CID's advance, 1/1000 em */
#define PDFW_ASCENT 800          /* glyph box above the baseline, 1/1000 em */
#define PDFW_DESCENT (-200)      /* below it: ascent - descent = one em */
#define PDFW_ASTRAL_FIRST 0xD800 /* CIDs for characters beyond the BMP */
#define PDFW_TZ_MIN 0.01         /* horizontal scaling, percent */
#define PDFW_TZ_MAX 100000.0

struct pdfw {
	int fd;
	uint64_t max, written;
	int error;
	unsigned char buf[PDFW_BUF];
	size_t buf_len;
	uint64_t *offsets;       /* per object number; 0 = not written yet */
	size_t n_obj, cap_obj;   /* objects allocated (object 0 is the free head) */
	uint32_t *pages;         /* page object numbers */
	size_t n_pages, cap_pages;
	uint32_t font_obj;       /* Type0 font; 0 until a page shows text */
	uint32_t astral[PDFW_DOC_MAX_ASTRAL]; /* code point of CID D800 + i */
	size_t n_astral;
	uint16_t astral_hash[2 * PDFW_DOC_MAX_ASTRAL]; /* 1 + index into astral, 0 = free */
};

/* ---- text layer ---------------------------------------------------------- */

void pdfw_text_init(struct pdfw_text *t)
{
	memset(t, 0, sizeof(*t));
}

void pdfw_text_free(struct pdfw_text *t)
{
	free(t->cp);
	free(t->runs);
	pdfw_text_init(t);
}

void pdfw_text_clear(struct pdfw_text *t)
{
	t->n_cp = 0;
	t->n_runs = 0;
	t->dropped = 0;
}

static int pdfw_textable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return 0;  /* controls: a line break is where runs end */
	if (c >= 0xD800 && c <= 0xDFFF)
		return 0;  /* lone surrogates */
	if ((c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF))
		return 0;  /* non-characters */
	return c <= 0x10FFFF;
}

/* the size (across the run) at least PDFW_SIZE_MIN, the length positive */
static int pdfw_geometry_ok(double x, double y, double w, double h, int vertical)
{
	double size = vertical ? w : h, length = vertical ? h : w;

	if (!isfinite(x) || !isfinite(y) || !isfinite(w) || !isfinite(h))
		return 0;
	if (fabs(x) > PDFW_COORD_MAX || fabs(y) > PDFW_COORD_MAX || length <= 0 ||
	    length > PDFW_COORD_MAX || size < PDFW_SIZE_MIN || size > PDFW_COORD_MAX)
		return 0;
	return 1;
}

static int pdfw_grow(void **p, size_t *cap, size_t need, size_t elem, size_t max)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	if (need > max)
		return -1;
	ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > max)
		ncap = max;
	np = realloc(*p, ncap * elem);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static int pdfw_text_add_run(struct pdfw_text *t, const uint32_t *cp, size_t n, double x,
			     double y, double w, double h, int vertical)
{
	size_t kept = 0, room;

	if (cp == NULL || n == 0 || !pdfw_geometry_ok(x, y, w, h, vertical) ||
	    t->n_runs >= PDFW_PAGE_MAX_RUNS || t->n_cp >= PDFW_PAGE_MAX_CHARS)
		goto drop;
	for (size_t i = 0; i < n; i++)
		kept += pdfw_textable(cp[i]);
	room = PDFW_PAGE_MAX_CHARS - t->n_cp;
	if (kept == 0 || kept > room)
		goto drop;
	if (pdfw_grow((void **)&t->cp, &t->cap_cp, t->n_cp + kept, sizeof(*t->cp),
		      PDFW_PAGE_MAX_CHARS) != 0 ||
	    pdfw_grow((void **)&t->runs, &t->cap_runs, t->n_runs + 1, sizeof(*t->runs),
		      PDFW_PAGE_MAX_RUNS) != 0)
		goto drop;
	t->runs[t->n_runs] = (struct pdfw_run){ x, y, w, h, t->n_cp, kept, vertical };
	for (size_t i = 0; i < n; i++)
		if (pdfw_textable(cp[i]))
			t->cp[t->n_cp++] = cp[i];
	t->n_runs++;
	return 0;
drop:
	t->dropped++;
	return -1;
}

int pdfw_text_add(struct pdfw_text *t, const uint32_t *cp, size_t n, double x, double y,
		  double w, double h)
{
	return pdfw_text_add_run(t, cp, n, x, y, w, h, 0);
}

int pdfw_text_add_vertical(struct pdfw_text *t, const uint32_t *cp, size_t n, double x,
			   double y, double w, double h)
{
	return pdfw_text_add_run(t, cp, n, x, y, w, h, 1);
}

/* ---- output ---------------------------------------------------------------- */

static void pdfw_flush(struct pdfw *w)
{
	size_t off = 0;

	while (w->error == PDFW_OK && off < w->buf_len) {
		ssize_t n = write(w->fd, w->buf + off, w->buf_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->error = PDFW_ERR_WRITE;
			break;
		}
		off += (size_t)n;
	}
	w->buf_len = 0;
}

static void pdfw_put(struct pdfw *w, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (w->error != PDFW_OK)
		return;
	if (len > w->max - w->written) {
		w->error = PDFW_ERR_TOO_LARGE;
		return;
	}
	w->written += len;
	while (len > 0 && w->error == PDFW_OK) {
		size_t n = PDFW_BUF - w->buf_len;

		if (n > len)
			n = len;
		memcpy(w->buf + w->buf_len, p, n);
		w->buf_len += n;
		p += n;
		len -= n;
		if (w->buf_len == PDFW_BUF)
			pdfw_flush(w);
	}
}

static void pdfw_printf(struct pdfw *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pdfw_printf(struct pdfw *w, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
		return;
	}
	pdfw_put(w, tmp, (size_t)n);
}

/* a new object number */
static uint32_t pdfw_alloc(struct pdfw *w)
{
	if (pdfw_grow((void **)&w->offsets, &w->cap_obj, w->n_obj + 1, sizeof(*w->offsets),
		      SIZE_MAX / sizeof(*w->offsets)) != 0) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
		return 0;
	}
	w->offsets[w->n_obj] = 0;
	return (uint32_t)w->n_obj++;
}

static void pdfw_begin(struct pdfw *w, uint32_t obj)
{
	if (obj == 0 || obj >= w->n_obj) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
		return;
	}
	w->offsets[obj] = w->written;
	pdfw_printf(w, "%u 0 obj\n", obj);
}

/* an object holding a stream with dict entries extra (may be "") */
static void pdfw_stream_obj(struct pdfw *w, uint32_t obj, const char *extra,
			    const void *data, size_t len)
{
	pdfw_begin(w, obj);
	pdfw_printf(w, "<< /Length %zu %s>>\nstream\n", len, extra);
	pdfw_put(w, data, len);
	pdfw_printf(w, "\nendstream\nendobj\n");
}

static int pdfw_deflate(const void *in, size_t len, unsigned char **out, size_t *out_len)
{
	uLongf n = compressBound((uLong)len);

	*out = malloc(n);
	if (*out == NULL)
		return -1;
	if (compress2(*out, &n, in, (uLong)len, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*out_len = n;
	return 0;
}

static void pdfw_flate_obj(struct pdfw *w, uint32_t obj, const void *data, size_t len)
{
	unsigned char *z;
	size_t zlen;

	if (pdfw_deflate(data, len, &z, &zlen) != 0) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
		return;
	}
	pdfw_stream_obj(w, obj, "/Filter /FlateDecode ", z, zlen);
	free(z);
}

int pdfw_deflate_rgb24(const unsigned char *data, int width, int height, int stride,
		       unsigned char **out, size_t *out_len)
{
	z_stream zs;
	unsigned char *row, *buf;
	size_t cap;
	int rc = -1;

	*out = NULL;
	*out_len = 0;
	if (width <= 0 || height <= 0 || stride < width * 4)
		return -1;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
		return -1;
	cap = deflateBound(&zs, (uLong)width * 3 * (uLong)height);
	buf = malloc(cap);
	row = malloc((size_t)width * 3);
	if (buf == NULL || row == NULL)
		goto out;
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	for (int y = 0; y < height; y++) {
		const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);

		for (int x = 0; x < width; x++) {
			row[3 * x] = (unsigned char)(px[x] >> 16);
			row[3 * x + 1] = (unsigned char)(px[x] >> 8);
			row[3 * x + 2] = (unsigned char)px[x];
		}
		zs.next_in = row;
		zs.avail_in = (uInt)(width * 3);
		if (deflate(&zs, y + 1 == height ? Z_FINISH : Z_NO_FLUSH) ==
		    Z_STREAM_ERROR)
			goto out;
	}
	if (zs.avail_in != 0 || zs.total_out == 0)
		goto out;
	*out = buf;
	*out_len = zs.total_out;
	buf = NULL;
	rc = 0;
out:
	deflateEnd(&zs);
	free(buf);
	free(row);
	return rc;
}

/* ---- the glyphless font ---------------------------------------------------- */

static void be16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void be32(unsigned char *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xFFFF);
}

static uint32_t tt_checksum(const unsigned char *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++)
			v = (v << 8) | (i + k < len ? p[i + k] : 0);
		sum += v;
	}
	return sum;
}

/*
 * A TrueType font of two empty glyphs (.notdef and the one every CID maps
 * to), both PDFW_GLYPH_WIDTH wide, em 1000, box PDFW_DESCENT..PDFW_ASCENT.
 * Tables: cmap (format 4, no mapping), glyf (empty), head, hhea, hmtx, loca,
 * maxp, name, post.  Written into out (at least 512 bytes); returns its size.
 */
static size_t pdfw_font_file(unsigned char *out)
{
	static const char name_str[] = "GlyphLessFont";
	unsigned char cmap[36] = { 0 }, glyf[4] = { 0 }, head[54] = { 0 }, hhea[36] = { 0 };
	unsigned char hmtx[8] = { 0 }, loca[8] = { 0 }, maxp[32] = { 0 }, post[32] = { 0 };
	unsigned char name[6 + 2 * 12 + 2 * (sizeof(name_str) - 1)] = { 0 };
	struct { const char *tag; unsigned char *p; size_t len; } t[] = {
		{ "cmap", cmap, sizeof(cmap) }, { "glyf", glyf, sizeof(glyf) },
		{ "head", head, sizeof(head) }, { "hhea", hhea, sizeof(hhea) },
		{ "hmtx", hmtx, sizeof(hmtx) }, { "loca", loca, 6 },
		{ "maxp", maxp, sizeof(maxp) }, { "name", name, sizeof(name) },
		{ "post", post, sizeof(post) },
	};
	const size_t nt = sizeof(t) / sizeof(t[0]);
	size_t off = 12 + 16 * nt, head_off = 0;

	/* cmap: one (3,1) format 4 subtable with only the 0xFFFF end segment */
	be16(cmap + 2, 1);
	be16(cmap + 4, 3);
	be16(cmap + 6, 1);
	be32(cmap + 8, 12);
	be16(cmap + 12, 4);
	be16(cmap + 14, 24);
	be16(cmap + 18, 2);
	be16(cmap + 20, 2);
	be16(cmap + 26, 0xFFFF);
	be16(cmap + 30, 0xFFFF);
	be16(cmap + 32, 1);
	/* head */
	be32(head, 0x00010000);
	be32(head + 4, 0x00010000);
	be32(head + 12, 0x5F0F3CF5);
	be16(head + 16, 0x000B);
	be16(head + 18, 1000);
	be16(head + 36, 0);
	be16(head + 38, (unsigned)(PDFW_DESCENT & 0xFFFF));
	be16(head + 40, PDFW_GLYPH_WIDTH);
	be16(head + 42, PDFW_ASCENT);
	be16(head + 46, 3);
	be16(head + 48, 2);
	/* hhea */
	be32(hhea, 0x00010000);
	be16(hhea + 4, PDFW_ASCENT);
	be16(hhea + 6, (unsigned)(PDFW_DESCENT & 0xFFFF));
	be16(hhea + 10, PDFW_GLYPH_WIDTH);
	be16(hhea + 16, PDFW_GLYPH_WIDTH);
	be16(hhea + 18, 1);
	be16(hhea + 34, 2);
	/* hmtx: both glyphs the same width */
	be16(hmtx, PDFW_GLYPH_WIDTH);
	be16(hmtx + 4, PDFW_GLYPH_WIDTH);
	/* loca (short): three zero offsets, both glyphs empty */
	/* maxp 1.0 */
	be32(maxp, 0x00010000);
	be16(maxp + 4, 2);
	be16(maxp + 14, 2);
	/* name: family (1) and PostScript name (6), UTF-16BE */
	be16(name + 2, 2);
	be16(name + 4, 6 + 2 * 12);
	for (int r = 0; r < 2; r++) {
		unsigned char *rec = name + 6 + 12 * r;

		be16(rec, 3);
		be16(rec + 2, 1);
		be16(rec + 4, 0x0409);
		be16(rec + 6, r == 0 ? 1 : 6);
		be16(rec + 8, 2 * (unsigned)(sizeof(name_str) - 1));
	}
	for (size_t i = 0; i + 1 < sizeof(name_str); i++)
		be16(name + 30 + 2 * i, (unsigned char)name_str[i]);
	/* post 3.0, fixed pitch */
	be32(post, 0x00030000);
	be16(post + 8, (unsigned)(-100 & 0xFFFF));
	be16(post + 10, 50);
	be32(post + 12, 1);

	memset(out, 0, 12 + 16 * nt);
	be32(out, 0x00010000);
	be16(out + 4, (unsigned)nt);
	be16(out + 6, 128);
	be16(out + 8, 3);
	be16(out + 10, (unsigned)(16 * nt - 128));
	for (size_t i = 0; i < nt; i++) {
		unsigned char *rec = out + 12 + 16 * i;
		size_t padded = (t[i].len + 3) & ~(size_t)3;

		memcpy(rec, t[i].tag, 4);
		be32(rec + 4, tt_checksum(t[i].p, t[i].len));
		be32(rec + 8, (uint32_t)off);
		be32(rec + 12, (uint32_t)t[i].len);
		memset(out + off, 0, padded);
		memcpy(out + off, t[i].p, t[i].len);
		if (strcmp(t[i].tag, "head") == 0)
			head_off = off;
		off += padded;
	}
	be32(out + head_off + 8, 0xB1B0AFBAu - tt_checksum(out, off));
	return off;
}

/* The font objects: Type0 (w->font_obj), CIDFontType2, CIDToGIDMap,
 * ToUnicode, FontDescriptor, FontFile2, numbered font_obj .. font_obj + 5. */
static void pdfw_write_font(struct pdfw *w)
{
	uint32_t f = w->font_obj;
	unsigned char font[1024];
	size_t font_len = pdfw_font_file(font);
	unsigned char *map;
	char *cmap;
	size_t cap = 4096 + 64 * (w->n_astral + 256), len = 0;
	char extra[64];

	pdfw_begin(w, f);
	pdfw_printf(w, "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont "
		       "/Encoding /Identity-H /DescendantFonts [%u 0 R] /ToUnicode %u 0 R >>\n"
		       "endobj\n", f + 1, f + 3);
	pdfw_begin(w, f + 1);
	pdfw_printf(w, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
		       "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
		       "/FontDescriptor %u 0 R /DW %d /CIDToGIDMap %u 0 R >>\nendobj\n",
		    f + 4, PDFW_GLYPH_WIDTH, f + 2);
	/* every CID -> glyph 1 */
	map = malloc(2 * 65536);
	if (map == NULL) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
		return;
	}
	for (size_t i = 0; i < 65536; i++) {
		map[2 * i] = 0;
		map[2 * i + 1] = 1;
	}
	pdfw_flate_obj(w, f + 2, map, 2 * 65536);
	free(map);

	cmap = malloc(cap);
	if (cmap == NULL) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
		return;
	}
	/* cap is more than all of it needs; a CM past it stops writing */
#define CM(...) (len < cap ? (len += (size_t)snprintf(cmap + len, cap - len, __VA_ARGS__)) : len)
	CM("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
	   "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
	   "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
	   "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	/* identity over the BMP, one range per high byte (a range may only
	 * vary its last byte), leaving out the surrogate block */
	for (unsigned hi = 0, done = 0; hi < 256;) {
		unsigned n = 0;

		for (unsigned k = hi; k < 256 && n < 100; k++)
			if (k < 0xD8 || k > 0xDF)
				n++;
		CM("%u beginbfrange\n", n);
		for (; hi < 256 && done < n; hi++) {
			if (hi >= 0xD8 && hi <= 0xDF)
				continue;
			CM("<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
			done++;
		}
		CM("endbfrange\n");
		done = 0;
	}
	for (size_t i = 0; i < w->n_astral; i += 100) {
		size_t n = w->n_astral - i < 100 ? w->n_astral - i : 100;

		CM("%zu beginbfchar\n", n);
		for (size_t k = i; k < i + n; k++) {
			uint32_t c = w->astral[k] - 0x10000;

			CM("<%04X> <%04X%04X>\n", (unsigned)(PDFW_ASTRAL_FIRST + k),
			   (unsigned)(0xD800 + (c >> 10)), (unsigned)(0xDC00 + (c & 0x3FF)));
		}
		CM("endbfchar\n");
	}
	CM("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
#undef CM
	if (len >= cap) {
		if (w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID;
	} else {
		pdfw_flate_obj(w, f + 3, cmap, len);
	}
	free(cmap);

	pdfw_begin(w, f + 4);
	pdfw_printf(w, "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
		       "/FontBBox [0 %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d "
		       "/CapHeight %d /StemV 80 /FontFile2 %u 0 R >>\nendobj\n",
		    PDFW_DESCENT, PDFW_GLYPH_WIDTH, PDFW_ASCENT, PDFW_ASCENT, PDFW_DESCENT,
		    PDFW_ASCENT, f + 5);
	snprintf(extra, sizeof(extra), "/Length1 %zu ", font_len);
	pdfw_stream_obj(w, f + 5, extra, font, font_len);
}

/* ---- pages ----------------------------------------------------------------- */

struct pdfw_buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void pb_printf(struct pdfw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pb_printf(struct pdfw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	if (b->cap - b->len < 256 &&
	    pdfw_grow((void **)&b->p, &b->cap, b->len + 256, 1, SIZE_MAX / 2) != 0) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->oom = 1; /* every caller prints less than 256 bytes */
	else
		b->len += (size_t)n;
}

/* a number without trailing zeros ("12.5", "-3", "0.125") */
static const char *pdfw_num(char *tmp, size_t len, double v)
{
	char *e;

	if (fabs(v) < 0.0005)
		v = 0;
	snprintf(tmp, len, "%.3f", v);
	e = tmp + strlen(tmp);
	while (e > tmp && e[-1] == '0')
		*--e = '\0';
	if (e > tmp && e[-1] == '.')
		*--e = '\0';
	return tmp;
}

/* The CID of a code point; astral ones get D800 + i the first time they are
 * seen.  -1 when the table is full (the character is left out). */
static int pdfw_cid(struct pdfw *w, uint32_t c)
{
	size_t h;

	if (c < 0x10000)
		return (int)c;
	h = (c * 2654435761u) % (2 * PDFW_DOC_MAX_ASTRAL);
	for (;;) {
		uint16_t e = w->astral_hash[h];

		if (e == 0)
			break;
		if (w->astral[e - 1] == c)
			return PDFW_ASTRAL_FIRST + e - 1;
		h = (h + 1) % (2 * PDFW_DOC_MAX_ASTRAL);
	}
	if (w->n_astral >= PDFW_DOC_MAX_ASTRAL)
		return -1;
	w->astral[w->n_astral++] = c;
	w->astral_hash[h] = (uint16_t)w->n_astral;
	return PDFW_ASTRAL_FIRST + (int)w->n_astral - 1;
}

static void pdfw_text_ops(struct pdfw *w, struct pdfw_buf *b, const struct pdfw_text *t)
{
	char n1[32], n2[32], n3[32], n4[32];

	for (size_t r = 0; r < t->n_runs && !b->oom; r++) {
		const struct pdfw_run *run = &t->runs[r];
		size_t n = 0;
		double tz, size, length;

		/* the writer checks again what pdfw_text_add checked: a run built
		 * by hand must not break the page either */
		if (run->first > t->n_cp || run->len > t->n_cp - run->first || run->len == 0 ||
		    !pdfw_geometry_ok(run->x, run->y, run->w, run->h, run->vertical))
			continue;
		for (size_t i = 0; i < run->len; i++)
			n += pdfw_textable(t->cp[run->first + i]);
		if (n == 0)
			continue;
		/* across the line: the size; along it: the length Tz stretches to */
		size = run->vertical ? run->w : run->h;
		length = run->vertical ? run->h : run->w;
		tz = 100.0 * length * 1000.0 / (size * PDFW_GLYPH_WIDTH * (double)n);
		if (tz < PDFW_TZ_MIN)
			tz = PDFW_TZ_MIN;
		if (tz > PDFW_TZ_MAX)
			tz = PDFW_TZ_MAX;
		/* Tr and Tz inside every text object: poppler does not carry Tz over
		 * BT/ET; the baseline sits -descent above the box's bottom */
		pb_printf(b, "BT 3 Tr /F1 %s Tf %s Tz ", pdfw_num(n1, sizeof(n1), size),
			  pdfw_num(n2, sizeof(n2), tz));
		if (run->vertical) /* turned a quarter clockwise: reads downwards, from the top */
			pb_printf(b, "0 -1 1 0 %s %s Tm <",
				  pdfw_num(n3, sizeof(n3), run->x - PDFW_DESCENT * size / 1000.0),
				  pdfw_num(n4, sizeof(n4), run->y + run->h));
		else
			pb_printf(b, "1 0 0 1 %s %s Tm <", pdfw_num(n3, sizeof(n3), run->x),
				  pdfw_num(n4, sizeof(n4), run->y - PDFW_DESCENT * size / 1000.0));
		for (size_t i = 0; i < run->len && !b->oom; i++) {
			uint32_t c = t->cp[run->first + i];
			int cid;

			if (!pdfw_textable(c))
				continue;
			cid = pdfw_cid(w, c);
			pb_printf(b, "%04X", (unsigned)(cid < 0 ? 0xFFFD : cid));
		}
		pb_printf(b, "> Tj ET\n");
	}
}

struct pdfw *pdfw_open(int fd, uint64_t max_bytes)
{
	struct pdfw *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = fd;
	w->max = max_bytes;
	pdfw_alloc(w); /* 0: the free list head */
	pdfw_alloc(w); /* 1: catalog */
	pdfw_alloc(w); /* 2: page tree, written last */
	pdfw_printf(w, "%%PDF-1.5\n%%\xE2\xE3\xCF\xD3\n");
	pdfw_begin(w, 1);
	pdfw_printf(w, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	if (w->error != PDFW_OK) {
		pdfw_abort(w);
		return NULL;
	}
	return w;
}

int pdfw_page(struct pdfw *w, double w_pt, double h_pt, const struct pdfw_image *img,
	      const struct pdfw_text *text)
{
	struct pdfw_buf b = { NULL, 0, 0, 0 };
	uint32_t im, cs, pg;
	char n1[32], n2[32];
	int has_text = text != NULL && text->n_runs > 0;

	if (w->error != PDFW_OK)
		return w->error;
	if (!isfinite(w_pt) || !isfinite(h_pt) || w_pt < 1 || h_pt < 1 ||
	    w_pt > PDFW_COORD_MAX || h_pt > PDFW_COORD_MAX || img == NULL ||
	    img->data == NULL || img->len == 0 || img->width <= 0 || img->height <= 0 ||
	    (img->components != 1 && img->components != 3) ||
	    (img->kind != PDFW_IMG_JPEG && img->kind != PDFW_IMG_FLATE) ||
	    pdfw_grow((void **)&w->pages, &w->cap_pages, w->n_pages + 1, sizeof(*w->pages),
		      SIZE_MAX / sizeof(*w->pages)) != 0) {
		w->error = PDFW_ERR_INVALID;
		return w->error;
	}
	if (has_text && w->font_obj == 0) {
		w->font_obj = pdfw_alloc(w);
		for (int i = 0; i < 5; i++)
			pdfw_alloc(w);
	}
	im = pdfw_alloc(w);
	cs = pdfw_alloc(w);
	pg = pdfw_alloc(w);

	pdfw_begin(w, im);
	pdfw_printf(w, "<< /Type /XObject /Subtype /Image /Width %d /Height %d "
		       "/ColorSpace /%s /BitsPerComponent 8 /Filter /%s /Length %zu >>\nstream\n",
		    img->width, img->height, img->components == 1 ? "DeviceGray" : "DeviceRGB",
		    img->kind == PDFW_IMG_JPEG ? "DCTDecode" : "FlateDecode", img->len);
	pdfw_put(w, img->data, img->len);
	pdfw_printf(w, "\nendstream\nendobj\n");

	pb_printf(&b, "q %s 0 0 %s 0 0 cm /Im1 Do Q\n", pdfw_num(n1, sizeof(n1), w_pt),
		  pdfw_num(n2, sizeof(n2), h_pt));
	if (has_text)
		pdfw_text_ops(w, &b, text);
	if (b.oom) {
		free(b.p);
		w->error = PDFW_ERR_INVALID;
		return w->error;
	}
	pdfw_flate_obj(w, cs, b.p, b.len);
	free(b.p);

	pdfw_begin(w, pg);
	pdfw_printf(w, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Contents %u 0 R "
		       "/Resources << /XObject << /Im1 %u 0 R >>",
		    pdfw_num(n1, sizeof(n1), w_pt), pdfw_num(n2, sizeof(n2), h_pt), cs, im);
	if (has_text)
		pdfw_printf(w, " /Font << /F1 %u 0 R >>", w->font_obj);
	pdfw_printf(w, " >> >>\nendobj\n");
	w->pages[w->n_pages++] = pg;
	return w->error;
}

uint64_t pdfw_written(const struct pdfw *w)
{
	return w->written;
}

void pdfw_abort(struct pdfw *w)
{
	if (w == NULL)
		return;
	free(w->offsets);
	free(w->pages);
	free(w);
}

int pdfw_close(struct pdfw *w)
{
	uint64_t xref;
	int rc;

	if (w->n_pages == 0 && w->error == PDFW_OK)
		w->error = PDFW_ERR_INVALID; /* a PDF has at least one page */
	if (w->font_obj != 0)
		pdfw_write_font(w);
	pdfw_begin(w, 2);
	pdfw_printf(w, "<< /Type /Pages /Count %zu /Kids [", w->n_pages);
	for (size_t i = 0; i < w->n_pages; i++)
		pdfw_printf(w, "%s%u 0 R", i % 16 == 15 ? "\n" : " ", w->pages[i]);
	pdfw_printf(w, " ] >>\nendobj\n");
	xref = w->written;
	pdfw_printf(w, "xref\n0 %zu\n0000000000 65535 f \n", w->n_obj);
	for (size_t i = 1; i < w->n_obj; i++) {
		if (w->offsets[i] == 0 && w->error == PDFW_OK)
			w->error = PDFW_ERR_INVALID; /* an object never written */
		pdfw_printf(w, "%010llu 00000 n \n", (unsigned long long)w->offsets[i]);
	}
	pdfw_printf(w, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%llu\n%%%%EOF\n",
		    w->n_obj, (unsigned long long)xref);
	pdfw_flush(w);
	rc = w->error;
	pdfw_abort(w);
	return rc;
}
