/* test_release.c - traversal-proof, atomic release with SHA-256 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "mugai/release.h"
#include "testutil.h"

/* fsync, counted, and failing on demand (the release code calls ours) */
static int syncs, sync_fails;

int fsync(int fd)
{
	syncs++;
	if (sync_fails) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

static void test_path_check(void **state)
{
	char err[256], longc[300], longp[1100];
	static const char *const bad[] = {
		"", "/abs", "../x", "a/../b", "a/./b", "a//b", "a/", ".", "..", "a\\b",
		"ctl\x01name", "tab\tname", "bad\xff\xfeutf8", NULL,
	};

	(void)state;
	for (size_t i = 0; bad[i] != NULL; i++)
		if (release_path_check(bad[i], err, sizeof(err)) == 0)
			fail_msg("'%s' accepted", bad[i]);
	memset(longc, 'a', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = '\0';
	assert_int_equal(release_path_check(longc, err, sizeof(err)), -1);
	for (size_t i = 0; i < sizeof(longp) - 1; i++)
		longp[i] = (i % 100 == 99) ? '/' : 'b';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(release_path_check(longp, err, sizeof(err)), -1);
	assert_int_equal(release_path_check("議事録/第1回議事録.txt", err, sizeof(err)), 0);
	assert_int_equal(release_path_check("a b (2).txt", err, sizeof(err)), 0);
}

static int count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".mugai-", 7) == 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_copy_hash_collisions(void **state)
{
	int root = -1, src;
	char *dir = tu_tmpdir(&root), final[RELEASE_PATH_MAX], hex[65], err[256], *got;
	uint64_t size = 0;
	static const char data[] = "released content\n";
	gchar *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data,
						  sizeof(data) - 1);
	char *sub;

	(void)state;
	src = tu_memfd(data, sizeof(data) - 1);
	assert_int_equal(release_copy(root, "docs/議事録/a.txt", src, final, sizeof(final), hex,
				      &size, NULL, err, sizeof(err)), 0);
	assert_string_equal(final, "docs/議事録/a.txt");
	assert_string_equal(hex, want);
	assert_int_equal(size, sizeof(data) - 1);
	got = tu_read_at(root, "docs/議事録/a.txt", NULL);
	assert_string_equal(got, data);
	g_free(got);
	/* a taken name is never replaced */
	assert_int_equal(release_copy(root, "docs/議事録/a.txt", src, final, sizeof(final), hex,
				      &size, NULL, err, sizeof(err)), 0);
	assert_string_equal(final, "docs/議事録/a (2).txt");
	assert_int_equal(release_copy(root, "docs/議事録/a.txt", src, final, sizeof(final), hex,
				      &size, NULL, err, sizeof(err)), 0);
	assert_string_equal(final, "docs/議事録/a (3).txt");
	sub = g_build_filename(dir, "docs", "議事録", NULL);
	assert_int_equal(count_tmp(sub), 0);
	assert_int_equal(release_unlink(root, "docs/議事録/a (2).txt"), 0);
	assert_null(tu_read_at(root, "docs/議事録/a (2).txt", NULL));
	g_free(sub);
	g_free(want);
	close(src);
	close(root);
	tu_rmrf(dir);
}

/* A hard link: the same file under a second name, never over a taken one */
static void test_link(void **state)
{
	int root = -1, src;
	char *dir = tu_tmpdir(&root), final[RELEASE_PATH_MAX], err[256], *got;
	struct stat a, b;

	(void)state;
	assert_int_equal(mkdirat(root, "spool", 0700), 0);
	src = openat(root, "spool/original", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	assert_true(src >= 0);
	assert_int_equal(write(src, "csv,1\n", 6), 6);
	assert_int_equal(release_link(root, "out/表.csv", src, final, sizeof(final), NULL,
				      err, sizeof(err)), 0);
	assert_string_equal(final, "out/表.csv");
	got = tu_read_at(root, "out/表.csv", NULL);
	assert_string_equal(got, "csv,1\n");
	g_free(got);
	assert_int_equal(fstat(src, &a), 0);
	assert_int_equal(fstatat(root, "out/表.csv", &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(a.st_ino == b.st_ino && a.st_nlink == 2);
	assert_int_equal(release_link(root, "out/表.csv", src, final, sizeof(final), NULL,
				      err, sizeof(err)), 0);
	assert_string_equal(final, "out/表 (2).csv");
	assert_int_equal(release_link(root, "../escape.csv", src, final, sizeof(final), NULL,
				      err, sizeof(err)), -1);
	{
		char *sub = g_build_filename(dir, "out", NULL);

		assert_int_equal(count_tmp(sub), 0);
		g_free(sub);
	}
	close(src);
	close(root);
	tu_rmrf(dir);
}

/* Directory fsyncs held for later: the data is synced at once, each new or
 * written directory once, when release_sync_run() comes; a failure there
 * is reported */
static void test_sync_later(void **state)
{
	int root = -1, src;
	char *dir = tu_tmpdir(&root), final[RELEASE_PATH_MAX], hex[65], err[256];
	uint64_t size;
	struct release_sync later;

	(void)state;
	release_sync_init(&later);
	src = tu_memfd("x", 1);
	syncs = 0;
	/* root (a is new), a (b is new), b (x.txt): three directories, and
	 * the copy's data */
	assert_int_equal(release_copy(root, "a/b/x.txt", src, final, sizeof(final), hex, &size,
				      &later, err, sizeof(err)), 0);
	assert_int_equal(syncs, 1);
	assert_int_equal(later.n, 3);
	/* another file in b: held already */
	assert_int_equal(release_copy(root, "a/b/y.txt", src, final, sizeof(final), hex, &size,
				      &later, err, sizeof(err)), 0);
	assert_int_equal(syncs, 2);
	assert_int_equal(later.n, 3);
	assert_int_equal(release_sync_run(&later), 0);
	assert_int_equal(syncs, 5);
	assert_int_equal(later.n, 0);
	/* without a set, at once: data and directory */
	assert_int_equal(release_copy(root, "a/b/z.txt", src, final, sizeof(final), hex, &size,
				      NULL, err, sizeof(err)), 0);
	assert_int_equal(syncs, 7);
	/* a held fsync that fails */
	assert_int_equal(release_copy(root, "w.txt", src, final, sizeof(final), hex, &size,
				      &later, err, sizeof(err)), 0);
	assert_int_equal(later.n, 1);
	sync_fails = 1;
	assert_int_equal(release_sync_run(&later), -1);
	sync_fails = 0;
	assert_int_equal(later.n, 0);
	close(src);
	close(root);
	tu_rmrf(dir);
}

static void test_symlink_in_release_dir_not_followed(void **state)
{
	int root = -1, elsewhere_fd = -1, src;
	char *dir = tu_tmpdir(&root), *elsewhere = tu_tmpdir(&elsewhere_fd);
	char *link = g_build_filename(dir, "sub", NULL);
	char final[RELEASE_PATH_MAX], hex[65], err[256];
	uint64_t size;
	DIR *d;
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_int_equal(symlink(elsewhere, link), 0);
	src = tu_memfd("x", 1);
	assert_int_equal(release_copy(root, "sub/x.txt", src, final, sizeof(final), hex, &size,
				      NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sub/x.txt"));
	d = opendir(elsewhere);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 0);
	/* and a symlink as the final name is not replaced or followed */
	assert_int_equal(release_copy(root, "sub", src, final, sizeof(final), hex, &size, NULL, err,
				      sizeof(err)), 0);
	assert_string_equal(final, "sub (2)");
	close(src);
	close(root);
	close(elsewhere_fd);
	g_free(link);
	tu_rmrf(dir);
	tu_rmrf(elsewhere);
}

static void test_sha256_fd(void **state)
{
	char hex[65];
	uint64_t size;
	int fd = tu_memfd("abc", 3);

	(void)state;
	assert_int_equal(release_sha256_fd(fd, hex, &size), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_check),
		cmocka_unit_test(test_copy_hash_collisions),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_sync_later),
		cmocka_unit_test(test_symlink_in_release_dir_not_followed),
		cmocka_unit_test(test_sha256_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
