/*
 * test_filters.c - filters that misbehave on purpose, linked only into
 * mugai-filter-test, to prove that the sandbox and the parent contain them:
 * a crash, an endless loop, unbounded allocation, fork, exec, socket, a write
 * outside the output directory.  Each is run through the real spawn path by
 * tests/unit/test_filterproc.c.
 */
#include "filter.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool any(const char *mime)
{
	(void)mime;
	return true;
}

static int run_ok(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		  struct filter_result *res)
{
	unsigned char *buf;
	size_t len;
	int fd;

	if (filter_read_all(in_fd, 1 << 20, &buf, &len) != 0)
		return -1;
	fd = filter_create(out_dir_fd, "out.txt");
	if (fd < 0 || filter_write_all(fd, buf, len) != 0) {
		free(buf);
		return -1;
	}
	close(fd);
	free(buf);
	filter_set(res, FILTER_OK, "copied");
	return 0;
}

static int run_crash(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		     struct filter_result *res)
{
	raise(SIGSEGV);
	return 0;
}

static int run_loop(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
	return 0;
}

static int run_alloc(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		     struct filter_result *res)
{
	size_t total = 0;

	/* touch every page, so the allocation is real */
	for (;;) {
		char *p = malloc(64 << 20);

		if (p == NULL) {
			filter_set(res, FILTER_FAILED, "out-of-memory after %zu MiB", total >> 20);
			return 0;
		}
		memset(p, 1, 64 << 20);
		total += 64 << 20;
	}
}

static int run_socket(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		      struct filter_result *res)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);

	filter_set(res, FILTER_OK, "socket returned %d", s);
	return 0;
}

static int run_exec(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	char *argv[] = { (char *)"/bin/true", NULL };

	execv("/bin/true", argv);
	filter_set(res, FILTER_OK, "execv failed: %s", strerror(errno));
	return 0;
}

static int run_fork(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	filter_set(res, FILTER_OK, "fork returned %d", (int)pid);
	return 0;
}

/* Try to write beside the output directory, through "..". */
static int run_escape(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		      struct filter_result *res)
{
	int fd = openat(out_dir_fd, "../escaped.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		filter_set(res, FILTER_FAILED, "escape refused: %s", strerror(errno));
		return 0;
	}
	(void)write(fd, "escaped\n", 8);
	close(fd);
	filter_set(res, FILTER_OK, "escaped");
	return 0;
}

/* Try to read a file outside what a parser needs (the path comes in the
 * input: the test's own secret file). */
static int run_read_secret(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			   struct filter_result *res)
{
	char path[512] = { 0 };
	ssize_t n = read(in_fd, path, sizeof(path) - 1);
	int fd;

	while (n > 0 && (path[n - 1] == '\n' || path[n - 1] == '\r'))
		path[--n] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		filter_set(res, FILTER_FAILED, "read refused: %s", strerror(errno));
		return 0;
	}
	close(fd);
	filter_set(res, FILTER_OK, "secret read");
	return 0;
}

static const struct filter_ops f_ok = { "test-ok", any, run_ok };
static const struct filter_ops f_crash = { "test-crash", any, run_crash };
static const struct filter_ops f_loop = { "test-loop", any, run_loop };
static const struct filter_ops f_alloc = { "test-alloc", any, run_alloc };
static const struct filter_ops f_socket = { "test-socket", any, run_socket };
static const struct filter_ops f_exec = { "test-exec", any, run_exec };
static const struct filter_ops f_fork = { "test-fork", any, run_fork };
static const struct filter_ops f_escape = { "test-escape", any, run_escape };
static const struct filter_ops f_read = { "test-read", any, run_read_secret };

const struct filter_ops *const filter_test_table[] = {
	&f_ok, &f_crash, &f_loop, &f_alloc, &f_socket, &f_exec, &f_fork, &f_escape, &f_read, NULL,
};
