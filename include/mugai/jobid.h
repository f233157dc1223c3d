/*
 * jobid.h - the job id: 128 random bits as 32 lower-case hex digits.  The
 * one place that says what an id looks like; the daemon, the CLI and the
 * fuzz harness all ask jobid_valid().
 */
#ifndef MUGAI_JOBID_H
#define MUGAI_JOBID_H

#define JOBID_LEN 32 /* hex digits of an id, without the NUL */

/* a new random id into id: 0, or -1 when no randomness could be had */
int jobid_new(char id[JOBID_LEN + 1]);
/* 1 when id is exactly JOBID_LEN lower-case hex digits, else 0 */
int jobid_valid(const char *id);

#endif
