/*
 * log.h - one logger for every mugai process (after OpenSMTPD's log.c).
 * Messages go to stderr (the journal under systemd) prefixed with the process tag.
 *   log_warn   adds strerror(errno)       log_warnx  does not
 *   fatal      log_warn + exit(2)          fatalx     log_warnx + exit(2)
 */
#ifndef MUGAI_LOG_H
#define MUGAI_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *tag, int level);
void log_set_level(int level);
int log_get_level(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
