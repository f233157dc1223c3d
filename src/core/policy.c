/* policy.c - type class + requested mode -> action and filter */
#include "mugai/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void policy_block(struct policy_decision *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void policy_block(struct policy_decision *out, const char *fmt, ...)
{
	va_list ap;

	out->action = ACTION_BLOCK;
	out->filter = NULL;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static void policy_do(struct policy_decision *out, int action, const char *filter)
{
	out->action = action;
	out->filter = filter;
	out->then = NULL;
}

static void policy_chain(struct policy_decision *out, int action, const char *filter,
			 const char *then)
{
	out->action = action;
	out->filter = filter;
	out->then = then;
}

static void policy_note(struct policy_decision *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void policy_note(struct policy_decision *out, const char *fmt, ...)
{
	size_t used = strlen(out->reason);
	va_list ap;

	if (used > 0 && used + 2 < sizeof(out->reason)) {
		memcpy(out->reason + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out->reason + used, sizeof(out->reason) - used, fmt, ap);
	va_end(ap);
}

/*
 * Office documents:
 *   image-pdf  LibreOffice -> PDF -> pdf-image
 *   text       docx/xlsx/pptx: ooxml-text; others: LibreOffice -> PDF -> pdf-text
 *   cdr        docx/xlsx/pptx: ooxml-cdr; doc/xls/ppt/odt/rtf: LibreOffice ->
 *              docx/xlsx/pptx -> ooxml-cdr; legacy binary Office with macros:
 *              never rebuilt, image-pdf instead
 */
static void policy_office(struct policy_decision *out, const struct detect_result *d, int action)
{
	if (action == ACTION_CDR && d->ole_macros) {
		policy_note(out, "legacy Office file with macros: image-pdf instead of cdr");
		action = ACTION_IMAGE_PDF;
	}
	switch (action) {
	case ACTION_TEXT:
		if (d->ooxml)
			policy_do(out, ACTION_TEXT, "ooxml-text");
		else
			policy_chain(out, ACTION_TEXT, "office-pdf", "pdf-text");
		return;
	case ACTION_CDR:
		if (d->ooxml)
			policy_do(out, ACTION_CDR, "ooxml-cdr");
		else
			policy_chain(out, ACTION_CDR, "office-ooxml", "ooxml-cdr");
		return;
	case ACTION_IMAGE_PDF:
		policy_chain(out, ACTION_IMAGE_PDF, "office-pdf", "pdf-image");
		return;
	default:
		policy_block(out, "policy: [policy] office = block");
		return;
	}
}

void policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
		   int requested_mode, struct policy_decision *out)
{
	int mode = cfg->mode;

	memset(out, 0, sizeof(*out));
	if (requested_mode == ACTION_MAIL) {
		/* the submitter says "a message" (mugai-milter): a message, or
		 * text libmagic did not recognise as one; nothing else */
		if (d->cls == CLASS_MAIL || d->cls == CLASS_TEXT || d->cls == CLASS_UNKNOWN)
			policy_do(out, ACTION_MAIL, "mime-unpack");
		else
			policy_block(out, "not-a-message: mode=mail, but the input is %s (%s)",
				     detect_class_name(d->cls), d->mime);
		return;
	}
	if (requested_mode != 0) {
		if (cfg->allow_mode_override || requested_mode == cfg->mode)
			mode = requested_mode;
		else
			snprintf(out->reason, sizeof(out->reason),
				 "requested mode %s refused by policy (allow_mode_override = false)",
				 config_action_name(requested_mode));
	}
	if (mode == ACTION_SCAN && !cfg->allow_scan_only) {
		policy_note(out, "scan-only refused by policy ([policy] allow_scan_only = false)");
		mode = cfg->mode == ACTION_SCAN ? 0 : cfg->mode;
	}
	if (mode == ACTION_SCAN) {
		/* released byte for byte: only plain text, whose name and
		 * content agree (an image may carry a polyglot tail, which
		 * re-encoding removes) */
		if (d->cls == CLASS_TEXT && !d->bidi_name && !d->dangerous_ext && !d->mismatch) {
			policy_do(out, ACTION_SCAN, NULL);
			return;
		}
		if (d->cls != CLASS_ARCHIVE)
			policy_note(out, "scan-only is for plain text: %s is sanitised",
				    detect_class_name(d->cls));
		mode = 0;
	}
	if (d->bidi_name) {
		policy_block(out, "spoofed-name: the file name holds a bidirectional override "
			     "character");
		return;
	}
	if (d->dangerous_ext) {
		policy_block(out, "dangerous-extension: .%s files are programs or scripts",
			     d->extension);
		return;
	}
	switch (d->cls) {
	case CLASS_PDF:
		/* cdr means nothing for a PDF: its own policy applies */
		if (mode == ACTION_TEXT)
			policy_do(out, ACTION_TEXT, "pdf-text");
		else if (mode == ACTION_IMAGE_PDF)
			policy_do(out, ACTION_IMAGE_PDF, "pdf-image");
		else if (cfg->pdf_action == ACTION_TEXT)
			policy_do(out, ACTION_TEXT, "pdf-text");
		else if (cfg->pdf_action == ACTION_IMAGE_PDF)
			policy_do(out, ACTION_IMAGE_PDF, "pdf-image");
		else
			policy_block(out, "policy: [policy] pdf = block");
		return;
	case CLASS_TEXT:
		policy_do(out, ACTION_TEXT, "text");
		return;
	case CLASS_HTML:
		if (cfg->html_action == ACTION_TEXT)
			policy_do(out, ACTION_TEXT, "html-text");
		else
			policy_block(out, "policy: [policy] html = block");
		return;
	case CLASS_IMAGE:
		/* netpbm (PBM, PGM, PPM): parsed by filters/netpbm.c, no decoder library */
		if (cfg->image_action == ACTION_REENCODE)
			policy_do(out, ACTION_REENCODE,
				  strncmp(d->mime, "image/x-portable-", 17) == 0 ? "netpbm" : "image");
		else
			policy_block(out, "policy: [policy] image = block");
		return;
	case CLASS_SVG:
		if (cfg->svg_action == ACTION_REENCODE)
			policy_do(out, ACTION_REENCODE, "svg");
		else
			policy_block(out, "policy: [policy] svg = block");
		return;
	case CLASS_EPUB:
		/* MuPDF lays the book out as a PDF, which is never released:
		 * pdf-image renders it, pdf-text reads it */
		if (cfg->epub_action == ACTION_BLOCK)
			policy_block(out, "policy: [policy] epub = block");
		else if ((mode != 0 ? mode : cfg->epub_action) == ACTION_TEXT)
			policy_chain(out, ACTION_TEXT, "epub-pdf", "pdf-text");
		else
			policy_chain(out, ACTION_IMAGE_PDF, "epub-pdf", "pdf-image");
		return;
	case CLASS_ARCHIVE:
		if (cfg->archive_action == ACTION_UNPACK)
			policy_do(out, ACTION_UNPACK, "unpack");
		else
			policy_block(out, "policy: [policy] archive = block");
		return;
	case CLASS_MAIL: /* a container: its parts go through the pipeline */
		policy_do(out, ACTION_MAIL, "mime-unpack");
		return;
	case CLASS_OFFICE:
		/* a requested mode never unblocks what the policy blocks */
		if (cfg->office_action == ACTION_BLOCK)
			policy_block(out, "policy: [policy] office = block");
		else
			policy_office(out, d, mode != 0 ? mode : cfg->office_action);
		return;
	case CLASS_EXECUTABLE:
		policy_block(out, "forbidden-type: executable (%s)", d->mime);
		return;
	case CLASS_SCRIPT:
		policy_block(out, "forbidden-type: script (%s)", d->mime);
		return;
	case CLASS_EMPTY:
		policy_block(out, "empty: the file has no content");
		return;
	default:
		if (d->note[0] != '\0')
			policy_block(out, "unknown-type: %s (%s)", d->mime, d->note);
		else
			policy_block(out, "unknown-type: %s", d->mime);
		return;
	}
}
