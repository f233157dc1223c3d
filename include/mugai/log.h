/*
 * log.h - one logger for every mugai process (after OpenSMTPD's log.c).
 * Messages go to stderr (the journal under systemd) prefixed with the process tag,
 * one line each: control characters (newline, ESC, ...) and backslashes in
 * the message are escaped (log_escape), so a file name cannot forge a line or
 * send escapes to a terminal.  When stderr is the journal's stream
 * (JOURNAL_STREAM names it) each line starts with its syslog priority,
 * "<2>" (panic) "<3>" (fatal) "<4>" (warn) "<6>" (info) "<7>" (debug).
 *   log_warn   adds strerror(errno)       log_warnx  does not
 *   fatal      log_warn + exit(2)          fatalx     log_warnx + exit(2)
 *              (a broken environment: missing file, bad config, no memory)
 *   panic      log_warnx + abort()         (a broken invariant: our own bug)
 */
#ifndef MUGAI_LOG_H
#define MUGAI_LOG_H

#include <stddef.h>

/* longest message kept; the rest of a longer one is cut */
#define LOG_LINE_MAX 1024

enum log_level { LOG_LVL_PANIC = -1, LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *tag, int level);
void log_set_level(int level);
int log_get_level(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* src escaped into dst (always NUL-terminated, never cut inside an escape);
 * the length written */
size_t log_escape(char *dst, size_t dstlen, const char *src);

#endif
