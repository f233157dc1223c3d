/*
 * audit.h - the audit log: one JSON object per line, separate from the log.
 *
 * Every record carries "seq" (its line number), "prev" (the MAC of the line
 * before it, 64 zeros for the first) and, last, "mac": HMAC-SHA-256 under
 * the log's key ([audit] key_file, default <path>.key, 0600, created with a
 * new log) of the line up to it.  Without the key no line can be edited,
 * inserted, removed or reordered unseen; a removed tail, or a chain
 * rewritten by someone holding the key, shows against the anchors of the
 * head written to syslog (and [audit] anchor_file): `mugai admin
 * verify-audit [--key FILE] [--anchors FILE] LOG`.
 * Lines are appended with O_APPEND and fdatasync'ed (at once, or lazily up
 * to the next sync); appends are serialised; one writer per file.
 */
#ifndef MUGAI_AUDIT_H
#define MUGAI_AUDIT_H

#include "mugai/config.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_LINE_MAX (64 * 1024)
#define AUDIT_KEY_LEN 32

struct audit;

/* open (creating) path and its key; a torn last line is cut off and
 * recorded; a last line that does not verify, or an anchor file that knows
 * more records, refuses the open.  NULL + message */
struct audit *audit_open(const char *path, const struct mugai_config *cfg, char *err,
			 size_t errlen);
/* sync, anchor the head, close */
void audit_close(struct audit *a);
/* append event (its "time", "seq", "prev" and "mac" are added) and
 * fdatasync the log; steals nothing; 0 or -1 */
int audit_append(struct audit *a, json_t *event);
/* append without waiting for the disk: the line is durable with the next
 * audit_append() or audit_sync(), which the caller owes before it tells
 * anyone about the event */
int audit_append_lazy(struct audit *a, json_t *event);
/* fdatasync the lines appended lazily, if any; 0 or -1 */
int audit_sync(struct audit *a);
/* the key file of the log at audit_path: key_file, or "<audit_path>.key";
 * -1 when it does not fit in out */
int audit_key_path(const char *audit_path, const char *key_file, char *out, size_t len);

struct audit_report {
	unsigned long lines;          /* records that verified */
	unsigned long bad_line;       /* 1-based, when it fails */
	unsigned long repaired;       /* "audit repaired" records (torn lines removed) */
	unsigned long anchors_checked; /* anchors of this log that matched a line */
	uint64_t last_anchor;         /* the highest record anchored */
	char chain[33];               /* the log's name in anchors */
};

/* 0 when every line verifies with the key (key_file NULL: beside the log)
 * and, with anchors (a file holding anchor lines, e.g. from journalctl), no
 * anchor of this log disagrees or names a record it lacks; else -1 with
 * r->bad_line and a reason */
int audit_verify(const char *path, const char *key_file, const char *anchors,
		 struct audit_report *r, char *err, size_t errlen);

#endif
