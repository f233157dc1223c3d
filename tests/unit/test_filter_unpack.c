/* test_filter_unpack.c - one archive level: flat members, a manifest, limits */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <zlib.h>

#include "filter.h"
#include "testutil.h"

struct ent {
	const char *name;
	int type;            /* AE_IFREG, AE_IFLNK, AE_IFCHR, ... ; 1 = hardlink */
	const char *data;    /* contents, or link target */
	size_t zeros;        /* if > 0: that many zero bytes as contents */
};

static GByteArray *make_archive(int zip, const struct ent *e, size_t n)
{
	struct archive *a = archive_write_new();
	size_t cap = 64 << 20, used = 0;
	unsigned char *buf = malloc(cap);
	GByteArray *b;

	if (zip)
		archive_write_set_format_zip(a);
	else
		archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, buf, cap, &used);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *en = archive_entry_new();
		size_t len = e[i].zeros ? e[i].zeros : (e[i].data ? strlen(e[i].data) : 0);

		archive_entry_set_pathname(en, e[i].name);
		archive_entry_set_perm(en, 0644);
		if (e[i].type == 1) {
			archive_entry_set_filetype(en, AE_IFREG);
			archive_entry_set_hardlink(en, e[i].data);
			len = 0;
		} else if (e[i].type == AE_IFLNK) {
			archive_entry_set_filetype(en, AE_IFLNK);
			archive_entry_set_symlink(en, e[i].data);
			len = 0;
		} else {
			archive_entry_set_filetype(en, (unsigned)e[i].type);
			if (e[i].type != AE_IFREG)
				len = 0;
		}
		archive_entry_set_size(en, (la_int64_t)len);
		archive_write_header(a, en);
		if (len > 0 && e[i].zeros) {
			char *z = calloc(1, len);

			archive_write_data(a, z, len);
			free(z);
		} else if (len > 0) {
			archive_write_data(a, e[i].data, len);
		}
		archive_entry_free(en);
	}
	archive_write_close(a);
	archive_write_free(a);
	b = g_byte_array_new();
	g_byte_array_append(b, buf, (guint)used);
	free(buf);
	return b;
}

static json_t *manifest(int dfd)
{
	char *m = tu_read_at(dfd, "manifest.jsonl", NULL);
	json_t *arr = json_array();
	char *save = NULL;

	assert_non_null(m);
	for (char *l = strtok_r(m, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		json_array_append_new(arr, json_loads(l, 0, NULL));
	g_free(m);
	return arr;
}

static const char *skipped_reason(json_t *man, const char *path)
{
	size_t i;
	json_t *v;

	json_array_foreach(man, i, v)
		if (strcmp(json_string_value(json_object_get(v, "path")), path) == 0)
			return json_string_value(json_object_get(v, "skipped"));
	return "(absent)";
}

static void test_hostile_names_and_links(void **state)
{
	const struct ent e[] = {
		{ "../../escape.txt", AE_IFREG, "escaped", 0 },
		{ "/etc/absolute.txt", AE_IFREG, "absolute", 0 },
		{ "link", AE_IFLNK, "/etc", 0 },
		{ "link/evil.txt", AE_IFREG, "through the link", 0 },
		{ "shadow", 1, "/etc/shadow", 0 },
		{ "null", AE_IFCHR, NULL, 0 },
		{ "fifo", AE_IFIFO, NULL, 0 },
		{ "dir\\win.txt", AE_IFREG, "backslash", 0 },
		{ "dup.txt", AE_IFREG, "one", 0 },
		{ "./dup.txt", AE_IFREG, "two", 0 },
	};
	GByteArray *tar = make_archive(0, e, G_N_ELEMENTS(e));
	struct filter_limits lim;
	struct filter_result res;
	char *dir, *c;
	int dfd;
	json_t *man;

	(void)state;
	tu_limits(&lim);
	tu_run("unpack", tar->data, tar->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_OK);
	man = manifest(dfd);
	assert_string_equal(skipped_reason(man, "../../escape.txt"), "path-escape");
	assert_string_equal(skipped_reason(man, "link"), "symlink");
	assert_string_equal(skipped_reason(man, "shadow"), "hardlink");
	assert_string_equal(skipped_reason(man, "null"), "device");
	assert_string_equal(skipped_reason(man, "fifo"), "fifo");
	assert_null(skipped_reason(man, "etc/absolute.txt"));     /* kept, made relative */
	assert_null(skipped_reason(man, "link/evil.txt"));        /* kept as a plain member */
	assert_null(skipped_reason(man, "dir/win.txt"));
	assert_null(skipped_reason(man, "dup.txt"));
	assert_null(skipped_reason(man, "dup (2).txt"));
	/* only flat member files and the manifest were written */
	assert_int_equal(tu_count(dfd), 5 + 1);
	c = tu_read_at(dfd, "m000001", NULL);
	assert_string_equal(c, "absolute");
	g_free(c);
	json_decref(man);
	close(dfd);
	tu_rmrf(dir);
	g_byte_array_unref(tar);
}

static void test_cp932_zip_names(void **state)
{
	/* a stored zip whose name is CP932 without the UTF-8 flag */
	static const unsigned char name[] = { 0x8b, 0x63, 0x8e, 0x96, 0x98, 0x5e, '/', 'a', '.',
					      't', 'x', 't' }; /* 議事録/a.txt */
	const char *data = "minutes\n";
	GByteArray *z = g_byte_array_new();
	unsigned char h[46];
	uint32_t crc = (uint32_t)crc32(0, (const Bytef *)data, 8), cdoff;
	struct filter_limits lim;
	struct filter_result res;
	char *dir;
	int dfd;
	json_t *man;

	(void)state;
#define LE16(p, v) do { (p)[0] = (unsigned char)(v); (p)[1] = (unsigned char)((v) >> 8); } while (0)
#define LE32(p, v) do { LE16(p, (v) & 0xffff); LE16((p) + 2, (v) >> 16); } while (0)
	memset(h, 0, sizeof(h));
	LE32(h, 0x04034b50u); LE16(h + 4, 10); LE32(h + 14, crc); LE32(h + 18, 8u);
	LE32(h + 22, 8u); LE16(h + 26, sizeof(name));
	g_byte_array_append(z, h, 30);
	g_byte_array_append(z, name, sizeof(name));
	g_byte_array_append(z, (const guint8 *)data, 8);
	cdoff = z->len;
	memset(h, 0, sizeof(h));
	LE32(h, 0x02014b50u); LE16(h + 4, 20); LE16(h + 6, 10); LE32(h + 16, crc);
	LE32(h + 20, 8u); LE32(h + 24, 8u); LE16(h + 28, sizeof(name));
	g_byte_array_append(z, h, 46);
	g_byte_array_append(z, name, sizeof(name));
	memset(h, 0, sizeof(h));
	LE32(h, 0x06054b50u); LE16(h + 8, 1); LE16(h + 10, 1);
	LE32(h + 12, (uint32_t)(46 + sizeof(name))); LE32(h + 16, cdoff);
	g_byte_array_append(z, h, 22);
	tu_limits(&lim);
	tu_run("unpack", z->data, z->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_OK);
	man = manifest(dfd);
	assert_string_equal(json_string_value(json_object_get(json_array_get(man, 0), "path")),
			    "議事録/a.txt");
	json_decref(man);
	close(dfd);
	tu_rmrf(dir);
	g_byte_array_unref(z);
}

static void test_limits(void **state)
{
	const struct ent many[] = {
		{ "1.txt", AE_IFREG, "a", 0 }, { "2.txt", AE_IFREG, "b", 0 },
		{ "3.txt", AE_IFREG, "c", 0 },
	};
	const struct ent bomb[] = { { "zeros.bin", AE_IFREG, NULL, 32 << 20 } };
	const struct ent big[] = { { "a.bin", AE_IFREG, NULL, 3 << 20 },
				   { "b.bin", AE_IFREG, NULL, 3 << 20 } };
	GByteArray *a = make_archive(1, many, 3), *b = make_archive(1, bomb, 1);
	GByteArray *c = make_archive(0, big, 2);
	struct filter_limits lim;
	struct filter_result res;
	char *dir;
	int dfd;

	(void)state;
	tu_limits(&lim);
	lim.max_members = 2;
	tu_run("unpack", a->data, a->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "archive-too-many-members"));
	assert_int_equal(tu_count(dfd), 0); /* rolled back */
	close(dfd);
	tu_rmrf(dir);

	tu_limits(&lim);
	tu_run("unpack", b->data, b->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "archive-ratio"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);

	tu_limits(&lim);
	lim.max_member_bytes = 2 << 20;
	tu_run("unpack", c->data, c->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "archive-member-too-large"));
	close(dfd);
	tu_rmrf(dir);
	tu_limits(&lim);
	lim.max_total_bytes = 5 << 20;
	tu_run("unpack", c->data, c->len, &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_BLOCKED);
	assert_non_null(strstr(res.reason, "archive-too-large"));
	assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	g_byte_array_unref(a);
	g_byte_array_unref(b);
	g_byte_array_unref(c);
}

static void test_encrypted_and_garbage(void **state)
{
	struct filter_limits lim;
	struct filter_result res;
	char *dir, *tmp, *cmd, *data = NULL;
	int dfd, tfd;
	size_t len = 0;
	unsigned char rnd[1000];
	GByteArray *ok = make_archive(1, (const struct ent[]){ { "a.txt", AE_IFREG, "hello", 0 } }, 1);

	(void)state;
	tmp = tu_tmpdir(&tfd);
	cmd = g_strdup_printf("cd '%s' && printf secret-content > s.txt && zip -q -P himitsu e.zip "
			      "s.txt", tmp);
	if (system(cmd) == 0) {
		char *zp = g_build_filename(tmp, "e.zip", NULL);

		assert_true(g_file_get_contents(zp, &data, &len, NULL));
		g_free(zp);
		tu_limits(&lim);
		tu_run("unpack", data, len, &lim, &res, &dir, &dfd);
		assert_int_equal(res.status, FILTER_HELD);
		assert_string_equal(res.reason, "encrypted");
		assert_int_equal(tu_count(dfd), 0);
		close(dfd);
		tu_rmrf(dir);
		strcpy(lim.password, "nope");
		tu_run("unpack", data, len, &lim, &res, &dir, &dfd);
		assert_int_equal(res.status, FILTER_HELD);
		assert_string_equal(res.reason, "wrong-password");
		assert_int_equal(tu_count(dfd), 0);
		close(dfd);
		tu_rmrf(dir);
		strcpy(lim.password, "himitsu");
		tu_run("unpack", data, len, &lim, &res, &dir, &dfd);
		assert_int_equal(res.status, FILTER_OK);
		g_free(data);
		data = tu_read_at(dfd, "m000001", NULL);
		assert_string_equal(data, "secret-content");
		close(dfd);
		tu_rmrf(dir);
	} else {
		print_message("zip not installed: encrypted case skipped\n");
	}
	g_free(data);
	g_free(cmd);
	close(tfd);
	tu_rmrf(tmp);

	tu_limits(&lim);
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(i * 2654435761u >> 11);
	tu_run("unpack", rnd, sizeof(rnd), &lim, &res, &dir, &dfd);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "archive-unreadable"));
	close(dfd);
	tu_rmrf(dir);
	tu_run("unpack", ok->data, ok->len - 30, &lim, &res, &dir, &dfd);
	assert_int_not_equal(res.status, FILTER_HELD);
	if (res.status != FILTER_OK)
		assert_int_equal(tu_count(dfd), 0);
	close(dfd);
	tu_rmrf(dir);
	g_byte_array_unref(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_names_and_links),
		cmocka_unit_test(test_cp932_zip_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_encrypted_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
