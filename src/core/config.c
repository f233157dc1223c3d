/* config.c - INI configuration with embedded defaults, strict validation */
#include "mugai/config.h"
#include "mugai/filterproto.h"
#include "mugai/passcand.h"

#include <glib.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define GIB (1024ULL * MIB)

/* Named defaults: one per key. */
#define CONFIG_DEF_INPUT_MAX_SIZE         (512 * MIB)
#define CONFIG_DEF_FILTER_TIMEOUT         120
#define CONFIG_DEF_JOB_TIMEOUT            900
#define CONFIG_DEF_FILTER_CPU_SECONDS     300
#define CONFIG_DEF_FILTER_MEMORY          (1536 * MIB)
#define CONFIG_DEF_FILTER_OUTPUT_MAX      (1 * GIB)
#define CONFIG_DEF_FILTER_OPEN_FILES      64
#define CONFIG_DEF_FILTER_THREADS         0   /* 0 = number of cores, at most 8 */
#define CONFIG_DEF_PDF_MAX_PAGES          2000
#define CONFIG_DEF_PDF_MAX_PAGE_INCHES    100
#define CONFIG_DEF_IMAGE_MAX_DIMENSION    20000
#define CONFIG_DEF_IMAGE_MAX_PIXELS       (100ULL * 1000 * 1000)
#define CONFIG_DEF_TEXT_MAX_BYTES         (64 * MIB)
#define CONFIG_DEF_ARCHIVE_MAX_DEPTH      5
#define CONFIG_DEF_ARCHIVE_MAX_MEMBERS    10000
#define CONFIG_DEF_ARCHIVE_MAX_MEMBER     (256 * MIB)
#define CONFIG_DEF_ARCHIVE_MAX_TOTAL      (1 * GIB)
#define CONFIG_DEF_ARCHIVE_MAX_RATIO      200
#define CONFIG_DEF_SCAN_MAX_FILESIZE      (512 * MIB)
#define CONFIG_DEF_SCAN_MAX_SCANSIZE      (1 * GIB)
#define CONFIG_DEF_SCAN_MAX_RECURSION     17
#define CONFIG_DEF_SCAN_MAX_FILES         10000
#define CONFIG_DEF_SCAN_TIMEOUT_MS        120000
#define CONFIG_DEF_PDF_DPI                150
#define CONFIG_DEF_JPEG_QUALITY           85
#define CONFIG_DEF_OCR_LANGUAGES          "jpn+eng"
#define CONFIG_DEF_OCR_DPI                200
#define CONFIG_DEF_OCR_PAGE_TIMEOUT       30000 /* ms */
#define CONFIG_DEF_OFFICE_TIMEOUT         180
#define CONFIG_DEF_OFFICE_MEMORY          (4 * GIB)
#define CONFIG_DEF_DATABASE_DIR           "/var/lib/clamav"
#define CONFIG_DEF_RETENTION_DAYS         30  /* held originals and finished jobs */
#define CONFIG_MAX_RETENTION_DAYS         36500
#define CONFIG_DEF_MAX_WAITERS            1024 /* ?wait requests parked at once */
#define CONFIG_DEF_COMMIT_RETRY_MIN       1    /* s before a failed commit runs again */
#define CONFIG_DEF_COMMIT_RETRY_MAX       60   /* s: the backoff doubles up to this */
#define CONFIG_MAX_COMMIT_RETRY           3600
#define CONFIG_MAX_MAX_WAITERS            65536
#define CONFIG_DEF_PER_ADDRESS_CONNECTIONS 64  /* from one client address at once */
#define CONFIG_MAX_PER_ADDRESS_CONNECTIONS 65536
#define CONFIG_DEF_CONNECTION_MEMORY (256 * 1024) /* a mail job's 1000 recipients fit */
#define CONFIG_DEF_CONNECTION_TIMEOUT     30   /* seconds without a byte */
#define CONFIG_MAX_CONNECTION_TIMEOUT     3600
#define CONFIG_DEF_PASSWORD_TRIES_PER_MINUTE 5 /* of one held job */
#define CONFIG_DEF_PASSWORD_TRIES_MAX     20   /* of one held job, then locked */
#define CONFIG_MAX_PASSWORD_TRIES         100000
#define CONFIG_DEF_AUDIT_ANCHOR_EVERY     100  /* audit records between two anchors */
#define CONFIG_MAX_AUDIT_ANCHOR_EVERY     1000000
#define CONFIG_DEF_MAIL_MAX_DEPTH         10  /* mime-unpack's nesting (filter_limits.max_depth) */
#define CONFIG_DEF_MAIL_MAX_CONTAINERS    256 /* mime-unpack's raw count (filter_limits.max_containers) */
#define CONFIG_DEF_MAIL_RELAY_TIMEOUT     60     /* seconds for one follow-up mail */
#define CONFIG_DEF_MAIL_PPAP_WINDOW       86400  /* 24 h */
#define CONFIG_MAX_PPAP_WINDOW            (30 * 86400)
/* PPAP password candidates (passcand.h): the defaults are the ceilings */
#define CONFIG_DEF_MAIL_PPAP_MAX_CANDIDATES     PASSCAND_MAX
#define CONFIG_DEF_MAIL_PPAP_MAX_CANDIDATE_BYTES PASSCAND_LEN_MAX
#define CONFIG_DEF_MAIL_PPAP_MAX_TEXT_BYTES     PASSCAND_SCAN_MAX
/* a mail job's envelope (mugaid's intake, X-Mugai-Envelope-*) */
#define CONFIG_DEF_MAIL_MAX_RECIPIENTS    1000   /* Postfix's smtpd_recipient_limit default */
#define CONFIG_MAX_MAIL_MAX_RECIPIENTS    100000
#define CONFIG_DEF_MAIL_MAX_ADDRESS_BYTES 512    /* RFC 5321 paths are at most 256 */
#define CONFIG_DEF_MAIL_PPAP_HELD_MAX     10000  /* held mails matched (oldest forgotten) */
#define CONFIG_DEF_MAIL_PPAP_TRIED_MAILS  16     /* held mails one later mail opens at most */
#define CONFIG_DEF_MAIL_FOLLOWUP_TRIES    10     /* sends of a follow-up, backoff 1 min .. 1 h */
#define CONFIG_DEF_MILTER_INTAKE_URL      "http://127.0.0.1:8080"
#define CONFIG_DEF_MILTER_CONNECT_TIMEOUT 10
#define CONFIG_DEF_MILTER_JOB_TIMEOUT     300
#define CONFIG_DEF_MILTER_MAX_INFLIGHT    16
#define CONFIG_DEF_MILTER_PROGRESS        10  /* Postfix milter_content_timeout: 300 s */
#define CONFIG_DEF_MILTER_KEEPALIVE       15  /* below [daemon] connection_timeout's 30 */
#define CONFIG_MAX_MILTER_KEEPALIVE       3600
#define CONFIG_DEF_MILTER_MESSAGE_MAX     (64 * MIB)
#define CONFIG_DEF_MILTER_SOCKET_MODE     0660  /* the MTA's group reaches a unix: socket */

#define CONFIG_DEF_DROP_SETTLE_MS         1500  /* quiet before a drop file is taken */
#define CONFIG_MAX_DROP_SETTLE_MS         600000
#define CONFIG_DEF_DROP_REPORT_SUFFIX     ".mugai.txt"
#define CONFIG_DEF_DROP_OUTBOX_MODE       0640
#define CONFIG_DEF_DROP_MAX_WATCHES       8192  /* folders watched over every inbox */
#define CONFIG_DEF_DROP_MAX_PENDING       4096  /* files seen, not yet taken */
#define CONFIG_DEF_DROP_MAX_DEPTH         16    /* folder levels below an inbox */
#define CONFIG_DEF_DROP_MAX_QUEUED        64    /* queued jobs before the inbox waits */

enum key_type { KT_U32, KT_U64, KT_BOOL, KT_STR, KT_ACTION, KT_MODE, KT_IMGFMT, KT_HTML,
		KT_TEXTLAYER, KT_OCR, KT_LANGS, KT_OCTAL,
		KT_ONMAL };

struct key_def {
	const char *group;
	const char *key;
	enum key_type type;
	size_t off;
	uint64_t min, max;      /* numbers; for actions: bit mask of allowed actions */
};

#define O(f) offsetof(struct mugai_config, f)
#define A(x) (1ULL << (x))

static const struct key_def config_keys[] = {
	{ "limits", "input_max_size", KT_U64, O(input_max_size), 1, 64 * GIB },
	{ "limits", "filter_timeout", KT_U32, O(filter_timeout), 1, 86400 },
	{ "limits", "job_timeout", KT_U32, O(job_timeout), 1, 86400 },
	{ "limits", "filter_cpu_seconds", KT_U32, O(filter_cpu_seconds), 1, 86400 },
	{ "limits", "filter_memory", KT_U64, O(filter_memory), 64 * MIB, 64 * GIB },
	{ "limits", "filter_output_max", KT_U64, O(filter_output_max), 1 * MIB, 64 * GIB },
	{ "limits", "filter_open_files", KT_U32, O(filter_open_files), 16, 4096 },
	{ "limits", "filter_threads", KT_U32, O(filter_threads), 0, 64 },
	{ "limits", "pdf_max_pages", KT_U32, O(pdf_max_pages), 1, 100000 },
	{ "limits", "pdf_max_page_inches", KT_U32, O(pdf_max_page_inches), 1, 1000 },
	{ "limits", "image_max_dimension", KT_U32, O(image_max_dimension), 1, 1000000 },
	{ "limits", "image_max_pixels", KT_U64, O(image_max_pixels), 1, 10000000000ULL },
	{ "limits", "text_max_bytes", KT_U64, O(text_max_bytes), 1, 16 * GIB },
	{ "limits", "archive_max_depth", KT_U32, O(archive_max_depth), 0, 64 },
	{ "limits", "archive_max_members", KT_U32, O(archive_max_members), 1, 10000000 },
	{ "limits", "archive_max_member_size", KT_U64, O(archive_max_member_size), 1, 64 * GIB },
	{ "limits", "archive_max_total_size", KT_U64, O(archive_max_total_size), 1, 256 * GIB },
	{ "limits", "archive_max_ratio", KT_U32, O(archive_max_ratio), 2, 100000 },
	{ "limits", "office_timeout", KT_U32, O(office_timeout), 1, 86400 },
	{ "limits", "office_memory", KT_U64, O(office_memory), 256 * MIB, 64 * GIB },
	{ "limits", "scan_max_filesize", KT_U64, O(scan_max_filesize), 1 * MIB, 4 * GIB - 1 },
	{ "limits", "scan_max_scansize", KT_U64, O(scan_max_scansize), 1 * MIB, 4 * GIB - 1 },
	{ "limits", "scan_max_recursion", KT_U32, O(scan_max_recursion), 1, 100 },
	{ "limits", "scan_max_files", KT_U32, O(scan_max_files), 1, 10000000 },
	{ "limits", "scan_timeout_ms", KT_U32, O(scan_timeout_ms), 100, 3600000 },
	{ "limits", "ocr_page_timeout", KT_U32, O(ocr_page_timeout), 1, 3600000 },
	{ "policy", "mode", KT_MODE, O(mode), 0, 0 },
	{ "policy", "pdf", KT_ACTION, O(pdf_action), 0, A(ACTION_IMAGE_PDF) | A(ACTION_TEXT) | A(ACTION_BLOCK) },
	{ "policy", "html", KT_ACTION, O(html_action), 0, A(ACTION_TEXT) | A(ACTION_BLOCK) },
	{ "policy", "image", KT_ACTION, O(image_action), 0, A(ACTION_REENCODE) | A(ACTION_BLOCK) },
	{ "policy", "archive", KT_ACTION, O(archive_action), 0, A(ACTION_UNPACK) | A(ACTION_BLOCK) },
	{ "policy", "office", KT_ACTION, O(office_action), 0, A(ACTION_IMAGE_PDF) | A(ACTION_TEXT) | A(ACTION_CDR) | A(ACTION_BLOCK) },
	{ "policy", "svg", KT_ACTION, O(svg_action), 0, A(ACTION_REENCODE) | A(ACTION_BLOCK) },
	{ "policy", "epub", KT_ACTION, O(epub_action), 0, A(ACTION_IMAGE_PDF) | A(ACTION_TEXT) | A(ACTION_BLOCK) },
	{ "policy", "allow_mode_override", KT_BOOL, O(allow_mode_override), 0, 0 },
	{ "policy", "allow_scan_only", KT_BOOL, O(allow_scan_only), 0, 0 },
	{ "policy", "pdf_dpi", KT_U32, O(pdf_dpi), 36, 600 },
	{ "policy", "jpeg_quality", KT_U32, O(jpeg_quality), 10, 100 },
	{ "policy", "pdf_image_format", KT_IMGFMT, O(pdf_image_format), 0, 0 },
	{ "policy", "pdf_text_layer", KT_TEXTLAYER, O(pdf_text_layer), 0, 0 },
	{ "policy", "ocr", KT_OCR, O(ocr), 0, 0 },
	{ "policy", "ocr_languages", KT_LANGS, O(ocr_languages), 0, 0 },
	{ "policy", "ocr_dpi", KT_U32, O(ocr_dpi), 72, 600 },
	{ "clamav", "database_dir", KT_STR, O(database_dir), 0, 0 },
	{ "clamav", "block_encrypted", KT_BOOL, O(block_encrypted_in_scan), 0, 0 },
	{ "audit", "path", KT_STR, O(audit_path), 0, 0 },
	{ "audit", "key_file", KT_STR, O(audit_key_file), 0, 0 },
	{ "audit", "anchor_every", KT_U32, O(audit_anchor_every), 1, CONFIG_MAX_AUDIT_ANCHOR_EVERY },
	{ "audit", "anchor_file", KT_STR, O(audit_anchor_file), 0, 0 },
	{ "audit", "syslog", KT_BOOL, O(audit_syslog), 0, 0 },
	{ "daemon", "filter_path", KT_STR, O(filter_path), 0, 0 },
	{ "daemon", "filter_mupdf_path", KT_STR, O(filter_mupdf_path), 0, 0 },
	{ "daemon", "work_dir", KT_STR, O(work_dir), 0, 0 },
	{ "daemon", "sandbox", KT_BOOL, O(sandbox_strict), 0, 0 },
	{ "daemon", "admin_socket", KT_STR, O(admin_socket), 0, 0 },
	{ "daemon", "retention_days", KT_U32, O(retention_days), 0, CONFIG_MAX_RETENTION_DAYS },
	{ "daemon", "allow_release_original", KT_BOOL, O(allow_release_original), 0, 0 },
	{ "daemon", "allow_release_uninspected", KT_BOOL, O(allow_release_uninspected), 0, 0 },
	{ "daemon", "commit_retry_min", KT_U32, O(commit_retry_min), 1, CONFIG_MAX_COMMIT_RETRY },
	{ "daemon", "commit_retry_max", KT_U32, O(commit_retry_max), 1, CONFIG_MAX_COMMIT_RETRY },
	{ "daemon", "max_waiters", KT_U32, O(max_waiters), 0, CONFIG_MAX_MAX_WAITERS },
	{ "daemon", "tls_cert", KT_STR, O(tls_cert), 0, 0 },
	{ "daemon", "tls_key", KT_STR, O(tls_key), 0, 0 },
	{ "daemon", "release_tls_cert", KT_STR, O(release_tls_cert), 0, 0 },
	{ "daemon", "release_tls_key", KT_STR, O(release_tls_key), 0, 0 },
	{ "mail", "max_depth", KT_U32, O(mail_max_depth), 1, 64 },
	{ "mail", "max_containers", KT_U32, O(mail_max_containers), 1, FILTERPROTO_MAIL_CONTAINERS_MAX },
	{ "mail", "html", KT_HTML, O(mail_html_drop), 0, 0 },
	{ "mail", "subject_tag", KT_STR, O(mail_subject_tag), 0, 0 },
	{ "mail", "on_malware", KT_ONMAL, O(mail_on_malware_reject), 0, 0 },
	{ "mail", "relay", KT_STR, O(mail_relay), 0, 0 },
	{ "mail", "relay_timeout", KT_U32, O(mail_relay_timeout), 1, 3600 },
	{ "mail", "ppap_window", KT_U32, O(mail_ppap_window), 1, CONFIG_MAX_PPAP_WINDOW },
	{ "mail", "ppap_max_candidates", KT_U32, O(mail_ppap_max_candidates), 1, PASSCAND_MAX },
	{ "mail", "ppap_max_candidate_bytes", KT_U32, O(mail_ppap_max_candidate_bytes), 1, PASSCAND_LEN_MAX },
	{ "mail", "ppap_max_text_bytes", KT_U32, O(mail_ppap_max_text_bytes), 1, PASSCAND_SCAN_MAX },
	{ "mail", "max_recipients", KT_U32, O(mail_max_recipients), 1, CONFIG_MAX_MAIL_MAX_RECIPIENTS },
	{ "mail", "max_address_bytes", KT_U32, O(mail_max_address_bytes), 1, CONFIG_MAIL_ADDRESS_BYTES_MAX },
	{ "mail", "ppap_held_max", KT_U32, O(mail_ppap_held_max), 1, 1000000 },
	{ "mail", "ppap_max_tried_mails", KT_U32, O(mail_ppap_max_tried_mails), 1, 1000 },
	{ "mail", "followup_tries", KT_U32, O(mail_followup_tries), 1, 1000 },
	{ "mail", "expired_notice", KT_BOOL, O(mail_expired_notice), 0, 0 },
	{ "milter", "intake_url", KT_STR, O(milter_intake_url), 0, 0 },
	{ "milter", "release_url", KT_STR, O(milter_release_url), 0, 0 },
	{ "milter", "token_file", KT_STR, O(milter_token_file), 0, 0 },
	{ "milter", "work_dir", KT_STR, O(milter_work_dir), 0, 0 },
	{ "milter", "connect_timeout", KT_U32, O(milter_connect_timeout), 1, 300 },
	{ "milter", "job_timeout", KT_U32, O(milter_job_timeout), 1, 3600 },
	{ "milter", "max_inflight", KT_U32, O(milter_max_inflight), 1, 100000 },
	{ "milter", "progress_interval", KT_U32, O(milter_progress_interval), 1, 300 },
	{ "milter", "keepalive", KT_U32, O(milter_keepalive), 0, CONFIG_MAX_MILTER_KEEPALIVE },
	{ "milter", "message_max_size", KT_U64, O(milter_message_max_size), 1 * MIB, 4 * GIB },
	{ "milter", "socket_mode", KT_OCTAL, O(milter_socket_mode), 0, 0777 },
	{ "drop", "inbox", KT_STR, O(drop_inbox), 0, 0 },
	{ "drop", "outbox", KT_STR, O(drop_outbox), 0, 0 },
	{ "drop", "settle_ms", KT_U32, O(drop_settle_ms), 0, CONFIG_MAX_DROP_SETTLE_MS },
	{ "drop", "report_suffix", KT_STR, O(drop_report_suffix), 0, 0 },
	{ "drop", "outbox_group", KT_STR, O(drop_outbox_group), 0, 0 },
	{ "drop", "outbox_mode", KT_OCTAL, O(drop_outbox_mode), 0, 0777 },
	{ "drop", "max_watches", KT_U32, O(drop_max_watches), 1, 1000000 },
	{ "drop", "max_pending", KT_U32, O(drop_max_pending), 1, 1000000 },
	{ "drop", "max_depth", KT_U32, O(drop_max_depth), 0, 64 },
	{ "drop", "max_queued", KT_U32, O(drop_max_queued), 1, 100000 },
	{ "daemon", "per_address_connections", KT_U32, O(per_address_connections), 1, CONFIG_MAX_PER_ADDRESS_CONNECTIONS },
	{ "daemon", "connection_memory", KT_U32, O(connection_memory), 16 * 1024, 16 * MIB },
	{ "daemon", "connection_timeout", KT_U32, O(connection_timeout), 1, CONFIG_MAX_CONNECTION_TIMEOUT },
	{ "daemon", "password_tries_per_minute", KT_U32, O(password_tries_per_minute), 1, CONFIG_MAX_PASSWORD_TRIES },
	{ "daemon", "password_tries_max", KT_U32, O(password_tries_max), 1, CONFIG_MAX_PASSWORD_TRIES },
};

static const char *const action_names[] = {
	[ACTION_BLOCK] = "block", [ACTION_TEXT] = "text", [ACTION_IMAGE_PDF] = "image-pdf",
	[ACTION_REENCODE] = "reencode", [ACTION_UNPACK] = "unpack", [ACTION_CDR] = "cdr",
	[ACTION_SCAN] = "scan", [ACTION_MAIL] = "mail",
};

int config_parse_action(const char *s)
{
	for (size_t i = 0; i < G_N_ELEMENTS(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *config_action_name(int action)
{
	if (action < 0 || (size_t)action >= G_N_ELEMENTS(action_names))
		return "?";
	return action_names[action];
}

int config_parse_mode(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return 0;
	if (strcmp(s, "text") == 0)
		return ACTION_TEXT;
	if (strcmp(s, "image-pdf") == 0)
		return ACTION_IMAGE_PDF;
	if (strcmp(s, "cdr") == 0)
		return ACTION_CDR;
	if (strcmp(s, "scan") == 0)
		return ACTION_SCAN;
	if (strcmp(s, "mail") == 0)
		return ACTION_MAIL;
	return -1;
}

const char *config_mode_name(int mode)
{
	return mode == 0 ? "auto" : config_action_name(mode);
}

void config_defaults(struct mugai_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->input_max_size = CONFIG_DEF_INPUT_MAX_SIZE;
	cfg->filter_timeout = CONFIG_DEF_FILTER_TIMEOUT;
	cfg->job_timeout = CONFIG_DEF_JOB_TIMEOUT;
	cfg->filter_cpu_seconds = CONFIG_DEF_FILTER_CPU_SECONDS;
	cfg->filter_memory = CONFIG_DEF_FILTER_MEMORY;
	cfg->filter_output_max = CONFIG_DEF_FILTER_OUTPUT_MAX;
	cfg->filter_open_files = CONFIG_DEF_FILTER_OPEN_FILES;
	cfg->filter_threads = CONFIG_DEF_FILTER_THREADS;
	cfg->pdf_max_pages = CONFIG_DEF_PDF_MAX_PAGES;
	cfg->pdf_max_page_inches = CONFIG_DEF_PDF_MAX_PAGE_INCHES;
	cfg->image_max_dimension = CONFIG_DEF_IMAGE_MAX_DIMENSION;
	cfg->image_max_pixels = CONFIG_DEF_IMAGE_MAX_PIXELS;
	cfg->text_max_bytes = CONFIG_DEF_TEXT_MAX_BYTES;
	cfg->archive_max_depth = CONFIG_DEF_ARCHIVE_MAX_DEPTH;
	cfg->archive_max_members = CONFIG_DEF_ARCHIVE_MAX_MEMBERS;
	cfg->archive_max_member_size = CONFIG_DEF_ARCHIVE_MAX_MEMBER;
	cfg->archive_max_total_size = CONFIG_DEF_ARCHIVE_MAX_TOTAL;
	cfg->archive_max_ratio = CONFIG_DEF_ARCHIVE_MAX_RATIO;
	cfg->scan_max_filesize = CONFIG_DEF_SCAN_MAX_FILESIZE;
	cfg->scan_max_scansize = CONFIG_DEF_SCAN_MAX_SCANSIZE;
	cfg->scan_max_recursion = CONFIG_DEF_SCAN_MAX_RECURSION;
	cfg->scan_max_files = CONFIG_DEF_SCAN_MAX_FILES;
	cfg->scan_timeout_ms = CONFIG_DEF_SCAN_TIMEOUT_MS;
	cfg->mode = 0;
	cfg->pdf_action = ACTION_IMAGE_PDF;
	cfg->html_action = ACTION_TEXT;
	cfg->image_action = ACTION_REENCODE;
	cfg->archive_action = ACTION_UNPACK;
	cfg->office_action = ACTION_IMAGE_PDF;
	cfg->svg_action = ACTION_REENCODE;
	cfg->epub_action = ACTION_IMAGE_PDF;
	cfg->office_timeout = CONFIG_DEF_OFFICE_TIMEOUT;
	cfg->office_memory = CONFIG_DEF_OFFICE_MEMORY;
	cfg->allow_mode_override = true;
	cfg->allow_scan_only = false;
	cfg->pdf_dpi = CONFIG_DEF_PDF_DPI;
	cfg->jpeg_quality = CONFIG_DEF_JPEG_QUALITY;
	cfg->pdf_image_format = FILTER_IMG_JPEG;
	cfg->pdf_text_layer = FILTER_TEXT_LAYER_AUTO;
	cfg->ocr = FILTER_OCR_AUTO;
	g_strlcpy(cfg->ocr_languages, CONFIG_DEF_OCR_LANGUAGES, sizeof(cfg->ocr_languages));
	cfg->ocr_dpi = CONFIG_DEF_OCR_DPI;
	cfg->ocr_page_timeout = CONFIG_DEF_OCR_PAGE_TIMEOUT;
	g_strlcpy(cfg->database_dir, CONFIG_DEF_DATABASE_DIR, sizeof(cfg->database_dir));
	cfg->block_encrypted_in_scan = false;
	cfg->audit_anchor_every = CONFIG_DEF_AUDIT_ANCHOR_EVERY;
	cfg->sandbox_strict = false;
	cfg->admin_socket[0] = '\0';
	cfg->retention_days = CONFIG_DEF_RETENTION_DAYS;
	cfg->allow_release_original = false;
	cfg->allow_release_uninspected = false;
	cfg->commit_retry_min = CONFIG_DEF_COMMIT_RETRY_MIN;
	cfg->commit_retry_max = CONFIG_DEF_COMMIT_RETRY_MAX;
	cfg->max_waiters = CONFIG_DEF_MAX_WAITERS;
	cfg->mail_max_depth = CONFIG_DEF_MAIL_MAX_DEPTH;
	cfg->mail_max_containers = CONFIG_DEF_MAIL_MAX_CONTAINERS;
	cfg->mail_relay_timeout = CONFIG_DEF_MAIL_RELAY_TIMEOUT;
	cfg->mail_ppap_window = CONFIG_DEF_MAIL_PPAP_WINDOW;
	cfg->mail_ppap_max_candidates = CONFIG_DEF_MAIL_PPAP_MAX_CANDIDATES;
	cfg->mail_ppap_max_candidate_bytes = CONFIG_DEF_MAIL_PPAP_MAX_CANDIDATE_BYTES;
	cfg->mail_ppap_max_text_bytes = CONFIG_DEF_MAIL_PPAP_MAX_TEXT_BYTES;
	cfg->mail_max_recipients = CONFIG_DEF_MAIL_MAX_RECIPIENTS;
	cfg->mail_max_address_bytes = CONFIG_DEF_MAIL_MAX_ADDRESS_BYTES;
	cfg->mail_ppap_held_max = CONFIG_DEF_MAIL_PPAP_HELD_MAX;
	cfg->mail_ppap_max_tried_mails = CONFIG_DEF_MAIL_PPAP_TRIED_MAILS;
	cfg->mail_followup_tries = CONFIG_DEF_MAIL_FOLLOWUP_TRIES;
	g_strlcpy(cfg->milter_intake_url, CONFIG_DEF_MILTER_INTAKE_URL,
		  sizeof(cfg->milter_intake_url));
	cfg->milter_connect_timeout = CONFIG_DEF_MILTER_CONNECT_TIMEOUT;
	cfg->milter_job_timeout = CONFIG_DEF_MILTER_JOB_TIMEOUT;
	cfg->milter_max_inflight = CONFIG_DEF_MILTER_MAX_INFLIGHT;
	cfg->milter_progress_interval = CONFIG_DEF_MILTER_PROGRESS;
	cfg->milter_keepalive = CONFIG_DEF_MILTER_KEEPALIVE;
	cfg->milter_message_max_size = CONFIG_DEF_MILTER_MESSAGE_MAX;
	cfg->milter_socket_mode = CONFIG_DEF_MILTER_SOCKET_MODE;
	cfg->drop_settle_ms = CONFIG_DEF_DROP_SETTLE_MS;
	g_strlcpy(cfg->drop_report_suffix, CONFIG_DEF_DROP_REPORT_SUFFIX,
		  sizeof(cfg->drop_report_suffix));
	cfg->drop_outbox_mode = CONFIG_DEF_DROP_OUTBOX_MODE;
	cfg->drop_max_watches = CONFIG_DEF_DROP_MAX_WATCHES;
	cfg->drop_max_pending = CONFIG_DEF_DROP_MAX_PENDING;
	cfg->drop_max_depth = CONFIG_DEF_DROP_MAX_DEPTH;
	cfg->drop_max_queued = CONFIG_DEF_DROP_MAX_QUEUED;
	cfg->per_address_connections = CONFIG_DEF_PER_ADDRESS_CONNECTIONS;
	cfg->connection_memory = CONFIG_DEF_CONNECTION_MEMORY;
	cfg->connection_timeout = CONFIG_DEF_CONNECTION_TIMEOUT;
	cfg->password_tries_per_minute = CONFIG_DEF_PASSWORD_TRIES_PER_MINUTE;
	cfg->password_tries_max = CONFIG_DEF_PASSWORD_TRIES_MAX;
}

/* Line of "key" inside "[group]" in the file text, 0 when not found. */
static int config_find_line(const char *text, const char *group, const char *key)
{
	int line = 0;
	bool in_group = false;
	const char *p = text;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		const char *s = p;

		line++;
		while (len > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		if (len > 0 && *s == '[') {
			size_t glen = strlen(group);

			in_group = len >= glen + 2 && strncmp(s + 1, group, glen) == 0 &&
				   s[glen + 1] == ']';
		} else if (in_group && key != NULL) {
			size_t klen = strlen(key);

			if (len > klen && strncmp(s, key, klen) == 0 &&
			    (s[klen] == '=' || s[klen] == ' ' || s[klen] == '\t'))
				return line;
		} else if (in_group && key == NULL) {
			return line - 1 > 0 ? line - 1 : 1;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return 0;
}

/* Parse an unsigned number with an optional K/M/G suffix (binary units). */
static int config_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = KIB; end++; break;
	case 'm': case 'M': mult = MIB; end++; break;
	case 'g': case 'G': mult = GIB; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* [policy] pdf_text_layer and ocr, indexed by enum filter_text_layer / filter_ocr */
static const char *const text_layer_names[] = { "off", "auto", NULL };
static const char *const ocr_names[] = { "off", "auto", "always", NULL };

static int config_choice(const char *const *names, const char *val)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], val) == 0)
			return i;
	return -1;
}

static int config_set(struct mugai_config *cfg, const struct key_def *k, const char *val,
		      char *why, size_t whylen)
{
	char *base = (char *)cfg + k->off;
	uint64_t n;
	int a;

	switch (k->type) {
	case KT_U32:
	case KT_U64:
		if (config_parse_size(val, &n) != 0) {
			snprintf(why, whylen, "'%s' is not a number (suffixes K, M, G allowed)", val);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(why, whylen, "%llu is out of range %llu..%llu",
				 (unsigned long long)n, (unsigned long long)k->min,
				 (unsigned long long)k->max);
			return -1;
		}
		if (k->type == KT_U32)
			*(uint32_t *)(void *)base = (uint32_t)n;
		else
			*(uint64_t *)(void *)base = n;
		return 0;
	case KT_BOOL:
		if (strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "1") == 0 ||
		    strcmp(val, "strict") == 0) {
			*(bool *)(void *)base = true;
		} else if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 ||
			   strcmp(val, "0") == 0 || strcmp(val, "best-effort") == 0) {
			*(bool *)(void *)base = false;
		} else {
			snprintf(why, whylen, "'%s' is not true or false", val);
			return -1;
		}
		return 0;
	case KT_STR:
		if (strlen(val) >= CONFIG_PATH_MAX) {
			snprintf(why, whylen, "value longer than %d bytes", CONFIG_PATH_MAX - 1);
			return -1;
		}
		g_strlcpy(base, val, CONFIG_PATH_MAX);
		return 0;
	case KT_ACTION:
		a = config_parse_action(val);
		if (a < 0 || (k->max & A(a)) == 0) {
			GString *allowed = g_string_new(NULL);

			for (size_t i = 0; i < G_N_ELEMENTS(action_names); i++)
				if (k->max & A(i))
					g_string_append_printf(allowed, "%s%s",
							       allowed->len ? ", " : "",
							       action_names[i]);
			snprintf(why, whylen, "'%s' is not one of: %s", val, allowed->str);
			g_string_free(allowed, TRUE);
			return -1;
		}
		*(int *)(void *)base = a;
		return 0;
	case KT_MODE: {
		int m = config_parse_mode(val);

		if (m < 0 || m == ACTION_MAIL) { /* mail is asked for per job */
			snprintf(why, whylen, "'%s' is not one of: auto, text, image-pdf, cdr, scan",
				 val);
			return -1;
		}
		*(int *)(void *)base = m;
		return 0;
	}
	case KT_ONMAL:
		if (strcmp(val, "remove") != 0 && strcmp(val, "reject") != 0) {
			snprintf(why, whylen, "'%s' is not one of: remove, reject", val);
			return -1;
		}
		*(int *)(void *)base = strcmp(val, "reject") == 0;
		return 0;
	case KT_HTML:
		if (strcmp(val, "text") != 0 && strcmp(val, "drop") != 0) {
			snprintf(why, whylen, "'%s' is not one of: text, drop", val);
			return -1;
		}
		*(int *)(void *)base = strcmp(val, "drop") == 0;
		return 0;
	case KT_TEXTLAYER:
	case KT_OCR: {
		int v = config_choice(k->type == KT_OCR ? ocr_names : text_layer_names, val);

		if (v < 0) {
			snprintf(why, whylen, "'%s' is not one of: %s", val,
				 k->type == KT_OCR ? "auto, off, always" : "auto, off");
			return -1;
		}
		*(int *)(void *)base = v;
		return 0;
	}
	case KT_LANGS:
		/* Tesseract language names: "jpn+eng", "jpn_vert" */
		if (val[0] == '\0' || strlen(val) >= FILTER_OCR_LANG_MAX ||
		    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+") !=
			    strlen(val) || val[0] == '+' || val[strlen(val) - 1] == '+' ||
		    strstr(val, "++") != NULL) {
			snprintf(why, whylen, "'%s' is not a list of languages like jpn+eng", val);
			return -1;
		}
		g_strlcpy(base, val, CONFIG_PATH_MAX);
		return 0;
	case KT_OCTAL: {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(val, &end, 8);
		if (val[0] < '0' || val[0] > '7' || *end != '\0' || errno != 0 || v > k->max) {
			snprintf(why, whylen, "'%s' is not an octal mode of 0 to %llo", val,
				 (unsigned long long)k->max);
			return -1;
		}
		*(uint32_t *)(void *)base = (uint32_t)v;
		return 0;
	}
	case KT_IMGFMT:
		if (strcmp(val, "jpeg") == 0)
			*(int *)(void *)base = FILTER_IMG_JPEG;
		else if (strcmp(val, "flate") == 0 || strcmp(val, "png") == 0)
			*(int *)(void *)base = FILTER_IMG_FLATE;
		else {
			snprintf(why, whylen, "'%s' is not one of: jpeg, flate", val);
			return -1;
		}
		return 0;
	}
	return -1;
}

static const struct key_def *config_key_lookup(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(config_keys); i++)
		if (strcmp(config_keys[i].group, group) == 0 && strcmp(config_keys[i].key, key) == 0)
			return &config_keys[i];
	return NULL;
}

static bool config_group_known(const char *group)
{
	static const char *const groups[] = { "daemon", "limits", "policy", "clamav",
					      "drop", "audit", "auth", "mail", "milter" };

	for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
		if (strcmp(groups[i], group) == 0)
			return true;
	return false;
}

/* [drop.NAME]: one more inbox/outbox pair, keys inbox and outbox only */
static int config_drop_section(struct mugai_config *cfg, GKeyFile *kf, const char *text,
			       const char *path, const char *group, char *err, size_t errlen)
{
	const char *name = group + strlen("drop.");
	int line = config_find_line(text, group, NULL);
	struct config_drop_pair *p;
	gchar **keys;
	int rc = 0;

	if (name[0] == '\0' || strlen(name) > CONFIG_DROP_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
	    strlen(name)) {
		snprintf(err, errlen, "%s:%d: [%s]: NAME must be 1 to %d letters, digits, _ or -",
			 path, line, group, CONFIG_DROP_NAME_MAX);
		return -1;
	}
	for (unsigned i = 0; i < cfg->drop_npairs; i++)
		if (strcmp(cfg->drop_pairs[i].name, name) == 0) {
			snprintf(err, errlen, "%s:%d: [%s] given twice", path, line, group);
			return -1;
		}
	if (cfg->drop_npairs >= G_N_ELEMENTS(cfg->drop_pairs)) {
		snprintf(err, errlen, "%s:%d: more than %zu [drop.NAME] sections", path, line,
			 G_N_ELEMENTS(cfg->drop_pairs));
		return -1;
	}
	p = &cfg->drop_pairs[cfg->drop_npairs];
	memset(p, 0, sizeof(*p));
	g_strlcpy(p->name, name, sizeof(p->name));
	keys = g_key_file_get_keys(kf, group, NULL, NULL);
	for (size_t i = 0; rc == 0 && keys != NULL && keys[i] != NULL; i++) {
		gchar *val = g_key_file_get_string(kf, group, keys[i], NULL);
		char *dst = strcmp(keys[i], "inbox") == 0 ? p->inbox :
			    strcmp(keys[i], "outbox") == 0 ? p->outbox : NULL;

		line = config_find_line(text, group, keys[i]);
		if (dst == NULL) {
			snprintf(err, errlen, "%s:%d: unknown key '%s' in [%s] (inbox, outbox)",
				 path, line, keys[i], group);
			rc = -1;
		} else if (val == NULL || strlen(g_strstrip(val)) >= CONFIG_PATH_MAX ||
			   val[0] != '/') {
			snprintf(err, errlen, "%s:%d: [%s] %s: an absolute path shorter than %d bytes",
				 path, line, group, keys[i], CONFIG_PATH_MAX);
			rc = -1;
		} else {
			g_strlcpy(dst, val, CONFIG_PATH_MAX);
		}
		g_free(val);
	}
	g_strfreev(keys);
	if (rc == 0 && (p->inbox[0] == '\0' || p->outbox[0] == '\0')) {
		snprintf(err, errlen, "%s:%d: [%s] wants both inbox and outbox", path,
			 config_find_line(text, group, NULL), group);
		rc = -1;
	}
	if (rc == 0)
		cfg->drop_npairs++;
	return rc;
}

int config_load(struct mugai_config *cfg, const char *path, char *err, size_t errlen)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	gchar *text = NULL;
	gsize textlen = 0;
	gchar **groups = NULL;
	int rc = -1;

	if (!g_file_get_contents(path, &text, &textlen, &gerr)) {
		snprintf(err, errlen, "%s: %s", path, gerr->message);
		goto out;
	}
	if (textlen > 1024 * 1024) {
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		goto out;
	}
	if (!g_key_file_load_from_data(kf, text, textlen, G_KEY_FILE_NONE, &gerr)) {
		/* GLib's message names the line ("Key file contains line 'x' ...") */
		snprintf(err, errlen, "%s: %s", path, gerr->message);
		goto out;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (size_t g = 0; groups[g] != NULL; g++) {
		gchar **keys;

		if (strncmp(groups[g], "drop.", 5) == 0) {
			if (config_drop_section(cfg, kf, text, path, groups[g], err, errlen) != 0)
				goto out;
			continue;
		}
		if (!config_group_known(groups[g])) {
			snprintf(err, errlen, "%s:%d: unknown section [%s]", path,
				 config_find_line(text, groups[g], NULL), groups[g]);
			goto out;
		}
		keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
		for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
			const struct key_def *k = config_key_lookup(groups[g], keys[i]);
			char why[256];
			gchar *val;
			int line = config_find_line(text, groups[g], keys[i]);

			if (k == NULL) {
				snprintf(err, errlen, "%s:%d: unknown key '%s' in [%s]", path,
					 line, keys[i], groups[g]);
				g_strfreev(keys);
				goto out;
			}
			val = g_key_file_get_string(kf, groups[g], keys[i], NULL);
			if (val == NULL || config_set(cfg, k, g_strstrip(val), why, sizeof(why)) != 0) {
				snprintf(err, errlen, "%s:%d: [%s] %s: %s", path, line, groups[g],
					 keys[i], val == NULL ? "cannot be read" : why);
				g_free(val);
				g_strfreev(keys);
				goto out;
			}
			g_free(val);
		}
		g_strfreev(keys);
	}
	rc = 0;
out:
	if (gerr != NULL)
		g_error_free(gerr);
	g_strfreev(groups);
	g_free(text);
	g_key_file_free(kf);
	return rc;
}

void config_dump(const struct mugai_config *cfg, void *stdio_file)
{
	FILE *f = stdio_file;
	const char *cur = "";

	for (size_t i = 0; i < G_N_ELEMENTS(config_keys); i++) {
		const struct key_def *k = &config_keys[i];
		const char *base = (const char *)cfg + k->off;

		if (strcmp(cur, k->group) != 0) {
			fprintf(f, "%s[%s]\n", i ? "\n" : "", k->group);
			cur = k->group;
		}
		fprintf(f, "%s = ", k->key);
		switch (k->type) {
		case KT_U32: fprintf(f, "%u\n", *(const uint32_t *)(const void *)base); break;
		case KT_U64:
			fprintf(f, "%llu\n", (unsigned long long)*(const uint64_t *)(const void *)base);
			break;
		case KT_BOOL: fprintf(f, "%s\n", *(const bool *)(const void *)base ? "true" : "false"); break;
		case KT_STR:
		case KT_LANGS: fprintf(f, "%s\n", base); break;
		case KT_TEXTLAYER:
			fprintf(f, "%s\n", text_layer_names[*(const int *)(const void *)base]);
			break;
		case KT_OCR: fprintf(f, "%s\n", ocr_names[*(const int *)(const void *)base]); break;
		case KT_ACTION: fprintf(f, "%s\n", config_action_name(*(const int *)(const void *)base)); break;
		case KT_MODE: {
			int m = *(const int *)(const void *)base;

			fprintf(f, "%s\n", config_mode_name(m));
			break;
		}
		case KT_IMGFMT:
			fprintf(f, "%s\n", *(const int *)(const void *)base == FILTER_IMG_FLATE ? "flate" : "jpeg");
			break;
		case KT_HTML:
			fprintf(f, "%s\n", *(const int *)(const void *)base ? "drop" : "text");
			break;
		case KT_OCTAL: fprintf(f, "%04o\n", *(const uint32_t *)(const void *)base); break;
		case KT_ONMAL:
			fprintf(f, "%s\n", *(const int *)(const void *)base ? "reject" : "remove");
			break;
		}
	}
	for (unsigned i = 0; i < cfg->drop_npairs; i++)
		fprintf(f, "\n[drop.%s]\ninbox = %s\noutbox = %s\n", cfg->drop_pairs[i].name,
			cfg->drop_pairs[i].inbox, cfg->drop_pairs[i].outbox);
}
