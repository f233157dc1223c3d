/* test_drop_config.c - [drop] and [drop.NAME]: defaults, pairs, refusals
 * that name the line */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "mugai/config.h"

static int load(const char *text, struct mugai_config *cfg, char *err, size_t errlen)
{
	char *path = g_strdup("/tmp/mugai-dropconf-XXXXXX");
	int fd = g_mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_defaults(cfg);
	rc = config_load(cfg, path, err, errlen);
	unlink(path);
	g_free(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct mugai_config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.drop_inbox, "");
	assert_true(c.drop_settle_ms > 0 && c.drop_settle_ms <= 2000);
	assert_string_equal(c.drop_report_suffix, ".mugai.txt");
	assert_int_equal(c.drop_outbox_mode, 0640);
	assert_int_equal(c.drop_npairs, 0);
	assert_true(c.drop_max_watches > 0 && c.drop_max_pending > 0 && c.drop_max_queued > 0);
}

static void test_pairs(void **state)
{
	struct mugai_config c;
	char err[CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(load("[drop]\ninbox = /srv/in\noutbox = /srv/out\nsettle_ms = 500\n"
			      "outbox_mode = 0660\nmax_pending = 10\n"
			      "[drop.somu]\ninbox = /srv/somu/in\noutbox = /srv/somu/out\n"
			      "[drop.kikaku-2]\ninbox = /srv/k/in\noutbox = /srv/k/out\n",
			      &c, err, sizeof(err)), 0);
	assert_string_equal(c.drop_inbox, "/srv/in");
	assert_string_equal(c.drop_outbox, "/srv/out");
	assert_int_equal(c.drop_settle_ms, 500);
	assert_int_equal(c.drop_outbox_mode, 0660);
	assert_int_equal(c.drop_max_pending, 10);
	assert_int_equal(c.drop_npairs, 2);
	assert_string_equal(c.drop_pairs[0].name, "somu");
	assert_string_equal(c.drop_pairs[0].outbox, "/srv/somu/out");
	assert_string_equal(c.drop_pairs[1].name, "kikaku-2");
	assert_string_equal(c.drop_pairs[1].inbox, "/srv/k/in");
}

static void refused(const char *text, const char *want)
{
	struct mugai_config c;
	char err[CONFIG_ERR_MAX];

	assert_int_equal(load(text, &c, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("[drop.somu]\ninbox = /a\n", ":1: [drop.somu] wants both inbox and outbox");
	refused("[drop.somu]\ninbox = /a\noutbox = /b\nsettle_ms = 1\n",
		":4: unknown key 'settle_ms' in [drop.somu]");
	refused("[drop.somu]\ninbox = a\noutbox = /b\n", ":2: [drop.somu] inbox: an absolute path");
	refused("[drop.so mu]\ninbox = /a\noutbox = /b\n", "NAME must be");
	refused("[drop.]\ninbox = /a\noutbox = /b\n", "NAME must be");
	refused("[drop]\noutbox_mode = 0999\n", ":2: [drop] outbox_mode: '0999' is not an octal");
	refused("[drop]\noutbox_mode = 01777\n", "is not an octal mode");
	refused("[drop]\nsettle_ms = 10000000\n", "out of range");
	refused("[drop]\nmax_pending = 0\n", "out of range");
	refused("[drop]\nfolder = /x\n", "unknown key 'folder' in [drop]");
}

static void test_too_many_pairs(void **state)
{
	GString *s = g_string_new(NULL);

	(void)state;
	for (int i = 0; i < CONFIG_DROP_PAIRS_MAX; i++)
		g_string_append_printf(s, "[drop.p%d]\ninbox = /i%d\noutbox = /o%d\n", i, i, i);
	refused(s->str, "more than");
	g_string_free(s, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_too_many_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
