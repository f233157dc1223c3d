/* test_scan.c - libclamav with generated signatures; limits fail closed */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/scan.h"
#include "testutil.h"

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static int has(const struct scan_result *r, const char *prefix)
{
	for (unsigned i = 0; i < r->n_findings; i++)
		if (strncmp(r->findings[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

static void test_signatures(void **state)
{
	struct mugai_config cfg;
	struct scan_engine *eng;
	struct scan_result r;
	char err[512];
	int fd;

	(void)state;
	config_defaults(&cfg);
	eng = scan_engine_load(&cfg, getenv("MUGAI_TESTDB"), err, sizeof(err));
	assert_non_null(eng);
	assert_true(scan_engine_signatures(eng) >= 2);

	fd = tu_memfd(eicar, sizeof(eicar) - 1);
	assert_int_equal(scan_fd(eng, fd, "eicar.com", &r), SCAN_INFECTED);
	assert_true(has(&r, "Eicar-Test-Signature.UNOFFICIAL"));
	assert_int_equal(scan_artefact_fd(eng, fd, "eicar.com", &r), SCAN_INFECTED);
	close(fd);
	fd = tu_memfd("harmless text\n", 14);
	assert_int_equal(scan_fd(eng, fd, "a.txt", &r), SCAN_CLEAN);
	assert_int_equal(r.n_findings, 0);
	close(fd);
	fd = open("/usr/share/clamav-testfiles/clam.zip", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(scan_fd(eng, fd, "clam.zip", &r), SCAN_INFECTED);
	assert_true(has(&r, "ClamAV-Test-File.UNOFFICIAL"));
	close(fd);
	scan_engine_free(eng);
}

static void test_exceeded_limit_is_a_finding(void **state)
{
	struct mugai_config cfg;
	struct scan_engine *eng;
	struct scan_result r;
	char err[512];
	size_t big = 3 << 20;
	char *data = calloc(1, big);
	int fd;

	(void)state;
	config_defaults(&cfg);
	cfg.scan_max_filesize = 1 << 20;
	cfg.scan_max_scansize = 1 << 20;
	eng = scan_engine_load(&cfg, getenv("MUGAI_TESTDB"), err, sizeof(err));
	assert_non_null(eng);
	memcpy(data + big - 100, eicar, sizeof(eicar) - 1); /* beyond the limit */
	fd = tu_memfd(data, big);
	assert_int_equal(scan_fd(eng, fd, "big.bin", &r), SCAN_INFECTED);
	assert_true(has(&r, "Heuristics.Limits.Exceeded"));
	close(fd);
	free(data);
	scan_engine_free(eng);
}

static void test_missing_or_empty_database(void **state)
{
	struct mugai_config cfg;
	char err[512];
	int dfd = -1;
	char *dir = tu_tmpdir(&dfd);

	(void)state;
	config_defaults(&cfg);
	assert_null(scan_engine_load(&cfg, dir, err, sizeof(err)));
	assert_non_null(strstr(err, dir));
	assert_null(scan_engine_load(&cfg, "/nonexistent/clamav", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/clamav"));
	close(dfd);
	tu_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_exceeded_limit_is_a_finding),
		cmocka_unit_test(test_missing_or_empty_database),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
