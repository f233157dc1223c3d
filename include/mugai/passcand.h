/*
 * passcand.h - password candidates for PPAP (a password-protected zip and
 * its password in the text of the same or a later mail).
 *
 * Lines such as "パスワード: xxxx", "PW：xxxx", "Password = xxxx",
 * "パスワードは xxxx です", "【パスワード】「xxxx」", or a label alone on its
 * line with the password on the next one; full-width letters, colons and
 * spaces included.  A label needs a separator (":", "：", "=", "＝", "は")
 * or the end of its line, so "パスワード付きのファイル" gives nothing.
 * Pure: no I/O, no logging (candidates are secrets: never log them), bounded
 * in number, length and input scanned.  Full-width ASCII in a value gives
 * a second candidate in half-width.
 */
#ifndef MUGAI_PASSCAND_H
#define MUGAI_PASSCAND_H

#include <stddef.h>

/* Ceilings: the arrays' sizes and the most the [mail] keys allow */
#define PASSCAND_MAX 8                  /* candidates kept per mail */
#define PASSCAND_LEN_MAX 64             /* bytes of one candidate */
#define PASSCAND_SCAN_MAX (256 * 1024)  /* bytes of one text looked at */

/* The limits one mail's candidates are taken under ([mail]
 * ppap_max_candidates, ppap_max_candidate_bytes, ppap_max_text_bytes).  A
 * field 0 (a struct passcand zeroed without passcand_init) is its ceiling,
 * a value over the ceiling is the ceiling. */
struct passcand_limits {
	unsigned max;       /* candidates kept, 1..PASSCAND_MAX */
	size_t len_max;     /* bytes of one candidate (a longer value is none),
			     * 1..PASSCAND_LEN_MAX */
	size_t scan_max;    /* bytes of each text (subject, body) looked at,
			     * 1..PASSCAND_SCAN_MAX */
};

struct passcand {
	unsigned n;
	struct passcand_limits lim;
	char v[PASSCAND_MAX][PASSCAND_LEN_MAX + 1];
};

/* No candidates yet, to be taken under lim (NULL: the ceilings). */
void passcand_init(struct passcand *pc, const struct passcand_limits *lim);

/* Add the candidates found in UTF-8 text (a subject, a body; its first
 * lim.scan_max bytes) to pc, without duplicates, until lim.max. */
void passcand_extract(struct passcand *pc, const char *text, size_t len);

/* Wipe every candidate (explicit_bzero); the limits stay. */
void passcand_clear(struct passcand *pc);

#endif
