/*
 * test_audit.c - the keyed chain of the audit log catches edits, deletions
 * and insertions anywhere, the last line included; anchors catch a removed
 * tail and a chain rewritten with the key; a torn last line is repaired and
 * recorded at open, an edited one refuses the open; a partial write leaves
 * no partial line behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>

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

/* syslog, captured (audit.c calls ours; __syslog_chk under _FORTIFY_SOURCE):
 * every line sent, with its priority */
static GString *logged;

static void capture(int pri, const char *fmt, va_list ap)
{
	if (logged == NULL)
		logged = g_string_new(NULL);
	g_string_append_printf(logged, "<%d>", pri);
	g_string_append_vprintf(logged, fmt, ap);
	g_string_append_c(logged, '\n');
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

struct fx {
	char *dir;
	char *path;      /* dir/audit.jsonl */
	char *anchors;   /* dir/anchors.log */
	struct mugai_config cfg;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	int dfd;

	fx->dir = tu_tmpdir(&dfd);
	close(dfd);
	fx->path = g_build_filename(fx->dir, "audit.jsonl", NULL);
	fx->anchors = g_build_filename(fx->dir, "anchors.log", NULL);
	config_defaults(&fx->cfg);
	fx->cfg.audit_anchor_every = 2;
	g_strlcpy(fx->cfg.audit_anchor_file, fx->anchors, sizeof(fx->cfg.audit_anchor_file));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	g_free(fx->path);
	g_free(fx->anchors);
	tu_rmrf(fx->dir);
	free(fx);
	return 0;
}

static struct audit *open_ok(struct fx *fx)
{
	char err[512];
	struct audit *a = audit_open(fx->path, &fx->cfg, err, sizeof(err));

	if (a == NULL)
		print_message("audit_open: %s\n", err);
	assert_non_null(a);
	return a;
}

/* n verdict records n = base.. base+n-1, in two runs (reopening continues) */
static void write_events(struct fx *fx, int n, int base)
{
	for (int round = 0; round < 2; round++) {
		struct audit *a = open_ok(fx);

		for (int i = 0; i < n / 2; i++) {
			json_t *e = json_pack("{s:s, s:s, s:i}", "event", "verdict", "verdict",
					      "blocked", "n", base + round * (n / 2) + i);

			assert_int_equal(audit_append(a, e), 0);
			json_decref(e);
		}
		audit_close(a);
	}
}

static int verify(struct fx *fx, int with_anchors, struct audit_report *r, char *err,
		  size_t errlen)
{
	int rc = audit_verify(fx->path, NULL, with_anchors ? fx->anchors : NULL, r, err, errlen);

	print_message("verify%s: %s\n", with_anchors ? " --anchors" : "", rc == 0 ? "OK" : err);
	return rc;
}

/* the file's lines; line (1-based) replaced by repl (NULL: dropped) when > 0 */
static void edit_line(const char *path, int line, const char *from, const char *to)
{
	gchar *text, **lines;
	GString *out = g_string_new(NULL);
	int n = 0;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	while (lines[n] != NULL && lines[n][0] != '\0')
		n++;
	if (line < 0)
		line = n + 1 + line; /* -1: the last */
	for (int i = 0; i < n; i++) {
		if (i + 1 == line && from == NULL)
			continue;
		if (i + 1 == line) {
			gchar **parts = g_strsplit(lines[i], from, 2);
			gchar *joined = g_strjoinv(to, parts);

			assert_non_null(parts[1]); /* from was there */
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

static int count_lines(const char *path)
{
	gchar *text;
	int n = 0;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	for (const char *c = text; *c; c++)
		n += *c == '\n';
	g_free(text);
	return n;
}

static void test_key_file(void **state)
{
	struct fx *fx = *state;
	char kpath[2048], err[512];
	struct stat st;

	write_events(fx, 2, 0);
	assert_int_equal(audit_key_path(fx->path, "", kpath, sizeof(kpath)), 0);
	assert_int_equal(stat(kpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	/* a log with records and no key is not chained onto */
	assert_int_equal(rename(kpath, fx->anchors), 0);
	assert_null(audit_open(fx->path, &fx->cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "no key"));
	assert_int_equal(rename(fx->anchors, kpath), 0);
	/* nor with a key others may read */
	assert_int_equal(chmod(kpath, 0644), 0);
	assert_null(audit_open(fx->path, &fx->cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0600"));
	assert_int_equal(chmod(kpath, 0600), 0);
	/* another key file: the lines do not verify */
	g_strlcpy(fx->cfg.audit_key_file, fx->anchors, sizeof(fx->cfg.audit_key_file));
	assert_true(g_file_set_contents(fx->anchors, "00112233445566778899aabbccddeeff"
					"00112233445566778899aabbccddeeff\n", -1, NULL));
	assert_int_equal(chmod(fx->anchors, 0600), 0);
	assert_null(audit_open(fx->path, &fx->cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "does not verify"));
}

static void test_chain(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];

	write_events(fx, 6, 0);
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), 0);
	assert_int_equal(r.lines, 6);
	assert_true(r.anchors_checked >= 2);
	assert_int_equal(r.last_anchor, 6);
	/* edit line 3: its own MAC fails */
	edit_line(fx->path, 3, "\"n\":2", "\"n\":9");
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), -1);
	assert_int_equal(r.bad_line, 3);
	assert_non_null(strstr(err, "MAC"));
}

static void test_removed_line(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];

	write_events(fx, 6, 0);
	edit_line(fx->path, 2, NULL, NULL);
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), -1);
	assert_int_equal(r.bad_line, 2);
	assert_non_null(strstr(err, "chain is broken"));
}

/* the last line has no successor to protect it: its MAC does */
static void test_last_line_edited(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];

	write_events(fx, 4, 0);
	edit_line(fx->path, -1, "\"verdict\":\"blocked\"", "\"verdict\":\"released\"");
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), -1);
	assert_int_equal(r.bad_line, 4);
	/* and mugaid does not chain onto it */
	assert_null(audit_open(fx->path, &fx->cfg, err, sizeof(err)));
	print_message("open: %s\n", err);
	assert_non_null(strstr(err, "does not verify"));
}

/* dropping the last lines leaves a valid chain: the anchors show it */
static void test_tail_removed(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];

	write_events(fx, 6, 0);
	edit_line(fx->path, -1, NULL, NULL);
	edit_line(fx->path, -1, NULL, NULL);
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), 0); /* alone: not seen */
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tail was removed"));
	/* a restart does not chain onto the cut log */
	assert_null(audit_open(fx->path, &fx->cfg, err, sizeof(err)));
	print_message("open: %s\n", err);
	assert_non_null(strstr(err, "anchor file"));
}

/* whoever holds the key can rewrite the whole chain; not its anchors */
static void test_rewritten_with_key(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512], *keep = g_build_filename(fx->dir, "anchors.keep", NULL);

	write_events(fx, 6, 0);
	assert_int_equal(rename(fx->anchors, keep), 0);
	/* the same records but line 4, rewritten from line 1 with the key */
	assert_int_equal(unlink(fx->path), 0);
	{
		struct audit *a = open_ok(fx);

		for (int i = 0; i < 6; i++) {
			json_t *e = json_pack("{s:s, s:s, s:i}", "event", "verdict", "verdict",
					      i == 3 ? "released" : "blocked", "n", i);

			assert_int_equal(audit_append(a, e), 0);
			json_decref(e);
		}
		audit_close(a);
	}
	g_free(fx->anchors);
	fx->anchors = keep;
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), 0); /* consistent in itself */
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no anchor names this log"));
}

/* a rewrite that keeps line 1 (the log's name in anchors) */
static void test_rewritten_after_first_line(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];
	gchar *text, *nl;

	write_events(fx, 6, 0);
	assert_true(g_file_get_contents(fx->path, &text, NULL, NULL));
	nl = strchr(text, '\n');
	nl[1] = '\0';
	assert_true(g_file_set_contents(fx->path, text, -1, NULL));
	g_free(text);
	fx->cfg.audit_anchor_file[0] = '\0'; /* the rewriter does not add anchors */
	{
		struct audit *a = open_ok(fx);

		for (int i = 1; i < 6; i++) {
			json_t *e = json_pack("{s:s, s:s, s:i}", "event", "verdict", "verdict",
					      "released", "n", i);

			assert_int_equal(audit_append(a, e), 0);
			json_decref(e);
		}
		audit_close(a);
	}
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), 0);
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), -1);
	assert_int_equal(r.bad_line, 2);
	assert_non_null(strstr(err, "not the one anchored"));
}

/* a crash mid-write: repaired at open and recorded, the chain goes on */
static void test_torn_line_repaired(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];
	gchar *text;
	struct audit *a;
	json_t *e = json_pack("{s:s}", "event", "received");
	FILE *f;

	write_events(fx, 4, 0);
	/* the crash: record 5 only half written, never synced nor anchored */
	f = fopen(fx->path, "a");
	assert_non_null(f);
	fputs("{\"event\":\"received\",\"job\":\"0123", f);
	fclose(f);
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not terminated"));
	a = open_ok(fx);
	assert_int_equal(audit_append(a, e), 0);
	audit_close(a);
	json_decref(e);
	assert_int_equal(count_lines(fx->path), 6);
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), 0);
	assert_int_equal(r.repaired, 1);
	assert_true(g_file_get_contents(fx->path, &text, NULL, NULL));
	assert_non_null(strstr(text, "\"event\":\"audit repaired\""));
	assert_non_null(strstr(text, "\"torn_bytes\":31,"));
	g_free(text);
}

/* a "torn" line that an anchor had seen durable is no crash: refused */
static void test_torn_anchored_line_refused(void **state)
{
	struct fx *fx = *state;
	char err[512];
	gchar *text;
	gsize len;

	write_events(fx, 4, 0);
	assert_true(g_file_get_contents(fx->path, &text, &len, NULL));
	assert_true(g_file_set_contents(fx->path, text, (gssize)len - 40, NULL));
	g_free(text);
	assert_null(audit_open(fx->path, &fx->cfg, err, sizeof(err)));
	print_message("open: %s\n", err);
	assert_non_null(strstr(err, "anchor file"));
	assert_int_equal(count_lines(fx->path), 3); /* left as it was found */
}

/* a write cut short (the disk is full) leaves no partial line */
static void test_partial_write_undone(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	struct rlimit old, lim;
	struct stat st;
	char err[512];
	struct audit *a;
	json_t *e = json_pack("{s:s, s:s}", "event", "received", "name", "a long name .........");

	write_events(fx, 2, 0);
	a = open_ok(fx);
	assert_int_equal(stat(fx->path, &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 20;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_append(a, e), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(count_lines(fx->path), 2);
	assert_int_equal(audit_append(a, e), 0);
	audit_close(a);
	json_decref(e);
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), 0);
	assert_int_equal(r.lines, 3);
}

static void test_garbage_and_missing(void **state)
{
	struct fx *fx = *state;
	struct audit_report r;
	char err[512];

	write_events(fx, 2, 0);
	assert_true(g_file_set_contents(fx->path, "not json\n", -1, NULL));
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), -1);
	assert_int_equal(r.bad_line, 1);
	/* an old unkeyed line is no record of this format */
	assert_true(g_file_set_contents(fx->path, "{\"event\":\"received\",\"prev\":\"00\"}\n", -1,
					NULL));
	assert_int_equal(verify(fx, 0, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no MAC"));
	assert_int_equal(audit_verify("/nonexistent/audit", NULL, NULL, &r, err, sizeof(err)), -1);
}

/* Lazy lines wait for the next sync; the chain is the same either way; a
 * failed sync is retried by the next one; anchors name durable lines only. */
static void test_lazy_sync(void **state)
{
	struct fx *fx = *state;
	struct audit *a;
	json_t *e = json_pack("{s:s}", "event", "received");
	struct audit_report r;
	char err[512];

	a = open_ok(fx);
	syncs = 0;
	assert_int_equal(audit_append_lazy(a, e), 0);
	assert_int_equal(audit_append_lazy(a, e), 0);
	assert_int_equal(syncs, 0);
	assert_false(g_file_test(fx->anchors, G_FILE_TEST_EXISTS)); /* not durable yet */
	assert_int_equal(audit_sync(a), 0);
	assert_int_equal(syncs, 1);
	assert_true(g_file_test(fx->anchors, G_FILE_TEST_EXISTS));  /* 2 records: anchored */
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
	assert_int_equal(verify(fx, 1, &r, err, sizeof(err)), 0);
	assert_int_equal(count_lines(fx->path), 5);
	assert_int_equal(r.last_anchor, 5);
	json_decref(e);
}

/* [audit] syslog: every record to syslog; anchors go there in any case */
static void test_syslog(void **state)
{
	struct fx *fx = *state;
	gchar *text, **lines;
	int n = 0, anchors = 0;

	if (logged != NULL)
		g_string_truncate(logged, 0);
	fx->cfg.audit_anchor_file[0] = '\0';
	fx->cfg.audit_syslog = true;
	write_events(fx, 4, 0);
	assert_non_null(logged);
	assert_true(g_file_get_contents(fx->path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (; lines[n] != NULL && lines[n][0] != '\0'; n++) {
		char *want = g_strdup_printf("<%d>mugai-audit %s\n", LOG_AUTHPRIV | LOG_INFO,
					     lines[n]);

		assert_non_null(strstr(logged->str, want));
		g_free(want);
	}
	assert_int_equal(n, 4);
	for (const char *p = logged->str; (p = strstr(p, "mugai-audit-anchor chain=")); p++)
		anchors++;
	assert_true(anchors >= 3); /* every 2 records, at each close */
	{
		char *want = g_strdup_printf("<%d>mugai-audit-anchor chain=", LOG_AUTHPRIV | LOG_NOTICE);

		assert_non_null(strstr(logged->str, want));
		g_free(want);
	}
	g_strfreev(lines);
	g_free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_line_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_with_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_after_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_anchored_line_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_write_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
