/* test_audit.c - the hash chain of the audit log catches edits and deletions */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/syscall.h>

#include "mugai/audit.h"
#include "testutil.h"

/* fdatasync, counted, and failing on demand (the audit code calls ours) */
static int syncs, sync_fails;

int fdatasync(int fd)
{
	syncs++;
	if (sync_fails) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

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

/* Lazy lines wait for the next sync; the chain is the same either way; a
 * failed sync is retried by the next one. */
static void test_lazy_sync(void **state)
{
	int dfd;
	char *dir = tu_tmpdir(&dfd), *path = g_build_filename(dir, "a.jsonl", NULL), err[256];
	struct audit *a;
	json_t *e = json_pack("{s:s}", "event", "received");
	unsigned long bad = 0;

	(void)state;
	close(dfd);
	a = audit_open(path, err, sizeof(err));
	assert_non_null(a);
	syncs = 0;
	assert_int_equal(audit_append_lazy(a, e), 0);
	assert_int_equal(audit_append_lazy(a, e), 0);
	assert_int_equal(syncs, 0);
	assert_int_equal(audit_sync(a), 0);
	assert_int_equal(syncs, 1);
	assert_int_equal(audit_sync(a), 0); /* nothing new: no disk wait */
	assert_int_equal(syncs, 1);
	assert_int_equal(audit_append(a, e), 0);
	assert_int_equal(syncs, 2);
	/* the disk fails: the append reports it, and the lazy line stays
	 * owed until a sync succeeds */
	sync_fails = 1;
	assert_int_equal(audit_append(a, e), -1);
	assert_int_equal(audit_append_lazy(a, e), 0);
	assert_int_equal(audit_sync(a), -1);
	sync_fails = 0;
	assert_int_equal(audit_sync(a), 0);
	assert_int_equal(syncs, 5);
	assert_int_equal(audit_sync(a), 0);
	assert_int_equal(syncs, 5);
	audit_close(a);
	/* every line written is in the chain, the failed sync's one too */
	assert_int_equal(audit_verify(path, &bad, err, sizeof(err)), 0);
	{
		gchar *text;
		int lines = 0;

		assert_true(g_file_get_contents(path, &text, NULL, NULL));

		for (const char *c = text; *c; c++)
			lines += *c == '\n';
		assert_int_equal(lines, 5);
		g_free(text);
	}
	json_decref(e);
	g_free(path);
	tu_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_garbage_and_missing),
		cmocka_unit_test(test_lazy_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
