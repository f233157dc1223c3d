/*
 * gmime_lean.c - linked into mugai-filter-mail only, before GMime's static
 * archive: the definitions that keep GMime's crypto, its GIO stream and
 * libidn2 out of the binary.
 *
 * g_mime_init() names every GMime type once so that GType registers it,
 * and registers the OpenPGP and S/MIME contexts by their constructors.
 * Taking those objects from libgmime-3.0.a pulls in gpgme (and through it
 * libassuan and libgpg-error), GIO (and through it libmount, libblkid,
 * libselinux and libpcre2), and internet-address.o pulls in libidn2 (and
 * libunistring): nine shared libraries, none with a .a Debian ships, that
 * the dynamic loader maps and relocates at every exec of a mail filter
 * (some 0.5 ms of a 3 ms run, bench/bench_filter_exec.sh), for code a
 * mail filter never runs.  Defined here, the linker takes these and leaves
 * the archive members that need those libraries out.
 *
 * What changes for the filters:
 * - no crypto context: GMime is never asked to verify or decrypt (a
 *   multipart/signed or multipart/encrypted is walked as a multipart, its
 *   parts handled as any other); a constructor asked anyway returns NULL,
 *   which GMime reports as "no crypto context" - it never runs gpg;
 * - no GMimeStreamGIO: its type is G_TYPE_NONE (nothing here makes one);
 * - an address domain is not converted between its ACE (xn--) and Unicode
 *   forms: GMime keeps it as written when libidn2 fails, and the filters
 *   never write an address GMime parsed (kept headers are copied raw).
 * mugai-filter (GMime shared, with all of the above) stands in for
 * mugai-filter-mail where the latter is not installed; the filters' output
 * is the same.
 */
#include <glib-object.h>
#include <stddef.h>
#include <stdlib.h>

/* GMime's prototypes are not included: these symbols must match the
 * archive's, and a header would pull in gpgme.h, which is not installed */
GType g_mime_gpg_context_get_type(void);
GType g_mime_pkcs7_context_get_type(void);
GType g_mime_stream_gio_get_type(void);
void *g_mime_gpg_context_new(void);
void *g_mime_pkcs7_context_new(void);
/* gpgme.h's gpgme_check_version(req) is this, with the offset of a
 * structure member the library checks its caller's idea of */
const char *gpgme_check_version_internal(const char *req, size_t offset);
int idn2_to_unicode_8z8z(const char *input, char **output, int flags);
int idn2_to_ascii_8z(const char *input, char **output, int flags);
void idn2_free(void *ptr);

/* libidn2's IDN2_ENCODING_ERROR: any value but IDN2_OK (0) makes GMime
 * keep the domain as it was */
#define LEAN_IDN2_FAIL (-200)

GType g_mime_gpg_context_get_type(void)
{
	return G_TYPE_NONE;
}

GType g_mime_pkcs7_context_get_type(void)
{
	return G_TYPE_NONE;
}

GType g_mime_stream_gio_get_type(void)
{
	return G_TYPE_NONE;
}

void *g_mime_gpg_context_new(void)
{
	return NULL;
}

void *g_mime_pkcs7_context_new(void)
{
	return NULL;
}

const char *gpgme_check_version_internal(const char *req, size_t offset)
{
	(void)req;
	(void)offset;
	return NULL;
}

int idn2_to_unicode_8z8z(const char *input, char **output, int flags)
{
	(void)input;
	(void)flags;
	if (output != NULL)
		*output = NULL;
	return LEAN_IDN2_FAIL;
}

int idn2_to_ascii_8z(const char *input, char **output, int flags)
{
	(void)input;
	(void)flags;
	if (output != NULL)
		*output = NULL;
	return LEAN_IDN2_FAIL;
}

void idn2_free(void *ptr)
{
	free(ptr);
}
