/* log.c - process-tagged logging to stderr */
#include "mugai/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_tag = "mugai";
static int log_level = LOG_LVL_WARN;

void log_init(const char *tag, int level)
{
	log_tag = tag;
	log_level = level;
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

static void log_vemit(int level, const char *prefix, int with_errno, int saved_errno,
		      const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s: %s%s: %s\n", log_tag, prefix, msg, strerror(saved_errno));
	else
		fprintf(stderr, "%s: %s%s\n", log_tag, prefix, msg);
}

void log_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, "", 1, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, "", 0, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_INFO, "", 0, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_DEBUG, "debug: ", 0, 0, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERROR, "fatal: ", 1, e, fmt, ap);
	va_end(ap);
	exit(2);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERROR, "fatal: ", 0, 0, fmt, ap);
	va_end(ap);
	exit(2);
}
