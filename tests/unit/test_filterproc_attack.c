/*
 * test_filterproc_attack.c - the shared network namespace's fds
 * (FILTERPROTO_FD_USERNS 5, FILTERPROTO_FD_NETNS 6) against what may sit at
 * those numbers: a filter joins only the namespace mugaid made
 * (filterproc_shared_netns), never one its parent happened to leave open
 * there, and never holds either fd when its code runs, whatever way the
 * sandbox went.  Drives mugai-filter-test (tests/filterd/test_filters.c:
 * test-netns, test-fds) through filterproc_run.  Runs as root or not (the
 * user-namespace path: `setpriv --reuid=65534 --regid=65534 --clear-groups`).
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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

	assert_non_null(fx);
	assert_non_null(bin);
	config_defaults(&fx->cfg);
	snprintf(fx->cfg.filter_path, sizeof(fx->cfg.filter_path), "%s/mugai-filter-test", bin);
	fx->dir = g_dir_make_tmp("mugai-fpa-XXXXXX", NULL);
	assert_non_null(fx->dir);
	fx->out_fd = tu_filter_out(fx->dir);
	assert_true(fx->out_fd >= 0);
	fx->in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fx->in_fd >= 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);

	close(fx->in_fd);
	close(fx->out_fd);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(fx->dir);
	free(fx);
	unsetenv("MUGAI_TEST_SANDBOX_FAIL");
	return 0;
}

/* filter's reason (FILTER_OK asserted), into reason */
static void run_ok(struct fx *fx, const char *filter, char *reason, size_t len)
{
	struct filter_limits lim;
	struct filter_result res;
	char sb[128];

	filterproc_limits(&fx->cfg, &lim);
	assert_int_equal(filterproc_run(&fx->cfg, filter, &lim, fx->in_fd, fx->out_fd, &res, sb,
					sizeof(sb)), FILTER_OK);
	snprintf(reason, len, "%s", res.reason);
}

/* the network namespace test-netns ran in: "net:[...]" */
static void netns_of(struct fx *fx, char *ns, size_t len)
{
	char reason[256], *sp;

	run_ok(fx, "test-netns", reason, sizeof(reason));
	sp = strchr(reason, ' ');
	if (sp != NULL)
		*sp = '\0';
	assert_int_equal(strncmp(reason, "net:[", 5), 0);
	snprintf(ns, len, "%s", reason);
}

static void own_netns(char *ns, size_t len)
{
	ssize_t n = readlink("/proc/self/ns/net", ns, len - 1);

	assert_true(n > 0);
	ns[n] = '\0';
}

/* path opened at fd (inherited across exec: no close-on-exec) */
static void open_at(const char *path, int fd)
{
	int t = open(path, O_RDONLY);

	assert_true(t >= 0);
	if (t != fd) {
		assert_int_equal(dup2(t, fd), fd);
		close(t);
	}
}

/* test-fds's list holds neither of the shared namespace's fds */
static void assert_no_ns_fds(struct fx *fx, const char *filter)
{
	char reason[256];
	gchar **tok;

	run_ok(fx, filter, reason, sizeof(reason));
	assert_int_equal(strncmp(reason, "fds:", 4), 0);
	tok = g_strsplit(reason + 4, " ", -1);
	for (gchar **t = tok; *t != NULL; t++) {
		assert_string_not_equal(*t, "5");
		assert_string_not_equal(*t, "6");
	}
	g_strfreev(tok);
}

/* A network namespace mugaid's caller left open at fd 6 (the mugai CLI,
 * or mugaid before or without the shared one) is not joined: the filter
 * makes its own, as it does without the shared namespace.  As root the
 * filter could setns() into it: our own network, with its interfaces. */
static void test_stray_netns_fd_not_joined(void **state)
{
	struct fx *fx = *state;
	char own[64], ns[64];

	own_netns(own, sizeof(own));
	open_at("/proc/self/ns/net", 6);
	netns_of(fx, ns, sizeof(ns));
	close(6);
	assert_string_not_equal(ns, own);
}

/* Fds of another kind at 5 and 6 are neither taken nor left to the filter */
static void test_stray_fds_closed_before_the_filter_runs(void **state)
{
	struct fx *fx = *state;
	char own[64], ns[64];

	own_netns(own, sizeof(own));
	open_at("/dev/null", 5);
	open_at("/etc/hostname", 6);
	netns_of(fx, ns, sizeof(ns));
	assert_string_not_equal(ns, own);
	assert_no_ns_fds(fx, "test-fds");
	assert_no_ns_fds(fx, "test-exec-fds");
	close(5);
	close(6);
}

/* A filter that replies FILTER_OK at once and never exits is killed once
 * its time is up, and its run fails whatever the reply said */
static void test_reply_then_hang_fails(void **state)
{
	struct fx *fx = *state;
	struct filter_limits lim;
	struct filter_result res;
	char sb[128];

	fx->cfg.filter_timeout = 1;
	filterproc_limits(&fx->cfg, &lim);
	assert_int_equal(filterproc_run(&fx->cfg, "test-reply-hang", &lim, fx->in_fd, fx->out_fd,
					&res, sb, sizeof(sb)), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-killed"));
	assert_string_equal(res.output, "");
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Under a storm of signals (every poll, recv and wait interrupted: EINTR)
 * the reaper still waits for the exit, and still kills at the deadline: a
 * filter that ends is FILTER_OK, one that replies and hangs fails. */
static void test_reaper_under_signals(void **state)
{
	struct fx *fx = *state;
	struct sigaction sa, old;
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct filter_limits lim;
	struct filter_result res;
	char sb[128];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	fx->cfg.filter_timeout = 1;
	filterproc_limits(&fx->cfg, &lim);
	for (int i = 0; i < 5; i++)
		assert_int_equal(filterproc_run(&fx->cfg, "test-fds", &lim, fx->in_fd, fx->out_fd,
						&res, sb, sizeof(sb)), FILTER_OK);
	assert_int_equal(filterproc_run(&fx->cfg, "test-reply-hang", &lim, fx->in_fd, fx->out_fd,
					&res, sb, sizeof(sb)), FILTER_FAILED);
	assert_non_null(strstr(res.reason, "filter-killed"));
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
}

/* In a child that can make no namespace (unshare() fails with EPERM, as
 * it does where the kernel or a container forbids it): the holder cannot
 * be made, filterproc_shared_netns says so, and a filter then runs without
 * the layer, reported as missing, with neither fd.  0 when all held. */
static int holder_fails_child(struct fx *fx)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	struct filter_limits lim;
	struct filter_result res;
	char err[256] = "", sb[128];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 1;
	if (filterproc_shared_netns(err, sizeof(err)) != -1 ||
	    strstr(err, "shared network namespace") == NULL)
		return 2;
	filterproc_limits(&fx->cfg, &lim);
	if (filterproc_run(&fx->cfg, "test-fds", &lim, fx->in_fd, fx->out_fd, &res, sb,
			   sizeof(sb)) != FILTER_OK)
		return 3;
	if (strstr(sb, "netns") != NULL || strstr(res.reason, " 5") != NULL ||
	    strstr(res.reason, " 6") != NULL)
		return 4;
	return 0;
}

static void test_holder_that_cannot_be_made(void **state)
{
	struct fx *fx = *state;
	int status = -1;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(holder_fails_child(fx));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* With the shared namespace: its fds are closed before the filter's code
 * runs in every way the layer can go (joined; an exec filter, which never
 * joins; the layer failing) */
static void test_shared_netns_fds_closed_before_the_filter_runs(void **state)
{
	struct fx *fx = *state;
	char err[256], own[64], a[64], b[64];

	assert_int_equal(filterproc_shared_netns(err, sizeof(err)), 0);
	own_netns(own, sizeof(own));
	netns_of(fx, a, sizeof(a));
	netns_of(fx, b, sizeof(b));
	assert_string_equal(a, b); /* the shared one */
	assert_string_not_equal(a, own);
	assert_no_ns_fds(fx, "test-fds");
	assert_no_ns_fds(fx, "test-exec-fds");
	setenv("MUGAI_TEST_SANDBOX_FAIL", "netns", 1);
	assert_no_ns_fds(fx, "test-fds");
	assert_no_ns_fds(fx, "test-exec-fds");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stray_netns_fd_not_joined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_fds_closed_before_the_filter_runs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_then_hang_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holder_that_cannot_be_made, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reaper_under_signals, setup, teardown),
		/* last: it makes the shared network namespace for the process */
		cmocka_unit_test_setup_teardown(test_shared_netns_fds_closed_before_the_filter_runs,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
