/* test_audit.c - the hash chain of the audit log catches edits and deletions */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/audit.h"
#include "testutil.h"

static char *write_events(int n, char **dirp)
{
	int dfd;
	char *dir = tu_tmpdir(&dfd), *path = g_build_filename(dir, "audit.jsonl", NULL), err[256];
	struct audit *a;

	close(dfd);
	for (int round = 0; round < 2; round++) { /* reopening continues the chain */
		a = audit_open(path, err, sizeof(err));
		assert_non_null(a);
		for (int i = 0; i < n / 2; i++) {
			json_t *e = json_pack("{s:s, s:i}", "event", "verdict", "n", round * 100 + i);

			assert_int_equal(audit_append(a, e), 0);
			json_decref(e);
		}
		audit_close(a);
	}
	*dirp = dir;
	return path;
}

static void rewrite(const char *path, int drop_line, const char *from, const char *to)
{
	gchar *text, **lines;
	GString *out = g_string_new(NULL);

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		if (i + 1 == drop_line)
			continue;
		if (from != NULL && i == 2) {
			gchar **parts = g_strsplit(lines[i], from, 2);
			gchar *joined = g_strjoinv(to, parts);

			g_string_append(out, joined);
			g_free(joined);
			g_strfreev(parts);
		} else {
			g_string_append(out, lines[i]);
		}
		g_string_append_c(out, '\n');
	}
	assert_true(g_file_set_contents(path, out->str, (gssize)out->len, NULL));
	g_string_free(out, TRUE);
	g_strfreev(lines);
	g_free(text);
}

static void test_chain(void **state)
{
	char *dir, *path = write_events(6, &dir), err[256];
	unsigned long bad = 0;

	(void)state;
	assert_int_equal(audit_verify(path, &bad, err, sizeof(err)), 0);
	/* edit line 3: line 4's "prev" no longer matches */
	rewrite(path, 0, "\"n\":2", "\"n\":9");
	assert_int_equal(audit_verify(path, &bad, err, sizeof(err)), -1);
	assert_int_equal(bad, 4);
	g_free(path);
	tu_rmrf(dir);

	path = write_events(6, &dir);
	rewrite(path, 2, NULL, NULL); /* delete line 2 */
	assert_int_equal(audit_verify(path, &bad, err, sizeof(err)), -1);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(err, "chain is broken"));
	g_free(path);
	tu_rmrf(dir);
}

static void test_garbage_and_missing(void **state)
{
	char err[256];
	unsigned long bad;
	int dfd;
	char *dir = tu_tmpdir(&dfd), *path = g_build_filename(dir, "x.jsonl", NULL);

	(void)state;
	close(dfd);
	assert_true(g_file_set_contents(path, "not json\n", -1, NULL));
	assert_int_equal(audit_verify(path, &bad, err, sizeof(err)), -1);
	assert_int_equal(bad, 1);
	assert_int_equal(audit_verify("/nonexistent/audit", &bad, err, sizeof(err)), -1);
	g_free(path);
	tu_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_garbage_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
