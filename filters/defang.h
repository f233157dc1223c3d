/* defang.h - URLs in text made into text no mail client turns into a link
 * again: html-text's mail form writes them so, and mime-repack passes the
 * text of every HTML body through it once more (filters/defang.c) */
#ifndef MUGAI_DEFANG_H
#define MUGAI_DEFANG_H

#include <glib.h>

/* "http://" -> "hxxp://", "https://" -> "hxxps://", "ftp://" -> "fxp://",
 * "www." -> "www[.]", in place, any case; a text already defanged stays as
 * it is */
void defang_urls(GString *s);

#endif
