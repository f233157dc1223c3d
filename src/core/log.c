/* log.c - process-tagged logging to stderr, one safe line per message */
#include "mugai/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_tag = "mugai";
static int log_level = LOG_LVL_WARN;
static int log_journal;  /* stderr is the journal's stream: "<N>" prefixes */

/*
 * systemd sets JOURNAL_STREAM=<dev>:<ino> for a service whose stderr is
 * connected to the journal; it holds only while our stderr is that very
 * stream (not when stderr was redirected by a child's parent), so compare.
 */
static int log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	char tail;
	struct stat st;

	if (js == NULL || sscanf(js, "%ju:%ju%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_init(const char *tag, int level)
{
	log_tag = tag;
	log_level = level;
	log_journal = log_stderr_is_journal();
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

/*
 * Copy src into dst escaping every byte that could forge or garble a line:
 * C0 controls (newline, carriage return, ESC, ...), DEL, and the backslash
 * that introduces an escape, as \n, \r, \t, \\ or \xNN.  Bytes >= 0x80 pass
 * (UTF-8 names stay readable); C1 controls encoded in UTF-8 (U+0080..U+009F,
 * 0xC2 0x80..0x9F) are escaped too, since some terminals obey them.
 * dst always ends with a NUL; a cut never splits an escape.
 */
size_t log_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (dstlen == 0)
		return 0;
	for (; *s != '\0'; s++) {
		char e[9];
		size_t n = 0;

		if (*s == '\n' || *s == '\r' || *s == '\t' || *s == '\\') {
			e[n++] = '\\';
			e[n++] = *s == '\n' ? 'n' : *s == '\r' ? 'r' : *s == '\t' ? 't' : '\\';
		} else if (*s < 0x20 || *s == 0x7f) {
			e[n++] = '\\';
			e[n++] = 'x';
			e[n++] = hex[*s >> 4];
			e[n++] = hex[*s & 15];
		} else if (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			for (int i = 0; i < 2; i++) {
				e[n++] = '\\';
				e[n++] = 'x';
				e[n++] = hex[s[i] >> 4];
				e[n++] = hex[s[i] & 15];
			}
			s++;
		} else {
			e[n++] = (char)*s;
		}
		if (o + n >= dstlen)
			break;
		memcpy(dst + o, e, n);
		o += n;
	}
	dst[o] = '\0';
	return o;
}

/* syslog priorities (sd-daemon(3) prefixes) */
static int log_priority(int level)
{
	switch (level) {
	case LOG_LVL_PANIC: return 2; /* LOG_CRIT: our own bug */
	case LOG_LVL_ERROR: return 3; /* LOG_ERR */
	case LOG_LVL_WARN:  return 4; /* LOG_WARNING */
	case LOG_LVL_INFO:  return 6; /* LOG_INFO */
	default:            return 7; /* LOG_DEBUG */
	}
}

static void log_vemit(int level, const char *prefix, int with_errno, int saved_errno,
		      const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX];
	char out[LOG_LINE_MAX * 4 + 16];
	size_t used = 0;

	if (level > log_level && level != LOG_LVL_PANIC)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		snprintf(line, sizeof(line), "%s: %s%s: %s", log_tag, prefix, msg,
			 strerror(saved_errno));
	else
		snprintf(line, sizeof(line), "%s: %s%s", log_tag, prefix, msg);
	if (log_journal)
		used = (size_t)snprintf(out, sizeof(out), "<%d>", log_priority(level));
	used += log_escape(out + used, sizeof(out) - used - 1, line);
	out[used++] = '\n';
	/* one write per line: lines of concurrent threads do not interleave */
	(void)fwrite(out, 1, used, stderr);
	fflush(stderr);
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

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_PANIC, "panic: ", 0, 0, fmt, ap);
	va_end(ap);
	abort();
}
