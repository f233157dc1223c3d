/*
 * test_log.c - log.c: a message never forges a line or carries raw terminal
 * escapes; journald priorities when stderr is the journal's stream; panic
 * aborts with a line of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mugai/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* stderr goes to a fresh temporary file; its fd (for reading back) */
static int capture_begin(int *saved)
{
	char path[] = "/tmp/mugai-log-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	return fd;
}

static char *capture_end(int fd, int saved)
{
	static char buf[8192];
	ssize_t n;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void test_name_cannot_forge_a_line(void **state)
{
	/* what a hostile upload name decodes to (%0A, ESC, CR, BEL, DEL, C1 CSI) */
	const char *name = "a.txt\nmugaid: job 0123 released\x1b[2J\x1b]0;x\a\r\x7f\xc2\x9b" "1m";
	int saved, fd;
	char *out;

	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init("mugaid", LOG_LVL_INFO);
	fd = capture_begin(&saved);
	log_warnx("job %s: name '%s'", "0123", name);
	log_info("info %s", name);
	errno = ENOENT;
	log_warn("open %s", name);
	out = capture_end(fd, saved);
	print_message("%s", out);
	assert_int_equal(count_char(out, '\n'), 3); /* one line per message */
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		assert_true(*p == '\n' || (*p >= 0x20 && *p != 0x7f));
		assert_false(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
	}
	assert_non_null(strstr(out, "mugaid: job 0123: name 'a.txt\\nmugaid: job 0123 released"
				    "\\x1b[2J\\x1b]0;x\\x07\\r\\x7f\\xc2\\x9b1m'\n"));
	assert_non_null(strstr(out, ": No such file or directory\n"));
	assert_null(strstr(out, "\nmugaid: job 0123 released"));
	assert_null(strstr(out, "<4>")); /* not the journal: no priorities */
}

static void test_escape_bounds(void **state)
{
	char small[8];
	size_t n;

	(void)state;
	n = log_escape(small, sizeof(small), "ab\x1b" "cdef");
	/* "ab\x1b" is 6 bytes; "c" fits, then the buffer is full */
	assert_string_equal(small, "ab\\x1bc");
	assert_int_equal(n, 7);
	n = log_escape(small, sizeof(small), "abcde\n");
	assert_string_equal(small, "abcde\\n"); /* 7 + NUL fits exactly */
	n = log_escape(small, 6, "abcd\n"); /* the escape would not fit: dropped whole */
	assert_string_equal(small, "abcd");
	assert_int_equal(n, 4);
	n = log_escape(small, sizeof(small), "a\\b");
	assert_string_equal(small, "a\\\\b");
	n = log_escape(small, sizeof(small), "日本");
	assert_string_equal(small, "日本"); /* UTF-8 stays readable */
}

/* JOURNAL_STREAM naming our stderr, as systemd sets it */
static void journal_is_stderr(void)
{
	struct stat st;
	char js[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
}

static void test_journal_priorities(void **state)
{
	int saved, fd;
	char *out;

	(void)state;
	fd = capture_begin(&saved);
	journal_is_stderr();
	log_init("mugaid", LOG_LVL_DEBUG);
	log_warnx("w");
	log_info("i");
	log_debug("d");
	errno = EIO;
	log_warn("e");
	out = capture_end(fd, saved);
	assert_string_equal(out, "<4>mugaid: w\n<6>mugaid: i\n<7>mugaid: debug: d\n"
				 "<4>mugaid: e: Input/output error\n");

	/* JOURNAL_STREAM names another stream (stderr was redirected): plain lines */
	fd = capture_begin(&saved);
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_init("mugaid", LOG_LVL_WARN);
	log_warnx("w");
	log_info("not shown");
	out = capture_end(fd, saved);
	assert_string_equal(out, "mugaid: w\n");
	unsetenv("JOURNAL_STREAM");
}

static void run_child(int journal, void (*fn)(void), int *status, char *out, size_t len)
{
	int saved, fd = capture_begin(&saved);
	pid_t pid;
	char *o;

	if (journal)
		journal_is_stderr();
	else
		unsetenv("JOURNAL_STREAM");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		log_init("mugaid", LOG_LVL_ERROR); /* panic shows at every level */
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, status, 0), pid);
	o = capture_end(fd, saved);
	snprintf(out, len, "%s", o);
	unsetenv("JOURNAL_STREAM");
}

static void do_panic(void)
{
	panic("spool: job %s in two states", "0123\n");
}

static void do_fatal(void)
{
	fatalx("config %s", "x");
}

static void test_panic_aborts(void **state)
{
	int status;
	char out[512];

	(void)state;
	run_child(1, do_panic, &status, out, sizeof(out));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(out, "<2>mugaid: panic: spool: job 0123\\n in two states\n");
	run_child(1, do_fatal, &status, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	assert_string_equal(out, "<3>mugaid: fatal: config x\n");
	run_child(0, do_panic, &status, out, sizeof(out));
	assert_string_equal(out, "mugaid: panic: spool: job 0123\\n in two states\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_cannot_forge_a_line),
		cmocka_unit_test(test_escape_bounds),
		cmocka_unit_test(test_journal_priorities),
		cmocka_unit_test(test_panic_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
