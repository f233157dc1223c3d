/*
 * filter.h - the one interface every content filter implements.
 *
 * A filter runs inside mugai-filter (exec'd per task, sandboxed, bounded).
 * It reads one input from in_fd and writes its output files into the
 * directory out_dir_fd, by name, with openat(out_dir_fd, name,
 * O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600).  It never builds a path
 * string and never writes anywhere else.
 *
 * Output names are fixed per filter:
 *   pdf-image -> "out.pdf"     pdf-text, text, html-text -> "out.txt"
 *   image     -> "out.png" or "out.jpg"
 *   unpack    -> "m000001", "m000002", ... plus "manifest.jsonl"
 *   ooxml-text -> "out.txt"      ooxml-cdr -> "out.docx", "out.xlsx" or "out.pptx"
 *   office-pdf -> "out.pdf" (LibreOffice's PDF: the core renders it again
 *                 with pdf-image or reads it with pdf-text, never releases it)
 *   office-ooxml -> "out.docx", "out.xlsx" or "out.pptx" (LibreOffice's
 *                 conversion: the core runs ooxml-cdr on it)
 *
 * A filter fills res->status and res->reason (short, stable, machine-usable
 * first word: e.g. "encrypted", "image-too-large: 60000x60000 > 20000x20000").
 * Any failure must be reported, never papered over: the caller releases
 * nothing unless status == FILTER_OK.
 */
#ifndef MUGAI_FILTER_H
#define MUGAI_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	char password[FILTER_PASSWORD_MAX]; /* archive password, "" = none */
	char mime[FILTER_MIME_MAX];  /* the detected type: tells office-* what the
				      * document is (a hint, never trusted for safety) */
};

struct filter_result {
	int status; /* enum filter_status */
	char reason[FILTER_REASON_MAX];
};

/* sandbox_flags: what a filter needs beyond the default confinement */
#define FILTER_SANDBOX_EXEC 0x1 /* may exec and fork its helper (LibreOffice);
				 * AF_UNIX sockets allowed, still no network; in
				 * its own mount namespace with a private /tmp */
/* where a FILTER_SANDBOX_EXEC filter finds its output directory by path
 * (a bind mount in its private /tmp): helpers it runs take paths */
#define FILTER_SANDBOX_WORK "/tmp/work"

struct filter_ops {
	const char *name;
	/* true when this filter knows how to read the MIME type */
	bool (*accepts)(const char *mime);
	/* 0 when res was filled (whatever the status), -1 on an internal error */
	int (*run)(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		   struct filter_result *res);
	uint32_t sandbox_flags; /* FILTER_SANDBOX_*; 0 for almost every filter */
};

/* the filter table (filters/registry.c) */
const struct filter_ops *filter_lookup(const char *name);
const struct filter_ops *const *filter_table(void);

/* helpers shared by filters (filters/filter_util.c) */
void filter_set(struct filter_result *res, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* create an output file in out_dir_fd: O_EXCL|O_NOFOLLOW, mode 0600 */
int filter_create(int out_dir_fd, const char *name);
/* read the whole input (at most max bytes) into a malloc'd buffer;
 * -1 with errno=EFBIG when larger than max */
int filter_read_all(int in_fd, uint64_t max, unsigned char **buf, size_t *len);
/* write all of buf; -1 on error or short write */
int filter_write_all(int fd, const void *buf, size_t len);

#endif
