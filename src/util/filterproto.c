/* filterproto.c - the filter protocol's checks, names, table and manifest */
#include "mugai/filterproto.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int filterproto_check_request(const void *buf, size_t len)
{
	const struct filter_request *rq = buf;

	if (len != sizeof(*rq) || rq->magic != FILTERPROTO_MAGIC ||
	    rq->version != FILTERPROTO_VERSION)
		return -1;
	if (memchr(rq->filter, '\0', sizeof(rq->filter)) == NULL ||
	    memchr(rq->limits.password, '\0', sizeof(rq->limits.password)) == NULL ||
	    memchr(rq->limits.mime, '\0', sizeof(rq->limits.mime)) == NULL ||
	    memchr(rq->limits.ocr_languages, '\0', sizeof(rq->limits.ocr_languages)) == NULL)
		return -1;
	return 0;
}

int filterproto_check_reply(const void *buf, size_t len)
{
	const struct filter_reply *rp = buf;

	if (len != sizeof(*rp) || rp->magic != FILTERPROTO_MAGIC ||
	    rp->version != FILTERPROTO_VERSION)
		return -1;
	if (rp->status < FILTER_OK || rp->status > FILTER_FAILED)
		return -1;
	if (memchr(rp->reason, '\0', sizeof(rp->reason)) == NULL ||
	    memchr(rp->sandbox, '\0', sizeof(rp->sandbox)) == NULL ||
	    memchr(rp->output, '\0', sizeof(rp->output)) == NULL)
		return -1;
	if (rp->output[0] != '\0' && !filterproto_output_valid(rp->output))
		return -1;
	return 0;
}

static const struct {
	const char *name, *mime;
} filterproto_outputs[] = {
	{ FILTERPROTO_OUT_PDF, "application/pdf" },
	{ FILTERPROTO_OUT_TXT, NULL },
	{ FILTERPROTO_OUT_PNG, NULL },
	{ FILTERPROTO_OUT_JPG, NULL },
	{ FILTERPROTO_OUT_DOCX,
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ FILTERPROTO_OUT_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ FILTERPROTO_OUT_PPTX,
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ FILTERPROTO_OUT_EML, NULL },
	{ FILTERPROTO_MANIFEST, NULL },
};

#define FILTERPROTO_N(a) (sizeof(a) / sizeof((a)[0]))

bool filterproto_output_valid(const char *name)
{
	for (size_t i = 0; i < FILTERPROTO_N(filterproto_outputs); i++)
		if (strcmp(name, filterproto_outputs[i].name) == 0)
			return true;
	return false;
}

const char *filterproto_output_mime(const char *name)
{
	for (size_t i = 0; i < FILTERPROTO_N(filterproto_outputs); i++)
		if (strcmp(name, filterproto_outputs[i].name) == 0)
			return filterproto_outputs[i].mime;
	return NULL;
}

const char *filterproto_output_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL ? dot + 1 : "";
}

#define FILTERPROTO_INFO(sym, fname, bin, lim) \
	{ fname, FILTERPROTO_BIN_##bin, FILTERPROTO_LIMITS_##lim },

static const struct filterproto_info filterproto_table[] = {
	FILTERPROTO_FILTERS(FILTERPROTO_INFO)
};

const struct filterproto_info *filterproto_lookup(const char *name)
{
	for (size_t i = 0; i < FILTERPROTO_N(filterproto_table); i++)
		if (strcmp(name, filterproto_table[i].name) == 0)
			return &filterproto_table[i];
	return NULL;
}

/* manifest keys: the writer and the reader below are the only users */
#define MF_FILE "file"
#define MF_PATH "path"
#define MF_SIZE "size"
#define MF_SKIPPED "skipped"
#define MF_TEXT "text"
#define MF_TEXT_FROM "text_from"

json_t *filterproto_manifest_member(const char *file, const char *path, uint64_t size)
{
	return json_pack("{s:s, s:s, s:I}", MF_FILE, file, MF_PATH, path, MF_SIZE,
			 (json_int_t)size);
}

void filterproto_manifest_text(json_t *member, const char *text_file, const char *from)
{
	json_object_set_new(member, MF_TEXT, json_string(text_file));
	json_object_set_new(member, MF_TEXT_FROM, json_string(from));
}

json_t *filterproto_manifest_skipped(const char *path, const char *why)
{
	return json_pack("{s:s, s:s}", MF_PATH, path, MF_SKIPPED, why);
}

void filterproto_members_remove(int out_dir_fd, unsigned n)
{
	char name[16];

	for (unsigned i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), FILTERPROTO_MEMBER_FMT, i);
		unlinkat(out_dir_fd, name, 0);
	}
	unlinkat(out_dir_fd, FILTERPROTO_MANIFEST, 0);
}

void filterproto_manifest_init(struct filterproto_manifest *m, const char *buf, size_t len)
{
	m->p = buf;
	m->end = buf + len;
	m->line = 0;
}

/* copy a string field: 0, or -1 when it does not fit */
static int filterproto_copy(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static bool filterproto_member_name(const char *file, char letter)
{
	if (strlen(file) != 7 || file[0] != letter)
		return false;
	for (int i = 1; i < 7; i++)
		if (file[i] < '0' || file[i] > '9')
			return false;
	return true;
}

/* one line (without its newline) into *out: 0, or -1 when malformed */
static int filterproto_member_parse(const char *line, size_t len, struct filterproto_member *out)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *path = NULL, *file = NULL, *skipped = NULL, *text = NULL, *from = NULL;
	json_int_t size = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (o == NULL || json_unpack(o, "{s:s, s?s, s?s, s?I, s?s, s?s}", MF_PATH, &path, MF_FILE,
				     &file, MF_SKIPPED, &skipped, MF_SIZE, &size, MF_TEXT, &text,
				     MF_TEXT_FROM, &from) != 0)
		goto out;
	if (filterproto_copy(out->path, sizeof(out->path), path) != 0)
		out->unsafe = true;
	if (skipped != NULL && filterproto_copy(out->skipped, sizeof(out->skipped), skipped) != 0)
		memcpy(out->skipped, "?", 2);
	if (file != NULL) {
		if (filterproto_member_name(file, 'm'))
			memcpy(out->file, file, 8);
		else
			out->unsafe = true;
	}
	/* a converted text only beside its own member (the same number) and
	 * with a short printable encoding name; anything else: no text, and the
	 * text filter runs as for any part */
	if (text != NULL && out->file[0] != '\0' && filterproto_member_name(text, 't') &&
	    strcmp(text + 1, out->file + 1) == 0 && from != NULL &&
	    filterproto_copy(out->text_from, sizeof(out->text_from), from) == 0) {
		bool printable = true;

		for (const char *c = from; *c != '\0'; c++)
			printable &= *c > 0x20 && *c < 0x7f;
		if (printable)
			memcpy(out->text, text, 8);
		else
			out->text_from[0] = '\0';
	}
	out->size = size > 0 ? (uint64_t)size : 0;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int filterproto_manifest_next(struct filterproto_manifest *m, struct filterproto_member *out)
{
	for (;;) {
		const char *nl;
		size_t len;

		if (m->p >= m->end)
			return 0;
		nl = memchr(m->p, '\n', (size_t)(m->end - m->p));
		len = nl != NULL ? (size_t)(nl - m->p) : (size_t)(m->end - m->p);
		if (len == 0) { /* empty lines are skipped, as they always were */
			m->p += 1;
			continue;
		}
		m->line++;
		if (filterproto_member_parse(m->p, len, out) != 0)
			return -1;
		m->p += len + (nl != NULL ? 1 : 0);
		return 1;
	}
}
