/*
 * unpack.c - one level of an archive with libarchive: members are written
 * flat as m000001, m000002, ... and described in manifest.jsonl; they go
 * back through detect -> scan -> policy in the core, which also unpacks
 * nested archives (with a depth limit).  Nothing is ever written under a
 * member's own name here, so no name can escape the output directory.
 *
 * Limits stop decompression the moment they are crossed: member count,
 * bytes per member, total bytes, and expanded:compressed ratio, checked
 * after every 64 KiB block.  Encrypted archives are held until a password
 * is given; a wrong password keeps them held.
 */
#include "filter.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNPACK_BLOCK (64 * 1024)
#define UNPACK_NAME_MAX 1024
#define UNPACK_COMPONENT_MAX 255
#define UNPACK_RATIO_FLOOR (1024 * 1024) /* ratio checked past this many bytes */

struct unpack_state {
	int out_dir_fd;
	const struct filter_limits *lim;
	json_t *manifest;
	GHashTable *names;
	unsigned n_files;      /* m* files written */
	unsigned n_entries;
	uint64_t total;
	int member_encrypted;  /* the entry being read is encrypted */
};

static bool unpack_accepts(const char *mime)
{
	static const char *const types[] = {
		"application/zip", "application/x-7z-compressed", "application/x-tar",
		"application/gzip", "application/x-gzip", "application/x-bzip2", "application/x-xz",
		"application/zstd", "application/x-rar", "application/vnd.rar",
		"application/vnd.ms-cab-compressed", "application/x-lzh-compressed",
		"application/x-lha", "application/x-iso9660-image", "application/x-cpio", NULL,
	};

	for (size_t i = 0; types[i] != NULL; i++)
		if (strcmp(types[i], mime) == 0)
			return true;
	return false;
}

/* Raw entry name to UTF-8: as is when valid, else CP932 (what Japanese
 * Windows writes into ZIPs without the UTF-8 flag), else with U+FFFD. */
static char *unpack_name_utf8(struct archive_entry *e)
{
	const char *u = archive_entry_pathname_utf8(e);
	const char *raw = archive_entry_pathname(e);
	char *conv;

	if (raw != NULL && g_utf8_validate(raw, -1, NULL))
		return g_strdup(raw);
	if (raw != NULL) {
		conv = g_convert(raw, -1, "UTF-8", "CP932", NULL, NULL, NULL);
		if (conv != NULL)
			return conv;
	}
	if (u != NULL && g_utf8_validate(u, -1, NULL))
		return g_strdup(u);
	return g_utf8_make_valid(raw != NULL ? raw : "unnamed", -1);
}

/*
 * A safe relative path: backslashes are separators, a leading "/" or drive
 * letter is dropped, "" and "." components vanish, control characters are
 * removed.  Returns NULL with *why set when a ".." component or the length
 * makes the name unusable.
 */
static char *unpack_sanitise(const char *name, const char **why)
{
	GString *out = g_string_new(NULL);
	char *copy = g_strdup(name), *p, *comp, *save = NULL;

	for (p = copy; *p != '\0'; p++)
		if (*p == '\\')
			*p = '/';
	p = copy;
	if (g_ascii_isalpha(p[0]) && p[1] == ':')
		p += 2;
	for (comp = strtok_r(p, "/", &save); comp != NULL; comp = strtok_r(NULL, "/", &save)) {
		GString *c = g_string_new(NULL);

		for (const char *q = comp; *q != '\0'; q = g_utf8_next_char(q)) {
			gunichar u = g_utf8_get_char(q);

			if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) ||
			    (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
				continue;
			g_string_append_unichar(c, u);
		}
		if (c->len == 0 || strcmp(c->str, ".") == 0) {
			g_string_free(c, TRUE);
			continue;
		}
		if (strcmp(c->str, "..") == 0) {
			g_string_free(c, TRUE);
			g_string_free(out, TRUE);
			g_free(copy);
			*why = "path-escape";
			return NULL;
		}
		if (c->len > UNPACK_COMPONENT_MAX) {
			g_string_free(c, TRUE);
			g_string_free(out, TRUE);
			g_free(copy);
			*why = "name-too-long";
			return NULL;
		}
		if (out->len > 0)
			g_string_append_c(out, '/');
		g_string_append(out, c->str);
		g_string_free(c, TRUE);
	}
	g_free(copy);
	if (out->len == 0 || out->len > UNPACK_NAME_MAX) {
		*why = out->len == 0 ? "empty-name" : "name-too-long";
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* "a/b.txt" taken -> "a/b (2).txt" */
static char *unpack_unique(struct unpack_state *st, char *path)
{
	for (unsigned k = 2; g_hash_table_contains(st->names, path) && k < 100000; k++) {
		const char *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		const char *dot = strrchr(base, '.');
		char *n;

		if (dot == NULL || dot == base)
			n = g_strdup_printf("%s (%u)", path, k);
		else
			n = g_strdup_printf("%.*s (%u)%s", (int)(dot - path), path, k, dot);
		if (k > 2 || strstr(path, " (") == NULL) {
			/* keep trying from the original name */
		}
		g_free(path);
		path = n;
		if (!g_hash_table_contains(st->names, path))
			break;
	}
	g_hash_table_add(st->names, g_strdup(path));
	return path;
}

static void unpack_skip(struct unpack_state *st, const char *path, const char *why)
{
	json_array_append_new(st->manifest, filterproto_manifest_skipped(path, why));
}

static int unpack_is_crypto_error(struct archive *a)
{
	const char *msg = archive_error_string(a);

	return msg != NULL && (strstr(msg, "assphrase") != NULL || strstr(msg, "ncrypt") != NULL ||
			       strstr(msg, "password") != NULL || strstr(msg, "Decryption") != NULL);
}

/* Extract the current entry's data into a new m* file. 0 ok, else res is set. */
static int unpack_member(struct unpack_state *st, struct archive *a, const char *path,
			 uint64_t *size, struct filter_result *res)
{
	const struct filter_limits *lim = st->lim;
	char name[16];
	unsigned char *buf = malloc(UNPACK_BLOCK);
	uint64_t n_member = 0;
	int fd;

	if (buf == NULL) {
		filter_set(res, FILTER_FAILED, "out of memory");
		return -1;
	}
	snprintf(name, sizeof(name), FILTERPROTO_MEMBER_FMT, st->n_files + 1);
	fd = filter_create(st->out_dir_fd, name);
	if (fd < 0) {
		free(buf);
		filter_set(res, FILTER_FAILED, "cannot create a member file: %s", strerror(errno));
		return -1;
	}
	st->n_files++;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, UNPACK_BLOCK);
		int64_t comp;

		if (n == 0)
			break;
		if (n < 0) {
			/* ZipCrypto checks a password by one byte: about one
			 * wrong password in 256 passes and decrypts the data to
			 * garbage, which only a bad CRC or a decompression error
			 * shows.  Any read error of an encrypted member after a
			 * password is a wrong password: the archive stays held. */
			if (unpack_is_crypto_error(a) ||
			    (st->member_encrypted && lim->password[0] != '\0'))
				filter_set(res, FILTER_HELD, "%s",
					   lim->password[0] ? "wrong-password" : "encrypted");
			else
				filter_set(res, FILTER_FAILED, "archive-unreadable: %s: %s", path,
					   archive_error_string(a) ? archive_error_string(a) : "?");
			goto fail;
		}
		n_member += (uint64_t)n;
		st->total += (uint64_t)n;
		if (n_member > lim->max_member_bytes) {
			filter_set(res, FILTER_BLOCKED, "archive-member-too-large: %s > %llu bytes "
				   "([limits] archive_max_member_size)", path,
				   (unsigned long long)lim->max_member_bytes);
			goto fail;
		}
		if (st->total > lim->max_total_bytes) {
			filter_set(res, FILTER_BLOCKED, "archive-too-large: expanded > %llu bytes "
				   "([limits] archive_max_total_size)",
				   (unsigned long long)lim->max_total_bytes);
			goto fail;
		}
		comp = archive_filter_bytes(a, -1);
		if (st->total > UNPACK_RATIO_FLOOR && comp > 0 &&
		    st->total / (uint64_t)comp > lim->max_ratio) {
			filter_set(res, FILTER_BLOCKED, "archive-ratio: expanded:compressed > %u:1 "
				   "([limits] archive_max_ratio)", lim->max_ratio);
			goto fail;
		}
		if (filter_write_all(fd, buf, (size_t)n) != 0) {
			filter_set(res, FILTER_FAILED, "cannot write a member: %s", strerror(errno));
			goto fail;
		}
	}
	if (close(fd) != 0) {
		fd = -1;
		filter_set(res, FILTER_FAILED, "cannot write a member: %s", strerror(errno));
		goto fail;
	}
	free(buf);
	*size = n_member;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

static struct archive *unpack_open(int in_fd, const struct filter_limits *lim, int raw)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		return NULL;
	archive_read_support_filter_all(a);
	if (raw)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_all(a);
	if (lim->password[0] != '\0')
		archive_read_add_passphrase(a, lim->password);
	lseek(in_fd, 0, SEEK_SET);
	if (archive_read_open_fd(a, in_fd, UNPACK_BLOCK) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int unpack_write_manifest(struct unpack_state *st, struct filter_result *res)
{
	int fd = filter_create(st->out_dir_fd, FILTERPROTO_MANIFEST);
	int rc;

	if (fd < 0) {
		filter_set(res, FILTER_FAILED, "cannot write the manifest: %s", strerror(errno));
		return -1;
	}
	rc = filter_write_json_lines(fd, st->manifest);
	if (close(fd) != 0)
		rc = -1;
	if (rc != 0)
		filter_set(res, FILTER_FAILED, "cannot write the manifest");
	return rc;
}

static int unpack_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		      struct filter_result *res)
{
	struct unpack_state st;
	struct archive *a;
	struct archive_entry *e;
	int raw = 0, r, failed = 0;

	setlocale(LC_CTYPE, "C.UTF-8");
	memset(&st, 0, sizeof(st));
	st.out_dir_fd = out_dir_fd;
	st.lim = lim;
	st.manifest = json_array();
	st.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	a = unpack_open(in_fd, lim, 0);
	if (a == NULL) {
		filter_set(res, FILTER_FAILED, "archive-unreadable: cannot open");
		goto out;
	}
	for (;;) {
		char *name, *path;
		const char *why = NULL;
		uint64_t size = 0;
		mode_t type;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL || r == ARCHIVE_FAILED) {
			/* a compressed single file (file.txt.gz) is no archive format:
			 * read it again as one raw member */
			if (st.n_entries == 0 && !raw && archive_filter_count(a) > 1 &&
			    !unpack_is_crypto_error(a)) {
				archive_read_free(a);
				raw = 1;
				a = unpack_open(in_fd, lim, 1);
				if (a != NULL)
					continue;
				filter_set(res, FILTER_FAILED, "archive-unreadable: cannot open");
				failed = 1;
				break;
			}
			if (unpack_is_crypto_error(a))
				filter_set(res, FILTER_HELD, "%s",
					   lim->password[0] ? "wrong-password" : "encrypted");
			else
				filter_set(res, FILTER_FAILED, "archive-unreadable: %s",
					   archive_error_string(a) ? archive_error_string(a) : "?");
			failed = 1;
			break;
		}
		if (++st.n_entries > lim->max_members) {
			filter_set(res, FILTER_BLOCKED, "archive-too-many-members: > %u ([limits] "
				   "archive_max_members)", lim->max_members);
			failed = 1;
			break;
		}
		name = unpack_name_utf8(e);
		if (raw && (strcmp(name, "data") == 0 || name[0] == '\0')) {
			g_free(name);
			name = g_strdup("data");
		}
		path = unpack_sanitise(name, &why);
		type = archive_entry_filetype(e);
		if (type == AE_IFDIR) {
			g_free(path);
			g_free(name);
			continue;
		}
		if (path == NULL) {
			gchar *shown = g_utf8_make_valid(name, -1);

			unpack_skip(&st, shown, why);
			g_free(shown);
			g_free(name);
			continue;
		}
		g_free(name);
		if (archive_entry_hardlink(e) != NULL)
			why = "hardlink";
		else if (type == AE_IFLNK)
			why = "symlink";
		else if (type == AE_IFCHR || type == AE_IFBLK)
			why = "device";
		else if (type == AE_IFIFO)
			why = "fifo";
		else if (type == AE_IFSOCK)
			why = "socket";
		else if (type != AE_IFREG && type != 0)
			why = "not-a-file";
		if (why != NULL) {
			unpack_skip(&st, path, why);
			g_free(path);
			continue;
		}
		if (archive_entry_is_encrypted(e) && lim->password[0] == '\0') {
			filter_set(res, FILTER_HELD, "encrypted");
			g_free(path);
			failed = 1;
			break;
		}
		path = unpack_unique(&st, path);
		st.member_encrypted = archive_entry_is_encrypted(e);
		if (unpack_member(&st, a, path, &size, res) != 0) {
			g_free(path);
			failed = 1;
			break;
		}
		{
			char file[16];

			snprintf(file, sizeof(file), FILTERPROTO_MEMBER_FMT, st.n_files);
			json_array_append_new(st.manifest, filterproto_manifest_member(file, path,
									     size));
		}
		g_free(path);
	}
	if (!failed && unpack_write_manifest(&st, res) == 0) {
		filter_set(res, FILTER_OK, "%u member(s), %llu bytes", st.n_files,
			   (unsigned long long)st.total);
		filter_output(res, FILTERPROTO_MANIFEST);
	} else {
		filterproto_members_remove(st.out_dir_fd, st.n_files);
	}
	if (a != NULL)
		archive_read_free(a);
out:
	json_decref(st.manifest);
	g_hash_table_destroy(st.names);
	return 0;
}

const struct filter_ops filter_unpack = { "unpack", unpack_accepts, unpack_run, 0 };
