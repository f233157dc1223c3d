/*
 * olecfb.h - which Office application an OLE compound file (CFB, "Compound
 * File Binary") belongs to, from the streams in its root storage:
 * "WordDocument" (Word), "Workbook" or "Book" (Excel), "PowerPoint
 * Document" (PowerPoint).  libmagic names many such files only
 * application/x-ole-storage or application/CDFV2 (when it cannot read the
 * directory from the bytes it was given, or finds no summary it knows).
 *
 * A tiny bounded reader: the header, the sector chain of the directory
 * (each FAT entry read with pread), at most OLECFB_DIR_MAX entries, each
 * sector visited at most once.  Nothing else of the file is read.
 */
#ifndef MUGAI_OLECFB_H
#define MUGAI_OLECFB_H

#include <stddef.h>
#include <stdint.h>

/* directory entries read at most (128 bytes each; a real document has a few
 * dozen, one with many embedded objects a few hundred) */
#define OLECFB_DIR_MAX 8192

enum olecfb_app {
	OLECFB_NONE = 0, /* a well-formed CFB, but no Word, Excel or PowerPoint stream */
	OLECFB_WORD,
	OLECFB_EXCEL,
	OLECFB_POWERPOINT,
};

/*
 * Read the directory of the CFB in fd (size bytes; read with pread, the
 * offset is untouched).  0 with *app set (OLECFB_NONE: why says what the
 * root holds), -1 when the file is not a well-formed CFB (why says how).
 */
int olecfb_app(int fd, uint64_t size, enum olecfb_app *app, char *why, size_t whylen);

/* the MIME type of an application (NULL for OLECFB_NONE) */
const char *olecfb_mime(enum olecfb_app app);

#endif
