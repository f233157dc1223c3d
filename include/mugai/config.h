/*
 * config.h - the INI configuration (GLib GKeyFile), with embedded defaults.
 *
 * Every limit is a named default (CONFIG_DEF_*) and a config key.  A missing
 * file is not an error for callers that run on the embedded defaults; a file
 * that names an unknown key, a bad value or a value out of range is, and the
 * error names the line.
 */
#ifndef MUGAI_CONFIG_H
#define MUGAI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_MAX 1024
/* the most [mail] max_address_bytes allows (mugai-milter's envelope header
 * lines have room for it) */
#define CONFIG_MAIL_ADDRESS_BYTES_MAX 4096
#define CONFIG_ERR_MAX 512

/* [drop] / [drop.NAME]: inbox/outbox pairs (src/daemon/drop.c) */
#define CONFIG_DROP_PAIRS_MAX 16      /* [drop] itself plus [drop.NAME] sections */
#define CONFIG_DROP_NAME_MAX 32       /* bytes of NAME in [drop.NAME] */
struct config_drop_pair {
	char name[CONFIG_DROP_NAME_MAX + 1]; /* "drop" for [drop] itself */
	char inbox[CONFIG_PATH_MAX];
	char outbox[CONFIG_PATH_MAX];
};

enum policy_action {
	ACTION_BLOCK = 0,
	ACTION_TEXT,
	ACTION_IMAGE_PDF,
	ACTION_REENCODE,
	ACTION_UNPACK,
	ACTION_CDR,
	ACTION_SCAN,     /* scan only: text and images released as they are */
	ACTION_MAIL,     /* a message (?mode=mail, message/rfc822): mime-unpack, its parts
			  * through the pipeline, mime-repack; never a [policy] mode */
};

struct mugai_config {
	/* [limits] */
	uint64_t input_max_size;
	uint32_t filter_timeout;      /* wall clock seconds, enforced by the parent */
	uint32_t job_timeout;         /* wall clock seconds for a whole job */
	uint32_t filter_cpu_seconds;  /* RLIMIT_CPU */
	uint64_t filter_memory;       /* RLIMIT_AS */
	uint64_t filter_output_max;   /* RLIMIT_FSIZE and filter output total */
	uint32_t filter_open_files;   /* RLIMIT_NOFILE */
	uint32_t filter_threads;      /* render threads inside one filter */
	uint32_t pdf_max_pages;
	uint32_t pdf_max_page_inches;
	uint32_t image_max_dimension;
	uint64_t image_max_pixels;
	uint64_t text_max_bytes;
	uint32_t archive_max_depth;
	uint32_t archive_max_members;
	uint64_t archive_max_member_size;
	uint64_t archive_max_total_size;
	uint32_t archive_max_ratio;
	uint32_t office_timeout;      /* wall clock seconds for a LibreOffice conversion */
	uint64_t office_memory;       /* RLIMIT_AS of the LibreOffice filter */
	uint64_t scan_max_filesize;
	uint64_t scan_max_scansize;
	uint32_t scan_max_recursion;
	uint32_t scan_max_files;
	uint32_t scan_timeout_ms;
	/* [policy] */
	int mode;                     /* 0 auto, else ACTION_TEXT, ACTION_IMAGE_PDF, ACTION_CDR
				       * or ACTION_SCAN */
	int pdf_action;               /* ACTION_IMAGE_PDF or ACTION_TEXT */
	int html_action;              /* ACTION_TEXT or ACTION_BLOCK */
	int image_action;             /* ACTION_REENCODE or ACTION_BLOCK */
	int archive_action;           /* ACTION_UNPACK or ACTION_BLOCK */
	int office_action;            /* ACTION_IMAGE_PDF, ACTION_TEXT, ACTION_CDR or ACTION_BLOCK */
	int svg_action;               /* ACTION_REENCODE (a PNG) or ACTION_BLOCK */
	int epub_action;              /* ACTION_IMAGE_PDF, ACTION_TEXT or ACTION_BLOCK */
	bool allow_mode_override;
	bool allow_scan_only;         /* may mode = scan release text and images as they are */
	uint32_t pdf_dpi;
	uint32_t jpeg_quality;
	int pdf_image_format;         /* enum filter_image_format */
	int pdf_text_layer;           /* enum filter_text_layer */
	int ocr;                      /* enum filter_ocr */
	char ocr_languages[CONFIG_PATH_MAX]; /* Tesseract languages, "jpn+eng" */
	uint32_t ocr_dpi;
	uint32_t ocr_page_timeout;    /* milliseconds of OCR per page */
	/* [clamav] */
	char database_dir[CONFIG_PATH_MAX];
	bool block_encrypted_in_scan; /* ClamAV heuristic for encrypted containers */
	/* [audit] */
	char audit_path[CONFIG_PATH_MAX]; /* "" = none (CLI) / <spool>/../audit.jsonl (mugaid) */
	char audit_key_file[CONFIG_PATH_MAX];    /* HMAC key; "" = <audit path>.key */
	uint32_t audit_anchor_every;             /* anchor the head every N records */
	char audit_anchor_file[CONFIG_PATH_MAX]; /* anchors here too ("" = syslog only) */
	bool audit_syslog;                       /* every record to syslog as well */
	/* [daemon] */
	char filter_path[CONFIG_PATH_MAX]; /* "" = beside the running binary */
	char filter_mupdf_path[CONFIG_PATH_MAX]; /* mugai-filter-mupdf; "" = beside the running binary */
	char work_dir[CONFIG_PATH_MAX];    /* "" = $TMPDIR */
	bool sandbox_strict;
	char admin_socket[CONFIG_PATH_MAX]; /* "" = $STATE_DIRECTORY/admin.sock, else <spool>/admin.sock */
	uint32_t retention_days;      /* finished jobs (and held originals) are purged after this */
	bool allow_release_original;  /* may an administrator release an original at all */
	bool allow_release_uninspected; /* ... of a held or failed job, or one with items not inspected */
	uint32_t commit_retry_min;    /* seconds before a job whose commit failed runs again */
	uint32_t commit_retry_max;    /* the backoff doubles up to this */
	uint32_t max_waiters;         /* ?wait requests parked at once; over it: 202 at once */
	char tls_cert[CONFIG_PATH_MAX];  /* PEM; "" = plain HTTP on the intake listener */
	char tls_key[CONFIG_PATH_MAX];
	char release_tls_cert[CONFIG_PATH_MAX]; /* "" = tls_cert / tls_key */
	char release_tls_key[CONFIG_PATH_MAX];
	/* [mail] (mime-unpack / mime-repack) */
	uint32_t mail_max_depth;      /* multipart and message/rfc822 nesting */
	uint32_t mail_max_containers; /* multipart and message/rfc822 declared in the raw
				       * message, before GMime parses it */
	int mail_html_drop;           /* [mail] html = text (0) | drop (1) */
	char mail_relay[CONFIG_PATH_MAX]; /* HOST:PORT for follow-up mails, "" = none */
	uint32_t mail_relay_timeout;  /* seconds for one follow-up mail */
	uint32_t mail_ppap_window;    /* seconds a held mail waits for a password mail */
	uint32_t mail_ppap_max_candidates;     /* password candidates kept per mail */
	uint32_t mail_ppap_max_candidate_bytes; /* bytes of one (a longer one is none) */
	uint32_t mail_ppap_max_text_bytes;     /* bytes of a subject or body looked at */
	uint32_t mail_max_recipients;  /* X-Mugai-Envelope-To of one mail job */
	uint32_t mail_max_address_bytes; /* bytes of one X-Mugai-Envelope-* address */
	uint32_t mail_ppap_held_max;  /* held mails matched against later mails */
	uint32_t mail_ppap_max_tried_mails; /* held mails one later mail's candidates go to */
	uint32_t mail_followup_tries; /* sends of one follow-up mail before it is failed */
	int mail_expired_notice;      /* tell the recipients when a held mail is purged */
	int mail_on_malware_reject;   /* [mail] on_malware = remove (0: the part goes, a
				       * notice instead) | reject (1: the mail is blocked) */
	char mail_subject_tag[CONFIG_PATH_MAX]; /* "" = the Subject is not tagged */
	/* [milter] (mugai-milter) */
	char milter_intake_url[CONFIG_PATH_MAX];
	char milter_release_url[CONFIG_PATH_MAX]; /* "" = intake_url */
	char milter_token_file[CONFIG_PATH_MAX];  /* "" = no token */
	char milter_work_dir[CONFIG_PATH_MAX];    /* "" = $TMPDIR, else /var/tmp */
	uint32_t milter_connect_timeout;          /* seconds to reach mugaid */
	uint32_t milter_job_timeout;              /* seconds for a verdict, then tempfail */
	uint32_t milter_max_inflight;             /* messages at mugaid at once, then tempfail */
	uint32_t milter_progress_interval;        /* seconds between smfi_progress calls */
	uint32_t milter_keepalive;                /* seconds an idle connection to mugaid is kept */
	uint64_t milter_message_max_size;         /* a larger message: tempfail (452) */
	uint32_t milter_socket_mode;              /* a unix: socket's mode (octal) */
	/* [drop]: inbox, outbox here are the pair "drop"; [drop.NAME] adds more */
	char drop_inbox[CONFIG_PATH_MAX];
	char drop_outbox[CONFIG_PATH_MAX];
	uint32_t drop_settle_ms;      /* quiet this long (size and mtime) before taken */
	char drop_report_suffix[CONFIG_PATH_MAX]; /* "<name><suffix>": the report */
	char drop_outbox_group[CONFIG_PATH_MAX];  /* "" = mugaid's own group */
	uint32_t drop_outbox_mode;    /* of files written to the outbox (octal) */
	uint32_t drop_max_watches;    /* inotify watches (folders) over every inbox */
	uint32_t drop_max_pending;    /* files seen but not yet taken, at once */
	uint32_t drop_max_depth;      /* folder levels below an inbox that are watched */
	uint32_t drop_max_queued;     /* jobs queued before the inbox waits */
	unsigned drop_npairs;         /* [drop.NAME] sections, in drop_pairs[] */
	struct config_drop_pair drop_pairs[CONFIG_DROP_PAIRS_MAX - 1];
	uint32_t per_address_connections; /* connections from one address at once */
	uint32_t connection_memory;   /* bytes of one connection's headers and buffers */
	uint32_t connection_timeout;  /* seconds a connection may send nothing */
	uint32_t password_tries_per_minute; /* password tries of one job in a minute */
	uint32_t password_tries_max;  /* tries of one job in all, then locked */
};

/* fill cfg with the embedded defaults */
void config_defaults(struct mugai_config *cfg);
/* load path over the current values; 0 or -1 with a message naming the line */
int config_load(struct mugai_config *cfg, const char *path, char *err, size_t errlen);
/* parse "image-pdf", "text", ... ; -1 when unknown */
int config_parse_action(const char *s);
const char *config_action_name(int action);
/* a requested mode: "auto" -> 0, "text", "image-pdf", "cdr", "scan" -> ACTION_*;
 * -1 when unknown.  config_mode_name() is the reverse. */
int config_parse_mode(const char *s);
const char *config_mode_name(int mode);
#define CONFIG_MODES "auto, text, image-pdf, cdr, scan, mail"
/* print the effective configuration as an INI file */
void config_dump(const struct mugai_config *cfg, void *stdio_file);

#endif
