/*
 * test_unpack_password.c - a wrong ZipCrypto password that passes the
 * one-byte password check (about one in 256 do) decrypts the member to
 * garbage, which only its CRC shows: that is a wrong password too, the
 * archive stays held with nothing written, and the right password still
 * opens it.  The archive and such a password come from tests/tools/mkzipcrypto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "filter.h"
#include "testutil.h"

static void unpack_with(const char *zip, size_t len, const char *pw, struct filter_result *res,
			int *written, char **member)
{
	struct filter_limits lim;
	char *dir;
	int dfd;

	tu_limits(&lim);
	g_strlcpy(lim.password, pw, sizeof(lim.password));
	tu_run("unpack", zip, len, &lim, res, &dir, &dfd);
	*written = tu_count(dfd);
	if (member != NULL)
		*member = tu_read_at(dfd, "m000001", NULL);
	close(dfd);
	tu_rmrf(dir);
}

static void test_check_byte_collision(void **state)
{
	const char *bin = getenv("MUGAI_BIN");
	struct filter_result res;
	char *tmp, *zp, *cmd, *out = NULL, *zip = NULL, *member = NULL;
	size_t len = 0;
	int tfd, written;

	(void)state;
	assert_non_null(bin);
	tmp = tu_tmpdir(&tfd);
	zp = g_build_filename(tmp, "ppap.zip", NULL);
	cmd = g_strdup_printf("'%s/mkzipcrypto' '%s' himitsu s.txt secret-content", bin, zp);
	assert_true(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
	g_strchomp(out);
	assert_true(out[0] != '\0');
	assert_true(g_file_get_contents(zp, &zip, &len, NULL));
	print_message("wrong password passing the check byte: %s\n", out);

	unpack_with(zip, len, "", &res, &written, NULL);
	assert_int_equal(res.status, FILTER_HELD);
	assert_string_equal(res.reason, "encrypted");

	unpack_with(zip, len, "plainly-wrong", &res, &written, NULL);
	assert_int_equal(res.status, FILTER_HELD);
	assert_string_equal(res.reason, "wrong-password");
	assert_int_equal(written, 0);

	/* passes the check byte, fails the CRC: still a wrong password */
	unpack_with(zip, len, out, &res, &written, NULL);
	print_message("reason: %s\n", res.reason);
	assert_int_equal(res.status, FILTER_HELD);
	assert_string_equal(res.reason, "wrong-password");
	assert_int_equal(written, 0); /* the garbage member is not left behind */

	unpack_with(zip, len, "himitsu", &res, &written, &member);
	assert_int_equal(res.status, FILTER_OK);
	assert_string_equal(member, "secret-content");

	g_free(member);
	g_free(zip);
	g_free(out);
	g_free(cmd);
	g_free(zp);
	close(tfd);
	tu_rmrf(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_byte_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
