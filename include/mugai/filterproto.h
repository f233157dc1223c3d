/*
 * filterproto.h - the filter protocol: everything the core (which spawns
 * mugai-filter) and the filters (which run inside it) must agree on, in one
 * place.  Neither side includes the other's headers.
 *
 *   fd 0  the input (read only)          FILTERPROTO_FD_IN
 *   fd 3  SOCK_SEQPACKET channel         FILTERPROTO_FD_CHAN: one
 *         struct filter_request in, one struct filter_reply out, both of a
 *         fixed size and checked exactly (filterproto_check_request/reply)
 *   fd 4  the output directory           FILTERPROTO_FD_OUTDIR
 *
 * A filter writes its output files into the output directory by name and
 * names the one the core is to take next in the reply (filter_reply.output,
 * one of FILTERPROTO_OUT_*).  The unpack filter names FILTERPROTO_MANIFEST:
 * one JSON object per line, one per member, written and read by the
 * functions below (filterproto_manifest_*), never by hand.
 *
 * The filter table (FILTERPROTO_FILTERS) names every filter with the binary
 * that carries it and the limits it runs under; filters/registry.c builds
 * the ops table from it, src/core/filterproc.c picks binary and limits by it.
 *
 * The implementation (src/util/filterproto.c) is in libmugai_util, which
 * depends on libc and jansson only: the filters link it, not the core.
 */
#ifndef MUGAI_FILTERPROTO_H
#define MUGAI_FILTERPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum filter_status {
	FILTER_OK = 0,      /* output written, ready to be scanned and released */
	FILTER_BLOCKED = 1, /* the content is refused (policy or limit) */
	FILTER_HELD = 2,    /* cannot be inspected yet (encrypted) */
	FILTER_FAILED = 3,  /* the filter could not do its job (corrupt input...) */
};

enum filter_image_format {
	FILTER_IMG_JPEG = 0,
	FILTER_IMG_FLATE = 1,
};

/* [policy] pdf_text_layer and ocr (0 = off, so that hand-made limits stay off) */
enum filter_text_layer { FILTER_TEXT_LAYER_OFF = 0, FILTER_TEXT_LAYER_AUTO = 1 };
enum filter_ocr { FILTER_OCR_OFF = 0, FILTER_OCR_AUTO = 1, FILTER_OCR_ALWAYS = 2 };
#define FILTER_OCR_LANG_MAX 64

#define FILTER_REASON_MAX 256
#define FILTER_PASSWORD_MAX 256
#define FILTER_MIME_MAX 128

#define FILTERPROTO_MAGIC 0x4d554746u /* "MUGF" */
#define FILTERPROTO_VERSION 5
#define FILTERPROTO_NAME_MAX 32
#define FILTERPROTO_SANDBOX_MAX 128
#define FILTERPROTO_OUTPUT_MAX 32

#define FILTERPROTO_FD_IN 0
#define FILTERPROTO_FD_CHAN 3
#define FILTERPROTO_FD_OUTDIR 4
/* the shared network namespace a filter that execs nothing joins (see
 * filterproc_shared_netns), and the user namespace owning it; either may
 * be absent (the filter then makes its own) */
#define FILTERPROTO_FD_USERNS 5
#define FILTERPROTO_FD_NETNS 6
/* mugai-filter started as root drops to this user (nobody); the parent hands
 * it the output directory */
#define FILTERPROTO_UID 65534

/* The names a filter may give its output (filter_reply.output):
 *   pdf-image, office-pdf          -> out.pdf (office-pdf's is never released:
 *                                     the core renders or reads it again)
 *   pdf-text, text, html-text, ooxml-text -> out.txt
 *   image                          -> out.png or out.jpg
 *   ooxml-cdr, office-ooxml        -> out.docx, out.xlsx or out.pptx
 *   unpack                         -> manifest.jsonl, naming m000001, ... */
#define FILTERPROTO_OUT_PDF "out.pdf"
#define FILTERPROTO_OUT_TXT "out.txt"
#define FILTERPROTO_OUT_PNG "out.png"
#define FILTERPROTO_OUT_JPG "out.jpg"
#define FILTERPROTO_OUT_DOCX "out.docx"
#define FILTERPROTO_OUT_XLSX "out.xlsx"
#define FILTERPROTO_OUT_PPTX "out.pptx"
#define FILTERPROTO_OUT_EML "out.eml"   /* mime-repack: the rebuilt message */
/* the type the core gives mime-repack's input (its plan), the one it reads */
#define FILTERPROTO_MIME_REPACK_PLAN "application/x-mugai-repack-plan+json"
#define FILTERPROTO_MANIFEST "manifest.jsonl"
/* member files of an archive: "m" and six digits, counting from 1 */
#define FILTERPROTO_MEMBER_FMT "m%06u"
/* mime-unpack's text of a text part, converted as the text filter would:
 * "t" and the member's six digits (t000001 for m000001) */
#define FILTERPROTO_TEXT_FMT "t%06u"
#define FILTERPROTO_TEXT_FROM_MAX 32 /* bytes of the encoding's name kept */
#define FILTERPROTO_MAIL_STRUCTURE "structure.json" /* mime-unpack's, for mime-repack */
#define FILTERPROTO_MEMBER_NAME_MAX 16
#define FILTERPROTO_MANIFEST_MAX (64 * 1024 * 1024) /* bytes of a manifest read */
#define FILTERPROTO_MANIFEST_PATH_MAX 4096          /* bytes of a member path kept */
#define FILTERPROTO_MANIFEST_WHY_MAX 256            /* bytes of a skip reason kept */
/* the most containers mime-unpack lets GMime's recursive parser build
 * ([mail] max_containers is validated up to it, the filter clamps to it) */
#define FILTERPROTO_MAIL_CONTAINERS_MAX 4096

/* Limits and parameters for one run.  Every field has a config key (see
 * conf/mugai.conf); 0 never means "unlimited". */
struct filter_limits {
	uint64_t max_output_bytes;  /* [limits] filter_output_max: total written */
	uint32_t dpi;               /* [policy] pdf_dpi (default 150) */
	uint32_t jpeg_quality;      /* [policy] jpeg_quality (default 85) */
	uint32_t image_format;      /* [policy] pdf_image_format: enum filter_image_format */
	uint32_t max_pages;         /* [limits] pdf_max_pages */
	uint32_t max_page_inches;   /* [limits] pdf_max_page_inches: page side */
	uint32_t max_image_dim;     /* [limits] image_max_dimension: width and height */
	uint64_t max_image_pixels;  /* [limits] image_max_pixels: width * height */
	uint32_t threads;           /* [limits] filter_threads: render threads */
	uint64_t max_text_bytes;    /* [limits] text_max_bytes: input text size */
	/* searchable image PDFs (filters/textlayer.c, filters/ocr.c) */
	uint32_t text_layer;        /* [policy] pdf_text_layer: enum filter_text_layer */
	uint32_t ocr;               /* [policy] ocr: enum filter_ocr */
	uint32_t ocr_dpi;           /* [policy] ocr_dpi: the OCR bitmap */
	uint32_t ocr_page_timeout_ms; /* [limits] ocr_page_timeout: per page */
	char ocr_languages[FILTER_OCR_LANG_MAX]; /* [policy] ocr_languages: "jpn+eng" */
	/* archives (unpack) */
	uint32_t max_members;       /* [limits] archive_max_members */
	uint64_t max_member_bytes;  /* [limits] archive_max_member_size */
	uint64_t max_total_bytes;   /* [limits] archive_max_total_size */
	uint32_t max_ratio;         /* [limits] archive_max_ratio */
	uint32_t max_depth;         /* [mail] max_depth: multipart and message/rfc822
				     * nesting (mime-unpack) */
	uint32_t max_containers;    /* [mail] max_containers: multipart and
				     * message/rfc822 declared in the raw message,
				     * counted before GMime parses it (mime-unpack;
				     * at most FILTERPROTO_MAIL_CONTAINERS_MAX) */
	uint32_t html_mail;         /* 1: html-text writes the mail form (links shown
				     * as text, defanged: hxxp://), for mime-repack;
				     * set by the core for the HTML body of a mail,
				     * never from config */
	char password[FILTER_PASSWORD_MAX]; /* archive password, "" = none */
	char mime[FILTER_MIME_MAX];  /* the detected type: tells office-* what the
				      * document is (a hint, never trusted for safety) */
};

/* What a filter reports (filled by the filter; carried in filter_reply). */
struct filter_result {
	int status; /* enum filter_status */
	char reason[FILTER_REASON_MAX];
	char output[FILTERPROTO_OUTPUT_MAX]; /* FILTERPROTO_OUT_* or FILTERPROTO_MANIFEST
					      * when status == FILTER_OK, else "" */
};

struct filter_request {
	uint32_t magic;
	uint32_t version;
	char filter[FILTERPROTO_NAME_MAX];
	struct filter_limits limits;
	uint32_t cpu_seconds;
	uint32_t open_files;
	uint64_t address_space;
	uint64_t file_size;
	uint32_t sandbox_strict;
	uint32_t pad;
};

struct filter_reply {
	uint32_t magic;
	uint32_t version;
	int32_t status;                         /* enum filter_status */
	char reason[FILTER_REASON_MAX];
	char sandbox[FILTERPROTO_SANDBOX_MAX];  /* layers that were active */
	char output[FILTERPROTO_OUTPUT_MAX];    /* the file written ("" or a name above) */
};

/* validate a request / reply read off the channel: 0 when well-formed */
int filterproto_check_request(const void *buf, size_t len);
int filterproto_check_reply(const void *buf, size_t len);

/* true when name is one of the output names above (FILTERPROTO_OUT_*,
 * FILTERPROTO_MANIFEST) */
bool filterproto_output_valid(const char *name);
/* the MIME type of an output a second filter reads (out.pdf, out.docx, ...),
 * NULL for one that is never filtered again */
const char *filterproto_output_mime(const char *name);
/* the extension of an output name ("pdf" for out.pdf) */
const char *filterproto_output_ext(const char *name);

/*
 * The filter table.  FILTERPROTO_FILTERS(X) expands X(symbol, name, binary,
 * limits) once per filter:
 *   symbol  the struct filter_ops the filter defines (filters/<file>.c)
 *   name    what the request and the policy call it
 *   binary  LITE: mugai-filter-lite carries it too (it needs neither poppler
 *           nor cairo nor the image decoders); MAIL: mugai-filter-mail
 *           carries it too (GMime, GLib and jansson only, linked statically
 *           where Debian ships the .a: the binary exec'd for every part of
 *           every mail and every text file costs a third of lite's start);
 *           FULL: only mugai-filter (which carries LITE and MAIL too);
 *           MUPDF: only mugai-filter-mupdf, the one binary MuPDF (AGPL-3.0)
 *           is linked into: optional, and a filter of it fails closed when
 *           it is not installed (FILTERPROTO_MUPDF_MISSING)
 *   limits  FILTER: [limits] filter_*; OFFICE: LibreOffice's own
 *           ([limits] office_timeout, office_memory, more open files)
 * A new filter is one line here and one file in filters/.
 */
#define FILTERPROTO_FILTERS(X)                                        \
	X(filter_pdf_image, "pdf-image", FULL, FILTER)                \
	X(filter_pdf_text, "pdf-text", FULL, FILTER)                  \
	X(filter_text, "text", MAIL, FILTER)                          \
	X(filter_html_text, "html-text", LITE, FILTER)                \
	X(filter_image, "image", FULL, FILTER)                        \
	X(filter_unpack, "unpack", LITE, FILTER)                      \
	X(filter_ooxml_text, "ooxml-text", LITE, FILTER)              \
	X(filter_ooxml_cdr, "ooxml-cdr", LITE, FILTER)                \
	X(filter_office_pdf, "office-pdf", LITE, OFFICE)              \
	X(filter_office_ooxml, "office-ooxml", LITE, OFFICE)          \
	X(filter_netpbm, "netpbm", FULL, FILTER)                      \
	X(filter_svg, "svg", FULL, FILTER)                            \
	X(filter_epub_pdf, "epub-pdf", MUPDF, FILTER)                 \
	/* mail: hostile MIME is parsed where neither poppler nor cairo nor \
	 * the image decoders nor libxml2 nor libarchive are mapped (GMime, \
	 * GLib and iconv only) */                                      \
	X(filter_mime_unpack, "mime-unpack", MAIL, FILTER)            \
	X(filter_mime_repack, "mime-repack", MAIL, FILTER)

enum filterproto_binary {
	FILTERPROTO_BIN_FULL = 0,
	FILTERPROTO_BIN_LITE = 1,
	FILTERPROTO_BIN_MUPDF = 2,
	FILTERPROTO_BIN_MAIL = 3,
};
/* the reason an item of a MUPDF filter fails with when mugai-filter-mupdf is
 * not there (never another binary instead) */
#define FILTERPROTO_MUPDF_MISSING "epub support not installed"

enum filterproto_limits { FILTERPROTO_LIMITS_FILTER = 0, FILTERPROTO_LIMITS_OFFICE = 1 };

struct filterproto_info {
	const char *name;
	int binary;  /* enum filterproto_binary */
	int limits;  /* enum filterproto_limits */
};

/* the table entry for a filter name; NULL for a name not in the table (the
 * test filters of mugai-filter-test: full binary, [limits] filter_*) */
const struct filterproto_info *filterproto_lookup(const char *name);

/*
 * The unpack manifest: one JSON object per line, each either
 *   {"file": "m000001", "path": "dir/name.txt", "size": 123}   a member
 *   {"path": "dir/link", "skipped": "symlink"}                 not extracted
 * mime-unpack adds to a text part's line the text filter's work done on
 * it: "text": "t000001" (FILTERPROTO_TEXT_FMT, the member's number) and
 * "text_from": the encoding it was read as.
 */
struct filterproto_member {
	char path[FILTERPROTO_MANIFEST_PATH_MAX];    /* the member's name in the archive */
	char file[FILTERPROTO_MEMBER_NAME_MAX];      /* "m000001"; "" when skipped */
	char skipped[FILTERPROTO_MANIFEST_WHY_MAX];  /* why not extracted, or "" */
	uint64_t size;
	bool unsafe;  /* a file not named m + six digits, or a field too long: the
		       * member is never opened */
	/* its text, converted (mime-unpack): the file (the member's number
	 * with "t"), or "" when there is none or the fields are not valid */
	char text[FILTERPROTO_MEMBER_NAME_MAX];
	char text_from[FILTERPROTO_TEXT_FROM_MAX];
};

/* writer: the manifest entry of a member written to `file`, or of one skipped */
json_t *filterproto_manifest_member(const char *file, const char *path, uint64_t size);
/* and the converted text of one (FILTERPROTO_TEXT_FMT) added to its entry */
void filterproto_manifest_text(json_t *member, const char *text_file, const char *from);
json_t *filterproto_manifest_skipped(const char *path, const char *why);
/* An unpacking filter that does not end OK takes back what it wrote: the
 * members FILTERPROTO_MEMBER_FMT 1..n and the manifest in out_dir_fd. */
void filterproto_members_remove(int out_dir_fd, unsigned n);

/* reader: a cursor over the manifest's bytes (not NUL-terminated) */
struct filterproto_manifest {
	const char *p, *end;
	unsigned line;
};

void filterproto_manifest_init(struct filterproto_manifest *m, const char *buf, size_t len);
/* 1 and *out filled, 0 at the end, -1 on a malformed line (the cursor stays
 * on it): not one JSON object, no path, a field of the wrong type.  A member
 * with neither file nor skip reason comes back with both "". */
int filterproto_manifest_next(struct filterproto_manifest *m, struct filterproto_member *out);

#endif
