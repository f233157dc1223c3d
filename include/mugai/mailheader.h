/*
 * mailheader.h - which headers of an original message a rebuilt one never
 * carries, shared by mime-unpack and mime-repack (which leave them out of
 * the message they build) and mugai-milter (which removes them from the
 * message the relay delivers).  libc only.
 */
#ifndef MUGAI_MAILHEADER_H
#define MUGAI_MAILHEADER_H

#include <stdbool.h>

/* The MIME headers (the rebuilt message has its own), X-Mugai-* (ours
 * alone), and the pictures mail clients show from a header: X-Face (a
 * bitmap Sylpheed and Claws Mail decode with compface), Face (a PNG), and
 * the URLs some fetch one from (X-Image-URL, X-Face-URL): an image the
 * gateway has not re-encoded, or a request to the internet when the mail
 * is opened. */
bool mailheader_dropped(const char *name);

#endif
