/*
 * detect.h - what a file is: libmagic MIME type and encoding from the content,
 * the extension from the name, and the type class the policy works on.
 * When the extension says one class and the content another, the mismatch is
 * recorded and the content decides.  Dangerous extensions (executables,
 * scripts, shortcuts) are flagged whatever the content.
 */
#ifndef MUGAI_DETECT_H
#define MUGAI_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "mugai/mimetype.h"

#define DETECT_MIME_MAX 128
#define DETECT_EXT_MAX 16
#define DETECT_NOTE_MAX 160
#define DETECT_READ_MAX (1024 * 1024) /* bytes of content given to libmagic */
#define DETECT_MACRO_SCAN_MAX (512ULL * 1024 * 1024) /* bytes of an OLE file searched
						       * for macro storages */

enum type_class {
	CLASS_UNKNOWN = 0,
	CLASS_EMPTY,
	CLASS_PDF,
	CLASS_TEXT,
	CLASS_HTML,
	CLASS_IMAGE,
	CLASS_ARCHIVE,
	CLASS_OFFICE,
	CLASS_EXECUTABLE,
	CLASS_SCRIPT,
	CLASS_SVG,        /* drawn by librsvg after its active parts are removed */
	CLASS_EPUB,       /* laid out by MuPDF */
	CLASS_MAIL,       /* message/rfc822: a container (mime-unpack) */
};

struct detect_result {
	char mime[DETECT_MIME_MAX];
	char encoding[DETECT_MIME_MAX];
	char extension[DETECT_EXT_MAX];  /* lower case, without the dot; "" if none */
	int cls;                         /* enum type_class, from the content */
	int ext_cls;                     /* class the extension claims */
	bool mismatch;                   /* extension and content disagree */
	bool dangerous_ext;              /* .exe .js .vbs .lnk ... */
	bool bidi_name;                  /* name holds a bidi override (RLO spoofing) */
	bool ooxml;                      /* an OOXML package (docx/xlsx/pptx, any variant) */
	bool ole_macros;                 /* legacy binary Office with a macro storage
					  * (Macros, _VBA_PROJECT) */
	char note[DETECT_NOTE_MAX];      /* why an OLE compound file is not Office, for
					  * the reason; "" otherwise */
};

struct detect_ctx;

/* 0 or -1 with a message.  A context serves one thread at a time: libmagic's
 * state and the DETECT_READ_MAX read buffer are its own. */
int detect_open(struct detect_ctx **ctx, char *err, size_t errlen);
void detect_close(struct detect_ctx *ctx);
/* Detect the type of fd (read with pread, offset untouched) named name. */
int detect_fd(struct detect_ctx *ctx, int fd, const char *name, struct detect_result *out,
	      char *err, size_t errlen);
/* A type not read from the content but given (a mail's text/plain body,
 * which is shown as text whatever it holds): out as detect_fd fills it,
 * the class of mime, the extension's from name. */
void detect_declared(const char *mime, const char *encoding, const char *name,
		     struct detect_result *out);
/* an OOXML package type (docx/xlsx/pptx and their macro/template variants) */
static inline bool detect_is_ooxml(const char *mime)
{
	return mimetype_is_ooxml(mime);
}
/* class of a MIME type alone */
int detect_class_of_mime(const char *mime);
/* class the extension (lower case, no dot) claims; CLASS_UNKNOWN if none */
int detect_class_of_ext(const char *ext);
const char *detect_class_name(int cls);

#endif
