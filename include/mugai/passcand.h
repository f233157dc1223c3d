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

#define PASSCAND_MAX 8                  /* candidates kept per mail */
#define PASSCAND_LEN_MAX 64             /* bytes of one candidate */
#define PASSCAND_SCAN_MAX (256 * 1024)  /* bytes of text looked at */

struct passcand {
	unsigned n;
	char v[PASSCAND_MAX][PASSCAND_LEN_MAX + 1];
};

/* Add the candidates found in UTF-8 text (a subject, a body) to pc,
 * without duplicates, until PASSCAND_MAX. */
void passcand_extract(struct passcand *pc, const char *text, size_t len);

/* Wipe every candidate (explicit_bzero). */
void passcand_clear(struct passcand *pc);

#endif
