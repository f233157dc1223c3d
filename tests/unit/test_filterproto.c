/*
 * test_filterproto.c - the filter protocol's shared parts (src/util/
 * filterproto.c): the unpack manifest written and read by the same code,
 * the reader's cursor on bad lines, the output names, and the filter table
 * against the ops table the filters build from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "filter.h"
#include "mugai/filterproto.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* the manifest lines of the given entries, as unpack.c writes them */
static char *manifest_of(json_t **entries, size_t n)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < n; i++) {
		char *line = json_dumps(entries[i], JSON_COMPACT);

		g_string_append(s, line);
		g_string_append_c(s, '\n');
		free(line);
		json_decref(entries[i]);
	}
	return g_string_free(s, FALSE);
}

static void test_manifest_roundtrip(void **state)
{
	json_t *e[] = {
		filterproto_manifest_member("m000001", "議事録/第1回.txt", 123),
		filterproto_manifest_skipped("link", "symlink"),
		filterproto_manifest_member("m000002", "a\nb \"quoted\".txt", 0),
	};
	char *buf = manifest_of(e, 3);
	struct filterproto_manifest cur;
	struct filterproto_member m;

	(void)state;
	filterproto_manifest_init(&cur, buf, strlen(buf));
	assert_int_equal(filterproto_manifest_next(&cur, &m), 1);
	assert_string_equal(m.file, "m000001");
	assert_string_equal(m.path, "議事録/第1回.txt");
	assert_int_equal(m.size, 123);
	assert_string_equal(m.skipped, "");
	assert_false(m.unsafe);
	assert_int_equal(filterproto_manifest_next(&cur, &m), 1);
	assert_string_equal(m.file, "");
	assert_string_equal(m.path, "link");
	assert_string_equal(m.skipped, "symlink");
	assert_int_equal(filterproto_manifest_next(&cur, &m), 1);
	assert_string_equal(m.path, "a\nb \"quoted\".txt"); /* a newline in a name is escaped */
	assert_int_equal(filterproto_manifest_next(&cur, &m), 0);
	assert_int_equal(filterproto_manifest_next(&cur, &m), 0);
	g_free(buf);
}

/* mime-unpack's converted text of a member: kept only beside its own
 * member, under a "t" name of the member's number, with a printable
 * encoding name; anything else reads as no text */
static void test_manifest_text(void **state)
{
	json_t *e[] = {
		filterproto_manifest_member("m000001", "memo.txt", 3),
		filterproto_manifest_member("m000002", "b.txt", 3),
		filterproto_manifest_member("m000003", "c.txt", 3),
		filterproto_manifest_member("m000004", "d.txt", 3),
		filterproto_manifest_member("m000005", "e.txt", 3),
		filterproto_manifest_skipped("f.txt", "symlink"),
	};
	struct filterproto_manifest cur;
	struct filterproto_member m;
	char *buf;

	(void)state;
	filterproto_manifest_text(e[0], "t000001", "CP932");
	filterproto_manifest_text(e[1], "t000001", "UTF-8"); /* another member's */
	filterproto_manifest_text(e[2], "m000003", "UTF-8"); /* the member itself */
	filterproto_manifest_text(e[3], "t000004", "UTF 8"); /* not printable */
	filterproto_manifest_text(e[4], "../t000005", "UTF-8");
	filterproto_manifest_text(e[5], "t000006", "UTF-8"); /* no member */
	buf = manifest_of(e, 6);
	filterproto_manifest_init(&cur, buf, strlen(buf));
	assert_int_equal(filterproto_manifest_next(&cur, &m), 1);
	assert_string_equal(m.text, "t000001");
	assert_string_equal(m.text_from, "CP932");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(filterproto_manifest_next(&cur, &m), 1);
		assert_string_equal(m.text, "");
		assert_false(m.unsafe);
	}
	assert_int_equal(filterproto_manifest_next(&cur, &m), 0);
	g_free(buf);
}

static int next_of(const char *text, struct filterproto_member *m)
{
	struct filterproto_manifest cur;

	filterproto_manifest_init(&cur, text, strlen(text));
	return filterproto_manifest_next(&cur, m);
}

static void test_manifest_bad_lines(void **state)
{
	struct filterproto_member m;
	struct filterproto_manifest cur;
	static const char two[] = "{\"path\":\"a\",\"file\":\"m000001\"}\nnot json\n"
				  "{\"path\":\"b\",\"file\":\"m000002\"}";
	char *long_path;

	(void)state;
	assert_int_equal(next_of("not json\n", &m), -1);
	assert_int_equal(next_of("[1,2]\n", &m), -1);
	assert_int_equal(next_of("{\"file\":\"m000001\"}\n", &m), -1);      /* no path */
	assert_int_equal(next_of("{\"path\":7}\n", &m), -1);
	assert_int_equal(next_of("{\"path\":\"a\",\"path\":\"b\"}\n", &m), -1); /* duplicate */
	assert_int_equal(next_of("{\"path\":\"a\"} {\"path\":\"b\"}\n", &m), -1);
	/* a member file not named m + six digits is never opened */
	assert_int_equal(next_of("{\"path\":\"a\",\"file\":\"../x\"}\n", &m), 1);
	assert_true(m.unsafe);
	assert_string_equal(m.file, "");
	assert_int_equal(next_of("{\"path\":\"a\",\"file\":\"m00001x\"}\n", &m), 1);
	assert_true(m.unsafe);
	/* neither file nor skip reason: both empty */
	assert_int_equal(next_of("{\"path\":\"a\"}", &m), 1);
	assert_string_equal(m.file, "");
	assert_string_equal(m.skipped, "");
	/* a path longer than the reader keeps */
	long_path = g_strdup_printf("{\"path\":\"%0*d\",\"file\":\"m000001\"}", 5000, 0);
	assert_int_equal(next_of(long_path, &m), 1);
	assert_true(m.unsafe);
	g_free(long_path);
	/* empty lines are skipped; the cursor stays on a bad line */
	assert_int_equal(next_of("\n\n{\"path\":\"a\",\"file\":\"m000001\"}\n", &m), 1);
	filterproto_manifest_init(&cur, two, strlen(two));
	assert_int_equal(filterproto_manifest_next(&cur, &m), 1);
	assert_int_equal(filterproto_manifest_next(&cur, &m), -1);
	assert_int_equal(cur.line, 2);
	assert_int_equal(filterproto_manifest_next(&cur, &m), -1);
	/* not NUL-terminated: the reader stops at its length */
	assert_int_equal(next_of("", &m), 0);
	{
		struct filterproto_manifest c2;
		static const char cut[] = "{\"path\":\"a\",\"file\":\"m000001\"}XYZ";

		filterproto_manifest_init(&c2, cut, strlen(cut) - 3);
		assert_int_equal(filterproto_manifest_next(&c2, &m), 1);
		assert_int_equal(filterproto_manifest_next(&c2, &m), 0);
	}
}

static void test_output_names(void **state)
{
	(void)state;
	assert_true(filterproto_output_valid(FILTERPROTO_OUT_PDF));
	assert_true(filterproto_output_valid(FILTERPROTO_MANIFEST));
	assert_false(filterproto_output_valid("m000001"));
	assert_false(filterproto_output_valid("../out.pdf"));
	assert_false(filterproto_output_valid(""));
	assert_string_equal(filterproto_output_mime(FILTERPROTO_OUT_PDF), "application/pdf");
	assert_null(filterproto_output_mime(FILTERPROTO_OUT_TXT));
	assert_string_equal(filterproto_output_ext(FILTERPROTO_OUT_DOCX), "docx");
}

/* every entry of the filter table is a filter of that name in the ops table,
 * and the LibreOffice limits go to the filters that exec LibreOffice */
static void test_filter_table(void **state)
{
	static const char *const names[] = {
#define NAME(sym, name, bin, lim) name,
		FILTERPROTO_FILTERS(NAME)
#undef NAME
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct filter_ops *ops = filter_lookup(names[i]);
		const struct filterproto_info *fi = filterproto_lookup(names[i]);

		assert_non_null(ops);
		assert_non_null(fi);
		assert_string_equal(ops->name, names[i]);
		assert_non_null(ops->accepts);
		assert_int_equal(fi->limits == FILTERPROTO_LIMITS_OFFICE,
				 (ops->sandbox_flags & FILTER_SANDBOX_EXEC) != 0);
	}
	assert_null(filterproto_lookup("test-crash"));
	assert_int_equal(filterproto_lookup("html-text")->binary, FILTERPROTO_BIN_LITE);
	/* the mail filters and text: mugai-filter-mail (GMime, GLib, jansson) */
	assert_int_equal(filterproto_lookup("text")->binary, FILTERPROTO_BIN_MAIL);
	assert_int_equal(filterproto_lookup("mime-unpack")->binary, FILTERPROTO_BIN_MAIL);
	assert_int_equal(filterproto_lookup("mime-repack")->binary, FILTERPROTO_BIN_MAIL);
	assert_int_equal(filterproto_lookup("pdf-image")->binary, FILTERPROTO_BIN_FULL);
	/* MuPDF (AGPL-3.0) only in mugai-filter-mupdf */
	assert_int_equal(filterproto_lookup("epub-pdf")->binary, FILTERPROTO_BIN_MUPDF);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(filterproto_lookup(names[i])->binary == FILTERPROTO_BIN_MUPDF,
				 strcmp(names[i], "epub-pdf") == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_roundtrip),
		cmocka_unit_test(test_manifest_text),
		cmocka_unit_test(test_manifest_bad_lines),
		cmocka_unit_test(test_output_names),
		cmocka_unit_test(test_filter_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
