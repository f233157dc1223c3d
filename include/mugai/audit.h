/*
 * audit.h - the audit log: one JSON object per line, separate from the log.
 *
 * Every record carries "prev", the SHA-256 of the previous line as written
 * (64 zeros for the first), so a deleted, inserted or edited line breaks the
 * chain: `mugai admin verify-audit FILE` finds the first broken line.
 * Lines are appended with O_APPEND and fdatasync'ed (at once, or lazily up
 * to the next sync); appends are serialised.
 */
#ifndef MUGAI_AUDIT_H
#define MUGAI_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#define AUDIT_LINE_MAX (64 * 1024)

struct audit;

/* open (creating) path and read the hash of its last line; NULL + message */
struct audit *audit_open(const char *path, char *err, size_t errlen);
void audit_close(struct audit *a);
/* append event (its "time" and "prev" are added) and fdatasync the log;
 * steals nothing; 0 or -1 */
int audit_append(struct audit *a, json_t *event);
/* append without waiting for the disk: the line is durable with the next
 * audit_append() or audit_sync(), which the caller owes before it tells
 * anyone about the event */
int audit_append_lazy(struct audit *a, json_t *event);
/* fdatasync the lines appended lazily, if any; 0 or -1 */
int audit_sync(struct audit *a);
/* 0 when the chain holds; else -1 with *bad_line (1-based) and a reason */
int audit_verify(const char *path, unsigned long *bad_line, char *err, size_t errlen);

#endif
