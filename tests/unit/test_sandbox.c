/*
 * test_sandbox.c - the layers of mugai-filter's sandbox that are mandatory in
 * every mode (seccomp, no_new_privs, rlimits, PR_SET_PDEATHSIG): when one of
 * them cannot be applied the filter does not run and the item fails with a
 * reason naming the layer; the layers a kernel may lack (network and mount
 * namespaces, Landlock) stay best effort and are reported as missing.
 * Failures are forced with MUGAI_TEST_SANDBOX_FAIL, which only the test
 * build mugai-filter-test honours (tests/filterd/test_filters.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/filterproc.h"

#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

struct fx {
	struct mugai_config cfg;
	char *dir;
	int out_fd;
	int in_fd;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *bin = getenv("MUGAI_BIN");

	assert_non_null(bin);
	config_defaults(&fx->cfg);
	snprintf(fx->cfg.filter_path, sizeof(fx->cfg.filter_path), "%s/mugai-filter-test", bin);
	fx->cfg.filter_timeout = 10;
	fx->dir = tu_tmpdir(&fx->out_fd);
	assert_non_null(fx->dir);
	if (geteuid() == 0) /* as job.c does: the filter drops to nobody */
		assert_int_equal(fchown(fx->out_fd, FILTERPROC_UID, FILTERPROC_UID), 0);
	fx->in_fd = tu_memfd("hello\n", 6);
	assert_true(fx->in_fd >= 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	unsetenv("MUGAI_TEST_SANDBOX_FAIL");
	close(fx->in_fd);
	close(fx->out_fd);
	tu_rmrf(fx->dir);
	free(fx);
	return 0;
}

/* test-ok copies its input to out.txt: whether it ran shows in the directory */
static int run_ok(struct fx *fx, const char *fail, int strict, struct filter_result *res,
		  char *sb, size_t sblen)
{
	struct filter_limits lim;

	if (fail != NULL)
		setenv("MUGAI_TEST_SANDBOX_FAIL", fail, 1);
	else
		unsetenv("MUGAI_TEST_SANDBOX_FAIL");
	fx->cfg.sandbox_strict = strict;
	lseek(fx->in_fd, 0, SEEK_SET);
	filterproc_limits(&fx->cfg, &lim);
	return filterproc_run(&fx->cfg, "test-ok", &lim, fx->in_fd, fx->out_fd, res, sb, sblen);
}

static int ran(struct fx *fx)
{
	struct stat st;

	return fstatat(fx->out_fd, "out.txt", &st, 0) == 0;
}

static void test_all_layers(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;
	char sb[FILTERPROTO_SANDBOX_MAX];

	assert_int_equal(run_ok(fx, NULL, 0, &res, sb, sizeof(sb)), FILTER_OK);
	print_message("layers: %s\n", sb);
	assert_true(ran(fx));
	assert_non_null(strstr(sb, "pdeathsig"));
	assert_non_null(strstr(sb, "no_new_privs"));
	assert_non_null(strstr(sb, "rlimits"));
	assert_non_null(strstr(sb, "seccomp"));
}

static void expect_refused(struct fx *fx, const char *layer, int strict)
{
	struct filter_result res;
	char sb[FILTERPROTO_SANDBOX_MAX];
	int st = run_ok(fx, layer, strict, &res, sb, sizeof(sb));

	print_message("%s (%s): status %d, reason '%s', layers '%s'\n", layer,
		      strict ? "strict" : "best-effort", st, res.reason, sb);
	assert_int_equal(st, FILTER_FAILED);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_false(ran(fx));                            /* the filter never ran */
	assert_non_null(strstr(res.reason, "sandbox-incomplete"));
	assert_non_null(strstr(res.reason, layer));       /* the reason names it */
}

static void test_mandatory_layers(void **state)
{
	static const char *const mandatory[] = { "pdeathsig", "rlimits", "no_new_privs",
						 "seccomp" };

	for (size_t i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
		expect_refused(*state, mandatory[i], 0); /* best-effort mode too */
		expect_refused(*state, mandatory[i], 1);
	}
}

static void test_optional_layers(void **state)
{
	static const char *const optional[] = { "netns", "mountns", "landlock" };
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		struct filter_result res;
		char sb[FILTERPROTO_SANDBOX_MAX];
		int st;

		/* best effort: runs, and the report lacks the layer */
		unlinkat(fx->out_fd, "out.txt", 0);
		st = run_ok(fx, optional[i], 0, &res, sb, sizeof(sb));
		print_message("%s: status %d, layers '%s'\n", optional[i], st, sb);
		assert_int_equal(st, FILTER_OK);
		assert_true(ran(fx));
		assert_non_null(strstr(sb, "seccomp"));
		for (char *t = strtok(sb, ","); t != NULL; t = strtok(NULL, ","))
			assert_string_not_equal(t, optional[i]);
		/* strict: refused */
		unlinkat(fx->out_fd, "out.txt", 0);
		expect_refused(fx, optional[i], 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mandatory_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optional_layers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
