/*
 * test_filterproc.c - the filter process boundary: request/reply validation,
 * and misbehaving filters (tests/filterd/test_filters.c, in mugai-filter-test)
 * run through the real spawn path.  Each must end FILTER_FAILED with a reason,
 * and the parent must go on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/filterproc.h"
#include "testutil.h"

#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	struct mugai_config cfg;
	char *dir;       /* temp root */
	int out_fd;      /* root/out */
	int in_fd;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *bin = getenv("MUGAI_BIN");
	char path[1024];
	int fd;

	assert_non_null(bin);
	config_defaults(&fx->cfg);
	snprintf(fx->cfg.filter_path, sizeof(fx->cfg.filter_path), "%s/mugai-filter-test", bin);
	fx->cfg.filter_timeout = 3;
	fx->cfg.filter_cpu_seconds = 2;
	fx->cfg.filter_memory = 256ULL << 20;
	fx->dir = g_dir_make_tmp("mugai-fp-XXXXXX", NULL);
	assert_non_null(fx->dir);
	fx->out_fd = tu_filter_out(fx->dir);
	snprintf(path, sizeof(path), "%s/in.txt", fx->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	fx->in_fd = fd;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[1200];

	close(fx->in_fd);
	close(fx->out_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	g_free(fx->dir);
	free(fx);
	return 0;
}

static int run(struct fx *fx, const char *name, struct filter_result *res, char *sb)
{
	struct filter_limits lim;

	filterproc_limits(&fx->cfg, &lim);
	return filterproc_run(&fx->cfg, name, &lim, fx->in_fd, fx->out_fd, res, sb, 128);
}

static void test_ok_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;
	char sb[128], buf[16] = { 0 };
	int fd;

	assert_int_equal(run(fx, "test-ok", &res, sb), FILTER_OK);
	assert_string_equal(res.reason, "copied");
	assert_string_equal(res.output, FILTERPROTO_OUT_TXT); /* named in the reply */
	assert_non_null(strstr(sb, "rlimits"));
	assert_non_null(strstr(sb, "seccomp"));
	if (geteuid() == 0)
		assert_non_null(strstr(sb, "uid-nobody"));
	fd = openat(fx->out_fd, "out.txt", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "hello\n");
	close(fd);
}

static void test_crash(void **state)
{
	struct filter_result res;
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];

	/* under ASan the child's SEGV handler would turn the crash into exit(1) */
	snprintf(opts, sizeof(opts), "%s%shandle_segv=0", asan ? asan : "", asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	run(*state, "test-crash", &res, NULL);
	if (asan != NULL)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-crashed"));
	assert_non_null(strstr(res.reason, "signal 11"));
}

static void test_endless_loop_is_killed(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;

	/* CPU limit (2 s) or wall clock (3 s), whichever comes first */
	assert_int_equal(run(fx, "test-loop", &res, NULL), FILTER_FAILED);
	assert_true(strstr(res.reason, "filter-cpu-limit") != NULL ||
		    strstr(res.reason, "filter-timeout") != NULL);
}

static void test_wall_clock_timeout(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;

	fx->cfg.filter_cpu_seconds = 60;
	fx->cfg.filter_timeout = 1;
	assert_int_equal(run(fx, "test-loop", &res, NULL), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-timeout"));
	fx->cfg.filter_cpu_seconds = 2;
	fx->cfg.filter_timeout = 3;
}

static void test_unbounded_allocation(void **state)
{
	struct filter_result res;

	/* under ASan there is no RLIMIT_AS: the allocator's own limit ends it, or
	 * the CPU limit; in every case the result is a failure, never OK */
	assert_int_equal(run(*state, "test-alloc", &res, NULL), FILTER_FAILED);
	assert_true(res.reason[0] != '\0');
}

static void test_socket_is_killed(void **state)
{
	struct filter_result res;

	assert_int_equal(run(*state, "test-socket", &res, NULL), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "SIGSYS"));
}

static void test_exec_is_killed(void **state)
{
	struct filter_result res;

	assert_int_equal(run(*state, "test-exec", &res, NULL), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "SIGSYS"));
}

static void test_fork_is_killed(void **state)
{
	struct filter_result res;
	char sb[128];

	/* also under ASan: only LeakSanitizer's CLONE_VM tracer is let through */
	run(*state, "test-fork", &res, sb);
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "SIGSYS"));
}

/* The seccomp layer is an allow-list: calls nobody thought of denying are
 * refused as well. */
static void expect_sigsys(void **state, const char *name)
{
	struct filter_result res;
	char sb[128];

	assert_int_equal(run(*state, name, &res, sb), FILTER_FAILED);
	if (strstr(res.reason, "SIGSYS") == NULL)
		print_message("%s: %s (sandbox %s)\n", name, res.reason, sb);
	assert_non_null(strstr(res.reason, "filter-sandbox-violation"));
	assert_non_null(strstr(res.reason, "SIGSYS"));
}

static void test_unlisted_calls_are_killed(void **state)
{
	expect_sigsys(state, "test-io-uring");    /* not in the old deny-list */
	expect_sigsys(state, "test-unshare");     /* no new namespace after setup */
	expect_sigsys(state, "test-unix-socket"); /* no socket of any family */
	expect_sigsys(state, "test-wx");          /* W^X */
}

static void test_allowed_calls_work(void **state)
{
	struct filter_result res;
	char sb[128];

	assert_int_equal(run(*state, "test-thread", &res, sb), FILTER_OK);
	assert_string_equal(res.reason, "thread ran: 42");
	assert_non_null(strstr(sb, "seccomp"));
	assert_int_equal(run(*state, "test-log", &res, sb), FILTER_OK);
	assert_string_equal(res.reason, "logged");
	/* abort() may signal the process itself: SIGABRT, not SIGSYS */
	assert_int_equal(run(*state, "test-abort", &res, sb), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "signal 6"));
}

/* FILTER_SANDBOX_EXEC keeps exec, fork and AF_UNIX, and still no network */
static void test_exec_flag(void **state)
{
	struct filter_result res;
	char sb[128];

	assert_int_equal(run(*state, "test-exec-helper", &res, sb), FILTER_OK);
	assert_string_equal(res.reason, "helper exited 0");
	assert_non_null(strstr(sb, "seccomp"));
	expect_sigsys(state, "test-exec-inet");
}

static void test_write_outside_is_refused(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;
	char sb[128], path[1200];

	run(fx, "test-escape", &res, sb);
	snprintf(path, sizeof(path), "%s/escaped.txt", fx->dir);
	if (strstr(sb, "landlock") == NULL) {
		/* kernel without Landlock: only the report can say so */
		print_message("landlock not available here (%s); skipping\n", sb);
		unlink(path);
		skip();
	}
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "escape refused"));
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_read_outside_is_refused(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;
	char sb[128], secret[1200];
	int fd;

	/* a file of the test's own, outside every path a parser may read */
	snprintf(secret, sizeof(secret), "%s/secret.key", fx->dir);
	fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "KEY", 3), 3);
	close(fd);
	assert_int_equal(ftruncate(fx->in_fd, 0), 0);
	assert_int_equal(pwrite(fx->in_fd, secret, strlen(secret), 0), (ssize_t)strlen(secret));
	run(fx, "test-read", &res, sb);
	if (strstr(sb, "landlock") == NULL) {
		print_message("landlock not available here (%s); skipping\n", sb);
		skip();
	}
	assert_int_equal(res.status, FILTER_FAILED);
	assert_non_null(strstr(res.reason, "read refused"));
}

/* The mount namespace: the filter's root holds only what a parser reads,
 * so even stat() (which Landlock does not govern) finds nothing else: not
 * the test's directory, not /root, /home or the spool. */
static void test_mount_namespace_hides_files(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;
	char sb[128];

	assert_int_equal(ftruncate(fx->in_fd, 0), 0);
	assert_int_equal(pwrite(fx->in_fd, fx->dir, strlen(fx->dir), 0), (ssize_t)strlen(fx->dir));
	run(fx, "test-stat", &res, sb);
	if (strstr(sb, "mountns") == NULL) {
		print_message("no mount namespace here (%s); skipping\n", sb);
		skip();
	}
	assert_int_equal(res.status, FILTER_FAILED);
	assert_string_equal(res.reason, "stat: No such file or directory");
	/* what a parser needs is still there */
	assert_int_equal(ftruncate(fx->in_fd, 0), 0);
	assert_int_equal(pwrite(fx->in_fd, "/usr/lib", 8, 0), 8);
	assert_int_equal(run(fx, "test-stat", &res, sb), FILTER_OK);
	assert_int_equal(ftruncate(fx->in_fd, 0), 0);
	assert_int_equal(pwrite(fx->in_fd, "/proc/self/status", 17, 0), 17);
	assert_int_equal(run(fx, "test-stat", &res, sb), FILTER_OK);
}

static void test_unknown_filter_and_missing_binary(void **state)
{
	struct fx *fx = *state;
	struct filter_result res;
	char saved[CONFIG_PATH_MAX];

	assert_int_equal(run(fx, "no-such-filter", &res, NULL), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-exit"));
	memcpy(saved, fx->cfg.filter_path, sizeof(saved));
	snprintf(fx->cfg.filter_path, sizeof(fx->cfg.filter_path), "/nonexistent/mugai-filter");
	assert_int_equal(run(fx, "test-ok", &res, NULL), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-spawn"));
	memcpy(fx->cfg.filter_path, saved, sizeof(saved));
}

/* epub-pdf (MuPDF) runs only in mugai-filter-mupdf: found beside this
 * program, it reads the input; mugai-filter does not carry it; and when it
 * is missing the item fails with a clear reason, even though filter_path
 * names a binary (mugai-filter-test) that would carry it: never a fallback */
static void test_epub_runs_only_in_mupdf_binary(void **state)
{
	struct fx *fx = *state;
	struct filter_limits lim;
	struct filter_result res;
	char full[CONFIG_PATH_MAX];

	filterproc_limits(&fx->cfg, &lim);
	g_strlcpy(lim.mime, "application/epub+zip", sizeof(lim.mime));
	/* "hello" is no EPUB: the filter itself says so, so it ran */
	assert_int_equal(filterproc_run(&fx->cfg, "epub-pdf", &lim, fx->in_fd, fx->out_fd, &res,
					NULL, 0), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "corrupt-epub"));
	/* mugai-filter has no epub-pdf: it refuses the request */
	snprintf(full, sizeof(full), "%s/mugai-filter", getenv("MUGAI_BIN"));
	g_strlcpy(fx->cfg.filter_mupdf_path, full, sizeof(fx->cfg.filter_mupdf_path));
	assert_int_equal(filterproc_run(&fx->cfg, "epub-pdf", &lim, fx->in_fd, fx->out_fd, &res,
					NULL, 0), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-exit"));
	/* not installed */
	g_strlcpy(fx->cfg.filter_mupdf_path, "/nonexistent/mugai-filter-mupdf",
		  sizeof(fx->cfg.filter_mupdf_path));
	assert_int_equal(filterproc_run(&fx->cfg, "epub-pdf", &lim, fx->in_fd, fx->out_fd, &res,
					NULL, 0), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "epub support not installed"));
	assert_non_null(strstr(res.reason, "/nonexistent/mugai-filter-mupdf"));
	assert_int_equal(faccessat(fx->out_fd, FILTERPROTO_OUT_PDF, F_OK, 0), -1);
}

/* mugai-filter runs a filter only on a type the filter says it reads */
static void test_refuses_a_type_it_does_not_read(void **state)
{
	struct fx *fx = *state;
	struct filter_limits lim;
	struct filter_result res;

	filterproc_limits(&fx->cfg, &lim);
	g_strlcpy(lim.mime, "application/pdf", sizeof(lim.mime));
	assert_int_equal(filterproc_run(&fx->cfg, "text", &lim, fx->in_fd, fx->out_fd, &res,
					NULL, 0), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-refused: text does not read application/pdf"));
	assert_int_equal(faccessat(fx->out_fd, FILTERPROTO_OUT_TXT, F_OK, 0), -1);
	g_strlcpy(lim.mime, "text/plain", sizeof(lim.mime));
	assert_int_equal(filterproc_run(&fx->cfg, "text", &lim, fx->in_fd, fx->out_fd, &res,
					NULL, 0), FILTER_OK);
	assert_string_equal(res.output, FILTERPROTO_OUT_TXT);
}

static void test_reply_validation(void **state)
{
	struct filter_reply rp;
	struct filter_request rq;

	(void)state;
	memset(&rp, 0, sizeof(rp));
	rp.magic = FILTERPROTO_MAGIC;
	rp.version = FILTERPROTO_VERSION;
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), 0);
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp) - 1), -1);
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp) + 1), -1);
	rp.status = 7;
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), -1);
	rp.status = FILTER_OK;
	memset(rp.reason, 'A', sizeof(rp.reason)); /* no NUL */
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), -1);
	rp.reason[0] = '\0';
	/* the output it names is one of the protocol's names, or none */
	g_strlcpy(rp.output, FILTERPROTO_OUT_PDF, sizeof(rp.output));
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), 0);
	g_strlcpy(rp.output, "../out.pdf", sizeof(rp.output));
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), -1);
	memset(rp.output, 'o', sizeof(rp.output)); /* no NUL */
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), -1);
	rp.output[0] = '\0';
	rp.magic = 0;
	assert_int_equal(filterproto_check_reply(&rp, sizeof(rp)), -1);

	memset(&rq, 0, sizeof(rq));
	rq.magic = FILTERPROTO_MAGIC;
	rq.version = FILTERPROTO_VERSION;
	assert_int_equal(filterproto_check_request(&rq, sizeof(rq)), 0);
	memset(rq.filter, 'x', sizeof(rq.filter));
	assert_int_equal(filterproto_check_request(&rq, sizeof(rq)), -1);
	rq.filter[0] = '\0';
	rq.version = 99;
	assert_int_equal(filterproto_check_request(&rq, sizeof(rq)), -1);
}

/* the network namespace test-netns / test-exec-netns ran in ("net:[...]"),
 * its interfaces in devs */
static void netns_of(struct fx *fx, const char *filter, char *ns, size_t len, char *devs,
		     size_t dlen)
{
	struct filter_result res;
	char sb[128];
	const char *sp;

	assert_int_equal(run(fx, filter, &res, sb), FILTER_OK);
	assert_non_null(strstr(sb, "netns"));
	sp = strchr(res.reason, ' ');
	assert_non_null(sp);
	snprintf(ns, len, "%.*s", (int)(sp - res.reason), res.reason);
	snprintf(devs, dlen, "%s", sp + 1);
	assert_int_equal(strncmp(ns, "net:[", 5), 0);
}

/* Without the shared namespace (mugai, a test) each filter makes its own;
 * once mugaid made it (filterproc_shared_netns) the filters that exec
 * nothing all run in it, and it is not ours: an empty one, a loopback
 * only; a filter that execs (LibreOffice) still gets one of its own. */
static void test_shared_network_namespace(void **state)
{
	struct fx *fx = *state;
	char own[64], a[64], b[64], x[64], y[64], devs[128], err[256];
	ssize_t n = readlink("/proc/self/ns/net", own, sizeof(own) - 1);

	assert_true(n > 0);
	own[n] = '\0';
	/* (a namespace's number is taken again once it is gone: only those
	 * alive at the same time are compared) */
	netns_of(fx, "test-netns", a, sizeof(a), devs, sizeof(devs));
	assert_string_not_equal(a, own);
	assert_int_equal(filterproc_shared_netns(err, sizeof(err)), 0);
	netns_of(fx, "test-netns", a, sizeof(a), devs, sizeof(devs));
	assert_string_equal(devs, "lo");
	netns_of(fx, "test-netns", b, sizeof(b), devs, sizeof(devs));
	assert_string_equal(a, b);
	assert_string_not_equal(a, own);
	netns_of(fx, "test-exec-netns", x, sizeof(x), devs, sizeof(devs));
	assert_string_equal(devs, "lo");
	assert_string_not_equal(x, a);
	assert_string_not_equal(x, own);
	netns_of(fx, "test-exec-netns", y, sizeof(y), devs, sizeof(devs));
	assert_string_not_equal(y, a);
	assert_int_equal(filterproc_shared_netns(err, sizeof(err)), 0); /* once */
	netns_of(fx, "test-netns", b, sizeof(b), devs, sizeof(devs));
	assert_string_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_a_type_it_does_not_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endless_loop_is_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wall_clock_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbounded_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_is_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_is_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_is_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_calls_are_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed_calls_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_outside_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_outside_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_namespace_hides_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_filter_and_missing_binary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_epub_runs_only_in_mupdf_binary, setup,
						teardown),
		cmocka_unit_test(test_reply_validation),
		/* last: it makes the shared network namespace for the process */
		cmocka_unit_test_setup_teardown(test_shared_network_namespace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
