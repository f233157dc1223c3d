/* textcheck.c - the property textenc_clean gives its output, checked */
#include "mugai/textcheck.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the code point at s (at most n bytes) and its length, or 0 when the bytes
 * are no UTF-8 character in its shortest form */
static size_t textcheck_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1fu, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0fu, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* s (n < 4 bytes, a lead byte first) is the start of a character that
 * more bytes may complete: its continuation bytes so far are such */
static bool textcheck_cut(const unsigned char *s, size_t n)
{
	size_t need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;

	if (n >= need)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return false;
	return true;
}

/* the clean characters at the start of s: how many bytes they take, or
 * (size_t)-1 when one is not clean; a character cut short at the end stops
 * the count unless last (then it is not clean either) */
static size_t textcheck_run(const char *s, size_t len, bool last)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t c;
		size_t k = textcheck_char(p + i, len - i, &c);

		if (k == 0) {
			/* a lead byte whose character the block cuts */
			if (!last && len - i < 4 && ((p[i] >= 0xc2 && p[i] <= 0xf4)) &&
			    textcheck_cut(p + i, len - i))
				return i;
			return (size_t)-1;
		}
		if ((c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c <= 0x9f) ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
		    c == 0xfeff || c == 0x200e || c == 0x200f)
			return (size_t)-1;
		i += k;
	}
	return i;
}

bool textcheck_clean(const char *s, size_t len)
{
	return textcheck_run(s, len, true) == len;
}

bool textcheck_clean_fd(int fd)
{
	char *buf = malloc(TEXTCHECK_BLOCK);
	size_t have = 0; /* bytes carried over: a character the last block cut */
	off_t off = 0;
	bool ok = buf != NULL;

	while (ok) {
		ssize_t n = pread(fd, buf + have, TEXTCHECK_BLOCK - have, off);
		size_t done;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ok = false;
			break;
		}
		off += n;
		have += (size_t)n;
		done = textcheck_run(buf, have, n == 0);
		if (done == (size_t)-1 || (n == 0 && done != have)) {
			ok = false;
			break;
		}
		if (n == 0)
			break;
		memmove(buf, buf + done, have - done);
		have -= done;
	}
	free(buf);
	return ok;
}
