/* detect.c - type detection with libmagic; the content decides */
#include "mugai/detect.h"
#include "mugai/olecfb.h"

#include <glib.h>
#include <magic.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct detect_ctx {
	magic_t mime;   /* MAGIC_MIME: type and charset */
	unsigned char *buf; /* DETECT_READ_MAX bytes, reused by each detect_fd: a
			     * buffer of that size malloc'ed per call is an mmap
			     * and an munmap (a TLB shoot-down) per file */
};

struct mime_map {
	const char *mime;
	int cls;
};

/* Exact MIME types; prefixes are handled in detect_class_of_mime(). */
static const struct mime_map detect_mimes[] = {
	{ "application/pdf", CLASS_PDF },
	{ "text/plain", CLASS_TEXT },
	{ "text/csv", CLASS_TEXT },
	{ "text/tab-separated-values", CLASS_TEXT },
	{ "application/csv", CLASS_TEXT },
	{ "text/html", CLASS_HTML },
	{ "application/xhtml+xml", CLASS_HTML },
	{ "image/png", CLASS_IMAGE },
	{ "image/jpeg", CLASS_IMAGE },
	{ "image/gif", CLASS_IMAGE },
	{ "image/bmp", CLASS_IMAGE },
	{ "image/x-ms-bmp", CLASS_IMAGE },
	{ "image/tiff", CLASS_IMAGE },
	{ "image/webp", CLASS_IMAGE },
	{ "image/x-portable-bitmap", CLASS_IMAGE }, { "image/x-portable-greymap", CLASS_IMAGE },
	{ "image/x-portable-graymap", CLASS_IMAGE }, { "image/x-portable-pixmap", CLASS_IMAGE },
	{ "image/x-portable-anymap", CLASS_IMAGE },
	{ "image/svg+xml", CLASS_SVG },
	{ "application/epub+zip", CLASS_EPUB },
	{ "message/rfc822", CLASS_MAIL },
	{ "application/zip", CLASS_ARCHIVE },
	{ "application/x-7z-compressed", CLASS_ARCHIVE },
	{ "application/x-tar", CLASS_ARCHIVE },
	{ "application/gzip", CLASS_ARCHIVE },
	{ "application/x-gzip", CLASS_ARCHIVE },
	{ "application/x-bzip2", CLASS_ARCHIVE },
	{ "application/x-xz", CLASS_ARCHIVE },
	{ "application/zstd", CLASS_ARCHIVE },
	{ "application/x-rar", CLASS_ARCHIVE },
	{ "application/vnd.rar", CLASS_ARCHIVE },
	{ "application/vnd.ms-cab-compressed", CLASS_ARCHIVE },
	{ "application/x-lzh-compressed", CLASS_ARCHIVE },
	{ "application/x-lha", CLASS_ARCHIVE },
	{ "application/x-iso9660-image", CLASS_ARCHIVE },
	{ "application/x-cpio", CLASS_ARCHIVE },
	{ "application/msword", CLASS_OFFICE },
	{ "application/vnd.ms-excel", CLASS_OFFICE },
	{ "application/vnd.ms-powerpoint", CLASS_OFFICE },
	{ "text/rtf", CLASS_OFFICE },
	{ "application/rtf", CLASS_OFFICE },
	{ "application/x-dosexec", CLASS_EXECUTABLE },
	{ "application/x-executable", CLASS_EXECUTABLE },
	{ "application/x-sharedlib", CLASS_EXECUTABLE },
	{ "application/x-pie-executable", CLASS_EXECUTABLE },
	{ "application/x-mach-binary", CLASS_EXECUTABLE },
	{ "application/vnd.microsoft.portable-executable", CLASS_EXECUTABLE },
	{ "application/x-msdownload", CLASS_EXECUTABLE },
	{ "application/x-msi", CLASS_EXECUTABLE },
	{ "application/x-ms-shortcut", CLASS_EXECUTABLE },
	{ "application/x-java-applet", CLASS_EXECUTABLE },
	{ "application/java-archive", CLASS_EXECUTABLE },
	{ "application/x-elc", CLASS_EXECUTABLE },
	{ "application/javascript", CLASS_SCRIPT },
	{ "application/x-javascript", CLASS_SCRIPT },
	{ "text/javascript", CLASS_SCRIPT },
	{ "text/x-shellscript", CLASS_SCRIPT },
	{ "text/x-msdos-batch", CLASS_SCRIPT },
	{ "text/x-perl", CLASS_SCRIPT },
	{ "text/x-python", CLASS_SCRIPT },
	{ "text/x-script.python", CLASS_SCRIPT },
	{ "text/x-ruby", CLASS_SCRIPT },
	{ "text/x-php", CLASS_SCRIPT },
	{ "text/x-awk", CLASS_SCRIPT },
	{ "text/x-lua", CLASS_SCRIPT },
	{ "text/x-tcl", CLASS_SCRIPT },
	{ "application/x-empty", CLASS_EMPTY },
	{ "inode/x-empty", CLASS_EMPTY },
};

struct ext_map {
	const char *ext;
	int cls;
	bool dangerous;
};

/* What an extension claims.  "dangerous" extensions are blocked whatever the
 * content says: Windows would run or open them as programs. */
static const struct ext_map detect_exts[] = {
	{ "pdf", CLASS_PDF, false },
	{ "txt", CLASS_TEXT, false }, { "csv", CLASS_TEXT, false }, { "tsv", CLASS_TEXT, false },
	{ "log", CLASS_TEXT, false }, { "md", CLASS_TEXT, false },
	{ "htm", CLASS_HTML, false }, { "html", CLASS_HTML, false }, { "xhtml", CLASS_HTML, false },
	{ "png", CLASS_IMAGE, false }, { "jpg", CLASS_IMAGE, false }, { "jpeg", CLASS_IMAGE, false },
	{ "gif", CLASS_IMAGE, false }, { "bmp", CLASS_IMAGE, false }, { "tif", CLASS_IMAGE, false },
	{ "tiff", CLASS_IMAGE, false }, { "webp", CLASS_IMAGE, false },
	{ "pbm", CLASS_IMAGE, false }, { "pgm", CLASS_IMAGE, false }, { "ppm", CLASS_IMAGE, false },
	{ "pnm", CLASS_IMAGE, false }, { "svg", CLASS_SVG, false }, { "epub", CLASS_EPUB, false },
	{ "eml", CLASS_MAIL, false },
	{ "zip", CLASS_ARCHIVE, false }, { "7z", CLASS_ARCHIVE, false }, { "tar", CLASS_ARCHIVE, false },
	{ "gz", CLASS_ARCHIVE, false }, { "tgz", CLASS_ARCHIVE, false }, { "bz2", CLASS_ARCHIVE, false },
	{ "xz", CLASS_ARCHIVE, false }, { "zst", CLASS_ARCHIVE, false }, { "rar", CLASS_ARCHIVE, false },
	{ "cab", CLASS_ARCHIVE, false }, { "lzh", CLASS_ARCHIVE, false }, { "lha", CLASS_ARCHIVE, false },
	{ "cpio", CLASS_ARCHIVE, false },
	{ "iso", CLASS_ARCHIVE, false }, { "img", CLASS_ARCHIVE, false },
	{ "doc", CLASS_OFFICE, false }, { "docx", CLASS_OFFICE, false }, { "docm", CLASS_OFFICE, false },
	{ "xls", CLASS_OFFICE, false }, { "xlsx", CLASS_OFFICE, false }, { "xlsm", CLASS_OFFICE, false },
	{ "ppt", CLASS_OFFICE, false }, { "pptx", CLASS_OFFICE, false }, { "pptm", CLASS_OFFICE, false },
	{ "odt", CLASS_OFFICE, false }, { "ods", CLASS_OFFICE, false }, { "odp", CLASS_OFFICE, false },
	{ "rtf", CLASS_OFFICE, false }, { "jtd", CLASS_OFFICE, false },
	{ "exe", CLASS_EXECUTABLE, true }, { "dll", CLASS_EXECUTABLE, true },
	{ "com", CLASS_EXECUTABLE, true }, { "scr", CLASS_EXECUTABLE, true },
	{ "pif", CLASS_EXECUTABLE, true }, { "cpl", CLASS_EXECUTABLE, true },
	{ "msi", CLASS_EXECUTABLE, true }, { "msp", CLASS_EXECUTABLE, true },
	{ "lnk", CLASS_EXECUTABLE, true }, { "jar", CLASS_EXECUTABLE, true },
	{ "sys", CLASS_EXECUTABLE, true }, { "ocx", CLASS_EXECUTABLE, true },
	{ "chm", CLASS_EXECUTABLE, true }, { "appx", CLASS_EXECUTABLE, true },
	{ "js", CLASS_SCRIPT, true }, { "jse", CLASS_SCRIPT, true }, { "vbs", CLASS_SCRIPT, true },
	{ "vbe", CLASS_SCRIPT, true }, { "wsf", CLASS_SCRIPT, true }, { "wsh", CLASS_SCRIPT, true },
	{ "hta", CLASS_SCRIPT, true }, { "ps1", CLASS_SCRIPT, true }, { "psm1", CLASS_SCRIPT, true },
	{ "bat", CLASS_SCRIPT, true }, { "cmd", CLASS_SCRIPT, true }, { "reg", CLASS_SCRIPT, true },
	{ "sct", CLASS_SCRIPT, true }, { "inf", CLASS_SCRIPT, true }, { "url", CLASS_SCRIPT, true },
	{ "scf", CLASS_SCRIPT, true }, { "xll", CLASS_SCRIPT, true },
	{ "iqy", CLASS_SCRIPT, true }, { "settingcontent-ms", CLASS_SCRIPT, true },
};

static const char *const detect_class_names[] = {
	[CLASS_UNKNOWN] = "unknown", [CLASS_EMPTY] = "empty", [CLASS_PDF] = "pdf",
	[CLASS_TEXT] = "text", [CLASS_HTML] = "html", [CLASS_IMAGE] = "image",
	[CLASS_ARCHIVE] = "archive", [CLASS_OFFICE] = "office",
	[CLASS_EXECUTABLE] = "executable", [CLASS_SCRIPT] = "script",
	[CLASS_SVG] = "svg", [CLASS_EPUB] = "epub", [CLASS_MAIL] = "mail",
};

const char *detect_class_name(int cls)
{
	if (cls < 0 || (size_t)cls >= G_N_ELEMENTS(detect_class_names))
		return "unknown";
	return detect_class_names[cls];
}

int detect_class_of_mime(const char *mime)
{
	for (size_t i = 0; i < G_N_ELEMENTS(detect_mimes); i++)
		if (strcmp(detect_mimes[i].mime, mime) == 0)
			return detect_mimes[i].cls;
	if (strncmp(mime, "application/vnd.openxmlformats-officedocument.", 46) == 0 ||
	    strncmp(mime, "application/vnd.oasis.opendocument.", 35) == 0 ||
	    strncmp(mime, "application/vnd.ms-word", 23) == 0 ||
	    strncmp(mime, "application/vnd.ms-excel", 24) == 0 ||
	    strncmp(mime, "application/vnd.ms-powerpoint", 29) == 0)
		return CLASS_OFFICE;
	return CLASS_UNKNOWN;
}

static const struct ext_map *detect_ext_lookup(const char *ext)
{
	for (size_t i = 0; i < G_N_ELEMENTS(detect_exts); i++)
		if (strcmp(detect_exts[i].ext, ext) == 0)
			return &detect_exts[i];
	return NULL;
}

int detect_class_of_ext(const char *ext)
{
	const struct ext_map *m = detect_ext_lookup(ext);

	return m != NULL ? m->cls : CLASS_UNKNOWN;
}

int detect_open(struct detect_ctx **ctxp, char *err, size_t errlen)
{
	struct detect_ctx *ctx = calloc(1, sizeof(*ctx));
	size_t bytes_max = DETECT_READ_MAX;

	if (ctx == NULL || (ctx->buf = malloc(DETECT_READ_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ctx);
		return -1;
	}
	/* type and encoding in one pass: "text/plain; charset=utf-8" */
	ctx->mime = magic_open(MAGIC_MIME | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS);
	if (ctx->mime == NULL || magic_load(ctx->mime, NULL) != 0) {
		snprintf(err, errlen, "libmagic: cannot load the magic database: %s",
			 ctx->mime != NULL && magic_error(ctx->mime) != NULL ?
			 magic_error(ctx->mime) : strerror(errno));
		detect_close(ctx);
		return -1;
	}
	magic_setparam(ctx->mime, MAGIC_PARAM_BYTES_MAX, &bytes_max);
	*ctxp = ctx;
	return 0;
}

void detect_close(struct detect_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->mime != NULL)
		magic_close(ctx->mime);
	free(ctx->buf);
	free(ctx);
}

/* Lower-case extension of the last path component, without the dot.
 * Trailing dots and spaces are ignored as Windows ignores them: "a.exe."
 * and "a.exe " run a.exe. */
static void detect_extension(const char *name, char *ext, size_t extlen)
{
	const char *base = strrchr(name, '/');
	const char *end, *dot;
	size_t n;

	ext[0] = '\0';
	base = base != NULL ? base + 1 : name;
	end = base + strlen(base);
	while (end > base && (end[-1] == '.' || end[-1] == ' '))
		end--;
	dot = NULL;
	for (const char *p = base; p < end; p++)
		if (*p == '.')
			dot = p;
	if (dot == NULL || dot == base || dot + 1 >= end)
		return;
	n = (size_t)(end - dot - 1);
	if (n >= extlen)
		return;
	for (size_t i = 0; i < n; i++)
		ext[i] = (char)g_ascii_tolower(dot[1 + i]);
	ext[n] = '\0';
}

static bool detect_has_bidi(const char *name)
{
	/* U+202A..U+202E (E2 80 AA..AE), U+2066..U+2069 (E2 81 A6..A9) */
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (p[0] == 0xE2 && p[1] != '\0' &&
		    ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
		     (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
			return true;
	return false;
}

/* A ZIP whose local file header names "[Content_Types].xml" is an OOXML
 * package; libmagic only says so when that part comes first.  The main
 * part's folder tells which application. */
static const char *detect_ooxml(const unsigned char *buf, size_t len)
{
	static const char ct[] = "[Content_Types].xml";
	const unsigned char *p = buf, *end = buf + len;
	int found = 0;

	while (!found && (p = memmem(p, (size_t)(end - p), ct, sizeof(ct) - 1)) != NULL) {
		/* PK\3\4 header, 30 bytes, name length 19 at offset 26 */
		if (p - buf >= 30 && memcmp(p - 30, "PK\x03\x04", 4) == 0 &&
		    p[-4] == sizeof(ct) - 1 && p[-3] == 0)
			found = 1;
		p++;
	}
	if (!found)
		return NULL;
	if (memmem(buf, len, "word/", 5) != NULL)
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
	if (memmem(buf, len, "xl/", 3) != NULL)
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	if (memmem(buf, len, "ppt/", 4) != NULL)
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
	return NULL;
}

static bool detect_is_ole_office(const char *mime)
{
	return strcmp(mime, "application/msword") == 0 ||
	       strcmp(mime, "application/vnd.ms-excel") == 0 ||
	       strcmp(mime, "application/vnd.ms-powerpoint") == 0 ||
	       strcmp(mime, "application/vnd.ms-office") == 0 ||
	       strcmp(mime, "application/CDFV2") == 0 ||
	       strcmp(mime, "application/x-ole-storage") == 0;
}

/* libmagic's generic names for an OLE compound file (it says which
 * application only when it could read the directory from the bytes it was
 * given, 1 MiB, and knew the summary or the names) */
static bool detect_is_ole_generic(const char *mime)
{
	return strcmp(mime, "application/x-ole-storage") == 0 ||
	       strcmp(mime, "application/CDFV2") == 0 ||
	       strcmp(mime, "application/vnd.ms-office") == 0;
}

/* The root storage's streams name the application (olecfb.c): Word, Excel,
 * PowerPoint become their own type (then the macro check, then the office
 * path); anything else stays application/x-ole-storage, an unknown type,
 * with the reason in out->note. */
static void detect_ole_route(int fd, struct detect_result *out)
{
	enum olecfb_app app = OLECFB_NONE;
	char why[DETECT_NOTE_MAX - 32];
	struct stat st;

	if (fstat(fd, &st) != 0)
		snprintf(why, sizeof(why), "cannot stat: %s", strerror(errno));
	else if (olecfb_app(fd, (uint64_t)st.st_size, &app, why, sizeof(why)) == 0 &&
		 app != OLECFB_NONE) {
		g_strlcpy(out->mime, olecfb_mime(app), sizeof(out->mime));
		return;
	}
	g_strlcpy(out->mime, "application/x-ole-storage", sizeof(out->mime));
	snprintf(out->note, sizeof(out->note), "OLE compound file: %s", why);
}

/* Does the OLE compound file hold a macro storage?  Directory entries name
 * them in UTF-16LE: "Macros" (Word), "_VBA_PROJECT_CUR" (Excel),
 * "_VBA_PROJECT", "VBA".  A byte search over the whole file: cheap, no
 * parsing, and a false hit only makes the policy stricter. */
static bool detect_ole_macros(int fd)
{
	static const char *const names[] = { "Macros", "_VBA_PROJECT", "VBA" };
	unsigned char pat[3][32];
	size_t plen[3];
	enum { CHUNK = 1024 * 1024, OVERLAP = 64 };
	unsigned char *buf = malloc(CHUNK + OVERLAP);
	uint64_t off = 0;
	size_t have = 0;
	bool hit = false;

	if (buf == NULL)
		return true; /* cannot tell: assume the worst */
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);

		for (size_t k = 0; k < n; k++) {
			pat[i][2 * k] = (unsigned char)names[i][k];
			pat[i][2 * k + 1] = 0;
		}
		/* NUL-terminated in the directory entry */
		pat[i][2 * n] = 0;
		pat[i][2 * n + 1] = 0;
		plen[i] = 2 * n + 2;
	}
	while (!hit && off < DETECT_MACRO_SCAN_MAX) {
		ssize_t n = pread(fd, buf + have, CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		off += (uint64_t)n;
		for (size_t i = 0; i < 3 && !hit; i++)
			hit = memmem(buf, have, pat[i], plen[i]) != NULL;
		/* a name may straddle two chunks */
		if (have > OVERLAP) {
			memmove(buf, buf + have - OVERLAP, OVERLAP);
			have = OVERLAP;
		}
	}
	free(buf);
	return hit;
}

/* the class of out->mime, and what the name says beside it */
static void detect_classify(const char *name, struct detect_result *out)
{
	const struct ext_map *em;

	out->cls = detect_class_of_mime(out->mime);
	/* libmagic calls UTF-16 text and legacy encodings application/octet-stream
	 * sometimes; text/ with a known charset is text. */
	if (out->cls == CLASS_UNKNOWN && strncmp(out->mime, "text/", 5) == 0 &&
	    strstr(out->mime, "html") == NULL && strstr(out->mime, "xml") == NULL)
		out->cls = CLASS_TEXT;
	detect_extension(name, out->extension, sizeof(out->extension));
	em = detect_ext_lookup(out->extension);
	out->ext_cls = em != NULL ? em->cls : CLASS_UNKNOWN;
	out->dangerous_ext = em != NULL && em->dangerous;
	out->bidi_name = detect_has_bidi(name);
	/* a text file named .csv is consistent; a zip named .docx is office:
	 * OOXML is a zip, libmagic names it precisely only when the parts are
	 * where it looks */
	out->mismatch = out->extension[0] != '\0' && em != NULL && out->ext_cls != out->cls &&
			!(out->ext_cls == CLASS_OFFICE && out->cls == CLASS_ARCHIVE);
}

int detect_fd(struct detect_ctx *ctx, int fd, const char *name, struct detect_result *out,
	      char *err, size_t errlen)
{
	unsigned char *buf = ctx->buf;
	size_t len = 0;
	const char *m, *e;

	memset(out, 0, sizeof(*out));
	while (len < DETECT_READ_MAX) {
		ssize_t n = pread(fd, buf + len, DETECT_READ_MAX - len, (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == 0) {
		m = "application/x-empty";
		e = "binary";
	} else {
		m = magic_buffer(ctx->mime, buf, len);
		if (m == NULL) {
			snprintf(err, errlen, "libmagic: %s",
				 magic_error(ctx->mime) ? magic_error(ctx->mime) : "failed");
			return -1;
		}
		g_strlcpy(out->mime, m, sizeof(out->mime));
		e = strstr(out->mime, "; charset=");
		if (e != NULL) {
			g_strlcpy(out->encoding, e + 10, sizeof(out->encoding));
			out->mime[e - out->mime] = '\0';
		} else {
			g_strlcpy(out->encoding, "unknown", sizeof(out->encoding));
		}
		m = out->mime;
		e = out->encoding;
	}
	if (m != out->mime)
		g_strlcpy(out->mime, m, sizeof(out->mime));
	if (e != out->encoding)
		g_strlcpy(out->encoding, e, sizeof(out->encoding));
	if (strcmp(out->mime, "application/zip") == 0 ||
	    strcmp(out->mime, "application/octet-stream") == 0) {
		const char *ox = detect_ooxml(buf, len);

		if (ox != NULL)
			g_strlcpy(out->mime, ox, sizeof(out->mime));
	}
	if (detect_is_ole_generic(out->mime))
		detect_ole_route(fd, out);
	out->ooxml = detect_is_ooxml(out->mime);
	out->ole_macros = detect_is_ole_office(out->mime) && detect_ole_macros(fd);

	detect_classify(name, out);
	return 0;
}

void detect_declared(const char *mime, const char *encoding, const char *name,
		     struct detect_result *out)
{
	memset(out, 0, sizeof(*out));
	g_strlcpy(out->mime, mime, sizeof(out->mime));
	g_strlcpy(out->encoding, encoding, sizeof(out->encoding));
	detect_classify(name, out);
}
