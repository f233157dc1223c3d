/*
 * test_filters.c - filters that misbehave on purpose, linked only into
 * mugai-filter-test, to prove that the sandbox and the parent contain them:
 * a crash, an endless loop, unbounded allocation, fork, exec, socket, a write
 * outside the output directory, system calls outside the seccomp allow-list;
 * and well-behaved ones that prove the allow-list admits what filters really
 * do (threads, logging, abort, a helper under FILTER_SANDBOX_EXEC).  Each is
 * run through the real spawn path by tests/unit/test_filterproc.c.
 */
#include "filter.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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
	filter_output(res, FILTERPROTO_OUT_TXT);
	return 0;
}

/* writes out.txt as run_ok does, but says OK without naming it: the core
 * must take nothing (it never guesses a name) */
static int run_unnamed(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		       struct filter_result *res)
{
	int rc = run_ok(in_fd, out_dir_fd, lim, res);

	res->output[0] = '\0';
	return rc;
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

static void *thread_main(void *arg)
{
	*(int *)arg = 42;
	return NULL;
}

/* Worker threads, as pdf-image makes them: clone(CLONE_THREAD) after
 * clone3 was refused with ENOSYS. */
static int run_thread(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		      struct filter_result *res)
{
	pthread_t t;
	int v = 0;

	if (pthread_create(&t, NULL, thread_main, &v) != 0) {
		filter_set(res, FILTER_FAILED, "pthread_create failed");
		return 0;
	}
	pthread_join(t, NULL);
	filter_set(res, v == 42 ? FILTER_OK : FILTER_FAILED, "thread ran: %d", v);
	return 0;
}

/* A library complaining: stdio on stderr and on stdout (/dev/null, a
 * character device: isatty()), GLib's default log writer. */
static int run_log(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		   struct filter_result *res)
{
	fprintf(stderr, "test-log: a warning on stderr\n");
	printf("test-log: on stdout\n");
	fflush(stdout);
	g_message("test-log: a GLib message");
	filter_set(res, FILTER_OK, "logged");
	return 0;
}

/* abort() signals the process itself: SIGABRT, not SIGSYS */
static int run_abort(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		     struct filter_result *res)
{
	abort();
}

/* Calls the old deny-list did not name: the allow-list kills them too. */
static int run_io_uring(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			struct filter_result *res)
{
	unsigned char params[120] = { 0 }; /* struct io_uring_params */
	long r = syscall(SYS_io_uring_setup, 4, params);

	filter_set(res, FILTER_OK, "io_uring_setup returned %ld", r);
	return 0;
}

static int run_unshare(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		       struct filter_result *res)
{
	int r = unshare(CLONE_NEWUSER);

	filter_set(res, FILTER_OK, "unshare returned %d", r);
	return 0;
}

static int run_unix_socket(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			   struct filter_result *res)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	filter_set(res, FILTER_OK, "socket(AF_UNIX) returned %d", s);
	return 0;
}

/* memory both writable and executable (W^X) */
static int run_wx(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		  struct filter_result *res)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	filter_set(res, FILTER_OK, "mmap(W|X) returned %p", p);
	return 0;
}

/* FILTER_SANDBOX_EXEC: a helper is spawned and waited for, and talks over
 * an AF_UNIX socketpair, as soffice would. */
static int run_exec_helper(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			   struct filter_result *res)
{
	char *argv[] = { (char *)"true", NULL };
	int sv[2], status = -1, err;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		filter_set(res, FILTER_FAILED, "socketpair: %s", strerror(errno));
		return 0;
	}
	if (write(sv[0], "x", 1) != 1) {
		filter_set(res, FILTER_FAILED, "socketpair write: %s", strerror(errno));
		return 0;
	}
	close(sv[0]);
	close(sv[1]);
	err = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	if (err != 0) {
		filter_set(res, FILTER_FAILED, "posix_spawn: %s", strerror(err));
		return 0;
	}
	if (waitpid(pid, &status, 0) != pid) {
		filter_set(res, FILTER_FAILED, "waitpid: %s", strerror(errno));
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		filter_set(res, FILTER_OK, "helper exited 0");
	else
		filter_set(res, FILTER_FAILED, "helper status %#x", (unsigned)status);
	return 0;
}

/* Does a path exist?  stat() is not a Landlock access right: only the
 * mount namespace can hide a file from it.  The path comes in the input. */
static int run_stat(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		    struct filter_result *res)
{
	char path[512] = { 0 };
	ssize_t n = read(in_fd, path, sizeof(path) - 1);
	struct stat st;

	while (n > 0 && (path[n - 1] == '\n' || path[n - 1] == '\r'))
		path[--n] = '\0';
	if (stat(path, &st) != 0)
		filter_set(res, FILTER_FAILED, "stat: %s", strerror(errno));
	else
		filter_set(res, FILTER_OK, "stat: exists");
	return 0;
}

/* which network namespace the filter is in, and its interfaces:
 * "net:[4026532xxx] lo" */
static int run_netns(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		     struct filter_result *res)
{
	char ns[64] = "", line[256];
	GString *devs = g_string_new(NULL);
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	FILE *f = fopen("/proc/self/net/dev", "r");

	(void)in_fd;
	(void)out_dir_fd;
	(void)lim;
	if (n <= 0 || f == NULL) {
		filter_set(res, FILTER_FAILED, "netns: %s", strerror(errno));
	} else {
		ns[n] = '\0';
		while (fgets(line, sizeof(line), f) != NULL) {
			char *colon = strchr(line, ':');

			if (colon != NULL) { /* "    lo: 0 0 ..." */
				*colon = '\0';
				g_string_append_printf(devs, " %s", g_strstrip(line));
			}
		}
		filter_set(res, FILTER_OK, "%s%s", ns, devs->str);
	}
	if (f != NULL)
		fclose(f);
	g_string_free(devs, TRUE);
	return 0;
}

static const struct filter_ops f_netns = { "test-netns", any, run_netns };
static const struct filter_ops f_exec_netns = { "test-exec-netns", any, run_netns,
						FILTER_SANDBOX_EXEC };
static const struct filter_ops f_ok = { "test-ok", any, run_ok };
static const struct filter_ops f_unnamed = { "test-unnamed", any, run_unnamed };
static const struct filter_ops f_crash = { "test-crash", any, run_crash };
static const struct filter_ops f_loop = { "test-loop", any, run_loop };
static const struct filter_ops f_alloc = { "test-alloc", any, run_alloc };
static const struct filter_ops f_socket = { "test-socket", any, run_socket };
static const struct filter_ops f_exec = { "test-exec", any, run_exec };
static const struct filter_ops f_fork = { "test-fork", any, run_fork };
static const struct filter_ops f_escape = { "test-escape", any, run_escape };
static const struct filter_ops f_read = { "test-read", any, run_read_secret };
static const struct filter_ops f_stat = { "test-stat", any, run_stat };
static const struct filter_ops f_thread = { "test-thread", any, run_thread };
static const struct filter_ops f_log = { "test-log", any, run_log };
static const struct filter_ops f_abort = { "test-abort", any, run_abort };
static const struct filter_ops f_io_uring = { "test-io-uring", any, run_io_uring };
static const struct filter_ops f_unshare = { "test-unshare", any, run_unshare };
static const struct filter_ops f_unix = { "test-unix-socket", any, run_unix_socket };
static const struct filter_ops f_wx = { "test-wx", any, run_wx };
/* mime-unpack as a compromised GMime would make it: the real split, then
 * every converted text (t000001, ...) that mugaid would take in place of a
 * text filter run replaced by bytes the text filter never writes (an
 * escape sequence, a NUL, a right-to-left override) */
extern const struct filter_ops filter_mime_unpack;

/* the real split, then lie() on every text it made (t000001, ...) */
static int liar_each_text(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			  struct filter_result *res, int (*lie)(int dir, const char *name))
{
	char name[16];
	struct stat sb;
	int rc = filter_mime_unpack.run(in_fd, out_dir_fd, lim, res);

	for (unsigned i = 1; rc == 0 && i < 1000; i++) {
		snprintf(name, sizeof(name), "t%06u", i);
		if (fstatat(out_dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    lie(out_dir_fd, name) != 0)
			rc = -1;
	}
	return rc;
}

/* name's content replaced by n copies of len bytes of data */
static int liar_rewrite(int dir, const char *name, const char *data, size_t len, unsigned n)
{
	int fd = openat(dir, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -1;
	for (unsigned k = 0; rc == 0 && k < n; k++)
		rc = filter_write_all(fd, data, len);
	close(fd);
	return rc;
}

static int lie_dirty(int dir, const char *name)
{
	static const char dirty[] = "dirty\x1b[2J\0\xe2\x80\xae" "exe.txt\n";

	return liar_rewrite(dir, name, dirty, sizeof(dirty) - 1, 1);
}

static int run_mime_unpack_dirty(int in_fd, int out_dir_fd, const struct filter_limits *lim,
				 struct filter_result *res)
{
	return liar_each_text(in_fd, out_dir_fd, lim, res, lie_dirty);
}

static const struct filter_ops f_mime_dirty = { "test-mime-unpack-dirty", any,
						run_mime_unpack_dirty };

/* More lying mime-unpacks (tests/unit/test_job_attack.c).  "nolimit": the
 * real split, its texts made whatever [limits] text_max_bytes says (a part
 * the text filter would refuse gets a text).  "grown": every text replaced
 * by clean text far longer than the text filter makes of its member.
 * "dir": every text a directory instead. */
static int run_mime_unpack_nolimit(int in_fd, int out_dir_fd, const struct filter_limits *lim,
				   struct filter_result *res)
{
	struct filter_limits big = *lim;

	big.max_text_bytes = lim->max_output_bytes;
	return filter_mime_unpack.run(in_fd, out_dir_fd, &big, res);
}

#define LIAR_GROWN_LINES 4096 /* "grown grown grown\n" each: 72 KiB */

static int lie_grown(int dir, const char *name)
{
	static const char line[] = "grown grown grown\n";

	return liar_rewrite(dir, name, line, sizeof(line) - 1, LIAR_GROWN_LINES);
}

static int run_mime_unpack_grown(int in_fd, int out_dir_fd, const struct filter_limits *lim,
				 struct filter_result *res)
{
	return liar_each_text(in_fd, out_dir_fd, lim, res, lie_grown);
}

static int lie_dir(int dir, const char *name)
{
	return unlinkat(dir, name, 0) == 0 ? mkdirat(dir, name, 0700) : -1;
}

static int run_mime_unpack_dir(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			       struct filter_result *res)
{
	return liar_each_text(in_fd, out_dir_fd, lim, res, lie_dir);
}

/* "alltext": a clean text named beside every member the real split made
 * none for, whatever its type (HTML, a zip, a script) */
static int liar_add_text(int out_dir_fd, json_t *line)
{
	static const char claim[] = "claimed text\n";
	const char *file = json_string_value(json_object_get(line, "file"));
	char t[16];
	int fd;

	if (file == NULL || json_object_get(line, "text") != NULL)
		return 0;
	snprintf(t, sizeof(t), "t%s", file + 1);
	fd = filter_create(out_dir_fd, t);
	if (fd < 0 || filter_write_all(fd, claim, sizeof(claim) - 1) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	filterproto_manifest_text(line, t, "UTF-8");
	return 0;
}

static int run_mime_unpack_alltext(int in_fd, int out_dir_fd, const struct filter_limits *lim,
				   struct filter_result *res)
{
	int rc = filter_mime_unpack.run(in_fd, out_dir_fd, lim, res), fd;
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *lines = json_array();

	if (rc != 0 || res->status != FILTER_OK)
		goto out;
	fd = openat(out_dir_fd, FILTERPROTO_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd < 0 || filter_read_all(fd, FILTERPROTO_MANIFEST_MAX, &buf, &len) != 0 ? -1 : 0;
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; rc == 0 && i < len;) {
		const unsigned char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
		json_t *o = json_loadb((const char *)buf + i, n, 0, NULL);

		if (o != NULL && liar_add_text(out_dir_fd, o) != 0)
			rc = -1;
		if (o != NULL)
			json_array_append_new(lines, o);
		i += n + 1;
	}
	if (rc == 0) {
		unlinkat(out_dir_fd, FILTERPROTO_MANIFEST, 0);
		fd = filter_create(out_dir_fd, FILTERPROTO_MANIFEST);
		rc = fd < 0 || filter_write_json_lines(fd, lines) != 0 ? -1 : 0;
		if (fd >= 0)
			close(fd);
	}
out:
	free(buf);
	json_decref(lines);
	return rc;
}

/* "allbody": alltext's texts, then every leaf of structure.json called a
 * text/plain body without a name: each attachment as the message's text */
static void liar_all_body(json_t *node)
{
	json_t *kids = json_object_get(node, "children"), *k;
	const char *kind = json_string_value(json_object_get(node, "kind"));
	size_t i;

	if (json_object_get(node, "body") != NULL)
		liar_all_body(json_object_get(node, "body"));
	json_array_foreach(kids, i, k)
		liar_all_body(k);
	if (kind != NULL && strcmp(kind, "leaf") == 0) {
		json_object_set_new(node, "role", json_string("body"));
		json_object_set_new(node, "type", json_string("text/plain"));
		json_object_del(node, "name");
		json_object_del(node, "disposition");
	}
}

static int run_mime_unpack_allbody(int in_fd, int out_dir_fd, const struct filter_limits *lim,
				   struct filter_result *res)
{
	int rc = run_mime_unpack_alltext(in_fd, out_dir_fd, lim, res), fd;
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *s = NULL;

	if (rc != 0 || res->status != FILTER_OK)
		return rc;
	fd = openat(out_dir_fd, FILTERPROTO_MAIL_STRUCTURE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd < 0 || filter_read_all(fd, FILTERPROTO_MANIFEST_MAX, &buf, &len) != 0 ? -1 : 0;
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		s = json_loadb((const char *)buf, len, 0, NULL);
	if (s == NULL) {
		rc = -1;
	} else {
		liar_all_body(s);
		unlinkat(out_dir_fd, FILTERPROTO_MAIL_STRUCTURE, 0);
		fd = filter_create(out_dir_fd, FILTERPROTO_MAIL_STRUCTURE);
		if (fd < 0 || json_dumpfd(s, fd, JSON_COMPACT) != 0)
			rc = -1;
		if (fd >= 0)
			close(fd);
	}
	free(buf);
	json_decref(s);
	return rc;
}

/* "repeat": the real split, then its first member's manifest line again
 * LIAR_REPEAT times (the same file: no byte more to count) */
#define LIAR_REPEAT 300

static int run_mime_unpack_repeat(int in_fd, int out_dir_fd, const struct filter_limits *lim,
				  struct filter_result *res)
{
	int rc = filter_mime_unpack.run(in_fd, out_dir_fd, lim, res), fd;
	unsigned char *buf = NULL;
	size_t len = 0;
	const unsigned char *nl;

	if (rc != 0 || res->status != FILTER_OK)
		return rc;
	fd = openat(out_dir_fd, FILTERPROTO_MANIFEST, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	rc = fd < 0 || filter_read_all(fd, FILTERPROTO_MANIFEST_MAX, &buf, &len) != 0 ? -1 : 0;
	nl = rc == 0 ? memchr(buf, '\n', len) : NULL;
	for (unsigned k = 0; nl != NULL && rc == 0 && k < LIAR_REPEAT; k++)
		rc = filter_write_all(fd, buf, (size_t)(nl - buf) + 1);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

static const struct filter_ops f_mime_repeat = { "test-mime-unpack-repeat", any,
						 run_mime_unpack_repeat };
static const struct filter_ops f_mime_alltext = { "test-mime-unpack-alltext", any,
						  run_mime_unpack_alltext };
static const struct filter_ops f_mime_allbody = { "test-mime-unpack-allbody", any,
						  run_mime_unpack_allbody };
static const struct filter_ops f_mime_nolimit = { "test-mime-unpack-nolimit", any,
						  run_mime_unpack_nolimit };
static const struct filter_ops f_mime_grown = { "test-mime-unpack-grown", any,
						run_mime_unpack_grown };
static const struct filter_ops f_mime_dir = { "test-mime-unpack-dir", any, run_mime_unpack_dir };

/* the fds open when the filter's code runs (below 64): "fds: 0 1 2 3 4"
 * (tests/unit/test_filterproc_attack.c: the shared network namespace's
 * FILTERPROTO_FD_USERNS and _NETNS never among them) */
static int run_fds(int in_fd, int out_dir_fd, const struct filter_limits *lim,
		   struct filter_result *res)
{
	char list[FILTER_REASON_MAX / 2] = "fds:";

	(void)in_fd;
	(void)out_dir_fd;
	(void)lim;
	for (int fd = 0; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), " %d", fd);
	filter_set(res, FILTER_OK, "%s", list);
	return 0;
}

/* a well-formed FILTER_OK reply sent at once, then no exit: a filter that
 * says it is done must still end, or its run fails (filterproc_reap) */
static int run_reply_hang(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			  struct filter_result *res)
{
	struct filter_reply rp;
	struct timespec ts = { 3600, 0 };

	(void)in_fd;
	(void)out_dir_fd;
	(void)lim;
	(void)res;
	memset(&rp, 0, sizeof(rp));
	rp.magic = FILTERPROTO_MAGIC;
	rp.version = FILTERPROTO_VERSION;
	rp.status = FILTER_OK;
	snprintf(rp.reason, sizeof(rp.reason), "done, honestly");
	snprintf(rp.output, sizeof(rp.output), "%s", FILTERPROTO_OUT_TXT);
	if (send(FILTERPROTO_FD_CHAN, &rp, sizeof(rp), MSG_NOSIGNAL) != (ssize_t)sizeof(rp))
		return -1;
	for (;;)
		nanosleep(&ts, NULL);
	return 0;
}

static const struct filter_ops f_reply_hang = { "test-reply-hang", any, run_reply_hang };
static const struct filter_ops f_fds = { "test-fds", any, run_fds };
static const struct filter_ops f_exec_fds = { "test-exec-fds", any, run_fds,
					      FILTER_SANDBOX_EXEC };

/* FILTER_SANDBOX_EXEC: exec, fork and AF_UNIX allowed, still no network */
static const struct filter_ops f_exec_helper = { "test-exec-helper", any, run_exec_helper,
						 FILTER_SANDBOX_EXEC };
static const struct filter_ops f_exec_inet = { "test-exec-inet", any, run_socket,
					       FILTER_SANDBOX_EXEC };

const struct filter_ops *const filter_test_table[] = {
	&f_ok, &f_crash, &f_loop, &f_alloc, &f_socket, &f_exec, &f_fork, &f_escape, &f_read,
	&f_thread, &f_log, &f_abort, &f_io_uring, &f_unshare, &f_unix, &f_wx, &f_exec_helper,
	&f_exec_inet, &f_stat, &f_unnamed, &f_mime_dirty, &f_netns, &f_exec_netns,
	&f_mime_nolimit, &f_mime_grown, &f_mime_dir, &f_fds, &f_exec_fds,
	&f_reply_hang, &f_mime_alltext, &f_mime_repeat, &f_mime_allbody, NULL,
};

/* MUGAI_TEST_SANDBOX_FAIL=LAYER makes that layer of sandbox_enter() fail
 * (src/filterd/sandbox.c calls this only when it is linked in: here) */
int sandbox_test_fault(const char *layer);

int sandbox_test_fault(const char *layer)
{
	const char *v = getenv("MUGAI_TEST_SANDBOX_FAIL");

	return v != NULL && strcmp(v, layer) == 0;
}
