/*
 * numparse.h - decimal numbers from outside data, after curl's strparse:
 * the parser takes a cursor and moves it only on success, checks a maximum,
 * and a caller that wants the whole string asks numparse_whole(), so "5x",
 * "", "-1" and "8080abc" are refused instead of read as 5, 0, -1 and 8080.
 */
#ifndef MUGAI_NUMPARSE_H
#define MUGAI_NUMPARSE_H

#include <stdint.h>

/* the decimal digits at *p (at least one, no sign, no space) as *n, at most
 * max: 0 and *p past them; -1 (nothing moved, *n untouched) when there is
 * no digit or the number is over max */
int numparse_number(const char **p, uint64_t *n, uint64_t max);
/* s is one such number and nothing else: 0 with *n, else -1 */
int numparse_whole(const char *s, uint64_t *n, uint64_t max);

#endif
