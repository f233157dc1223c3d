/*
 * test_spool.c - the spool interface (src/daemon/spool.h) over its
 * directory backend: the commit point of an intake, what recovery makes of
 * each state a crash can leave (an intake never committed, a verdict
 * recorded but not moved to done, a torn or empty verdict, a verdict whose
 * artefact is missing, a password waiting), the purge, and fsyncs that
 * fail.  The layout is looked at only to make crash states by hand and to
 * see what is left: that is the directory backend's business.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "spool.h"
#include "mugai/log.h"
#include "testutil.h"

/* fsync, failing with EIO for a file or directory of a chosen name (the
 * spool calls ours) */
static const char *fail_name;
static int fails;

int fsync(int fd)
{
	char link[64], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (fail_name != NULL && n > 0) {
		const char *base;

		path[n] = '\0';
		base = strrchr(path, '/');
		if (base != NULL && strcmp(base + 1, fail_name) == 0) {
			fails++;
			errno = EIO;
			return -1;
		}
	}
	return (int)syscall(SYS_fsync, fd);
}

struct fixture {
	char *dir;
	int dfd;
	struct spool *s;
	/* what recovery reported */
	GPtrArray *recovered, *queued;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	f->dir = tu_tmpdir(&f->dfd);
	f->s = spool_open(NULL, f->dir, err, sizeof(err));
	assert_non_null(f->s);
	f->recovered = g_ptr_array_new_with_free_func(g_free);
	f->queued = g_ptr_array_new_with_free_func(g_free);
	fail_name = NULL;
	fails = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	spool_close(f->s);
	close(f->dfd);
	tu_rmrf(f->dir);
	g_ptr_array_free(f->recovered, TRUE);
	g_ptr_array_free(f->queued, TRUE);
	free(f);
	return 0;
}

static int on_recovered(void *arg, const char *id, json_t *result)
{
	struct fixture *f = arg;

	assert_string_equal(json_string_value(json_object_get(result, "state")), "done");
	g_ptr_array_add(f->recovered, g_strdup(id));
	return 0;
}

static void on_queued(void *arg, const char *id)
{
	g_ptr_array_add(((struct fixture *)arg)->queued, g_strdup(id));
}

/* the spool after a crash: it is opened again, as mugaid does at start */
static void restart(struct fixture *f)
{
	struct spool_recover_cb cb = { on_recovered, on_queued, f };
	char err[256];

	spool_close(f->s);
	f->s = spool_open(NULL, f->dir, err, sizeof(err));
	assert_non_null(f->s);
	assert_int_equal(spool_recover(f->s, &cb), 0);
}

static int has(GPtrArray *a, const char *id)
{
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], id) == 0)
			return 1;
	return 0;
}

/* entries in the backend's directory sub (e.g. "incoming") */
static int entries(struct fixture *f, const char *sub)
{
	char *path = g_build_filename(f->dir, sub, NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	int n = 0;

	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	if (d != NULL)
		g_dir_close(d);
	g_free(path);
	return n;
}

/* a new intake with its original written: the id */
static void intake(struct fixture *f, char id[JOBID_LEN + 1], int *ofd)
{
	static const char body[] = "会議資料 memo\n";

	assert_int_equal(spool_intake_create(f->s, id, ofd), 0);
	assert_true(jobid_valid(id));
	assert_int_equal(write(*ofd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
}

/* a new job, committed: queued */
static void queued_job(struct fixture *f, char id[JOBID_LEN + 1])
{
	struct spool_job *j;
	int ofd;

	intake(f, id, &ofd);
	j = spool_intake_open(f->s, id);
	assert_non_null(j);
	assert_int_equal(spool_intake_commit(j, "{\"name\":\"memo.txt\",\"mode\":\"auto\"}", ofd), 0);
	spool_job_close(j);
	close(ofd);
}

/* a result naming one artefact "memo.txt" of size bytes */
static char *result_text(const char *id, const char *verdict, json_int_t size,
			 json_int_t finished)
{
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:I, s:[{s:s, s:I}]}", "id", id, "state",
			      "done", "verdict", verdict, "reason", "", "finished", finished,
			      "artefacts", "path", "memo.txt", "size", size);
	char *text = json_dumps(r, JSON_COMPACT);

	json_decref(r);
	return text;
}

/* begin the job and release one artefact of 5 bytes into its out/: the
 * handle (the worker's), active */
static struct spool_job *worked_job(struct fixture *f, const char *id)
{
	struct spool_job *j = spool_job_begin(f->s, id);
	int out, fd;

	assert_non_null(j);
	assert_int_equal(spool_state(f->s, id), SPOOL_ACTIVE);
	out = spool_job_out(j, 1);
	assert_true(out >= 0);
	fd = openat(out, "memo.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "memo\n", 5), 5);
	close(fd);
	close(out);
	return j;
}

/* a job recorded and moved to done, its verdict from finished */
static void done_job(struct fixture *f, char id[JOBID_LEN + 1], const char *verdict,
		     json_int_t finished)
{
	struct spool_job *j;
	char *text;

	queued_job(f, id);
	j = worked_job(f, id);
	text = result_text(id, verdict, 5, finished);
	assert_int_equal(spool_job_record(j, text), 0);
	assert_int_equal(spool_job_finish(j), 0);
	spool_job_close(j);
	free(text);
	assert_int_equal(spool_state(f->s, id), SPOOL_DONE);
}

/* Nothing is a job before its commit: not visible, and dropped by
 * recovery; after the commit it is queued and survives a restart. */
static void test_commit_point(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1], id2[JOBID_LEN + 1];
	struct spool_job *j;
	json_t *meta;
	char buf[64];
	int ofd, fd;

	intake(f, id, &ofd);
	j = spool_intake_open(f->s, id);
	assert_non_null(j);
	assert_int_equal(spool_state(f->s, id), SPOOL_NONE);
	assert_int_equal(spool_intake_commit(j, "{\"name\":\"memo.txt\"}", ofd), 0);
	spool_job_close(j);
	close(ofd);
	assert_int_equal(spool_state(f->s, id), SPOOL_QUEUED);
	/* a second intake, never committed (the crash came before) */
	intake(f, id2, &ofd);
	close(ofd);
	assert_int_equal(entries(f, "incoming"), 1);
	restart(f);
	assert_int_equal(spool_state(f->s, id), SPOOL_QUEUED);
	assert_true(has(f->queued, id));
	assert_false(has(f->queued, id2));
	assert_int_equal(spool_state(f->s, id2), SPOOL_NONE);
	assert_int_equal(entries(f, "incoming"), 0);
	/* the worker reads what the intake wrote */
	j = spool_job_begin(f->s, id);
	assert_non_null(j);
	meta = spool_job_meta(j);
	assert_string_equal(json_string_value(json_object_get(meta, "name")), "memo.txt");
	json_decref(meta);
	fd = spool_job_original(j);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), (ssize_t)strlen("会議資料 memo\n"));
	close(fd);
	spool_job_close(j);
}

/* A job is done, and its artefact served, only once finished. */
static void test_done_and_artefact(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1], buf[16], *text;
	int fd;

	done_job(f, id, "released", (json_int_t)time(NULL));
	text = spool_result_load(f->s, id);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"released\""));
	free(text);
	fd = spool_artefact_open(f->s, id, 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	assert_int_equal(spool_artefact_open(f->s, id, 1), -1);
	/* not an id: never reaches the backend */
	assert_int_equal(spool_state(f->s, "../done"), SPOOL_NONE);
	assert_null(spool_result_load(f->s, "0123"));
}

/* A verdict recorded in queue/ or active/ before the crash, with its
 * artefact in place, is final: recovery moves the job to done and says
 * so; it does not run again. */
static void test_recover_recorded(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1], *text;
	struct spool_job *j;

	queued_job(f, id);
	j = worked_job(f, id);
	text = result_text(id, "released", 5, (json_int_t)time(NULL));
	assert_int_equal(spool_job_record(j, text), 0);
	spool_job_close(j); /* the crash: never finished */
	free(text);
	assert_int_equal(spool_state(f->s, id), SPOOL_ACTIVE);
	restart(f);
	assert_int_equal(spool_state(f->s, id), SPOOL_DONE);
	assert_true(has(f->recovered, id));
	assert_false(has(f->queued, id));
	assert_true(spool_artefact_open(f->s, id, 0) >= 0);
}

/* A torn verdict, an empty one, or one whose artefact is not all there
 * runs again: queued, its partial out/ gone, its result emptied. */
static void test_recover_rerun(void **state)
{
	struct fixture *f = *state;
	char id[3][JOBID_LEN + 1], *whole = NULL;
	struct spool_job *j;

	for (int k = 0; k < 3; k++) {
		queued_job(f, id[k]);
		j = worked_job(f, id[k]);
		free(whole);
		whole = result_text(id[k], "released", k == 2 ? 6 : 5, (json_int_t)time(NULL));
		if (k == 0)
			whole[strlen(whole) / 2] = '\0'; /* torn */
		else if (k == 1)
			whole[0] = '\0'; /* empty: the intake's */
		assert_int_equal(spool_job_record(j, whole), 0);
		spool_job_close(j);
	}
	free(whole);
	restart(f);
	for (int k = 0; k < 3; k++) {
		char *path = g_build_filename(f->dir, "queue", id[k], "out", "memo.txt", NULL);
		char *res = g_build_filename(f->dir, "queue", id[k], "result.json", NULL);
		struct stat st;

		assert_int_equal(spool_state(f->s, id[k]), SPOOL_QUEUED);
		assert_true(has(f->queued, id[k]));
		assert_false(has(f->recovered, id[k]));
		assert_int_equal(stat(path, &st), -1);
		assert_int_equal(stat(res, &st), 0);
		assert_int_equal(st.st_size, 0);
		g_free(path);
		g_free(res);
	}
}

/* A held job given a password is queued with it; a complete earlier
 * verdict beside a password waiting is not final: it runs again, and the
 * worker gets the password. */
static void test_password_waiting(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1], pw[64];
	struct spool_job *j;
	size_t len = 0;

	done_job(f, id, "held", (json_int_t)time(NULL));
	assert_int_equal(spool_password(f->s, id, "himitsu", 7), SPOOL_OK);
	assert_int_equal(spool_state(f->s, id), SPOOL_QUEUED);
	assert_int_equal(spool_password(f->s, id, "again", 5), SPOOL_ERR_IO);
	restart(f);
	assert_true(has(f->queued, id));
	assert_false(has(f->recovered, id));
	j = spool_job_begin(f->s, id);
	assert_non_null(j);
	assert_int_equal(spool_job_password(j, pw, sizeof(pw), &len), 0);
	assert_string_equal(pw, "himitsu");
	assert_int_equal(len, 7);
	assert_int_equal(spool_job_password(j, pw, 4, &len), -1); /* over the cap */
	assert_int_equal(spool_job_drop_password(j), 0);
	assert_int_equal(spool_job_password(j, pw, sizeof(pw), &len), -1);
	spool_job_close(j);
}

/* A job moving on (done -> queue for a password, queue -> active, active
 * -> done) is always in one of the three, and spool_state must say which:
 * before, it looked in done, active, queue once each, and a job renamed
 * from the one not looked at yet to the one looked at already was "no
 * such job" for that moment (a waiting request answered 202 without a
 * verdict; test_daemon_password_tries failed so on a loaded CI machine). */
struct state_watch {
	struct spool *s;
	const char *id;
	volatile int stop;
	unsigned looks, lost;
};

static void *state_watch(void *arg)
{
	struct state_watch *w = arg;

	while (!w->stop) {
		w->looks++;
		if (spool_state(w->s, w->id) == SPOOL_NONE)
			w->lost++;
	}
	return NULL;
}

static void test_state_never_lost_while_moving(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1];
	struct state_watch w = { f->s, id, 0, 0, 0 };
	char *text;
	pthread_t th;

	done_job(f, id, "held", (json_int_t)time(NULL));
	text = result_text(id, "held", 5, (json_int_t)time(NULL));
	assert_int_equal(pthread_create(&th, NULL, state_watch, &w), 0);
	for (int i = 0; i < 300; i++) {
		struct spool_job *j;

		assert_int_equal(spool_password(f->s, id, "pw", 2), SPOOL_OK);
		j = spool_job_begin(f->s, id);
		assert_non_null(j);
		assert_int_equal(spool_job_drop_password(j), 0);
		assert_int_equal(spool_job_record(j, text), 0);
		assert_int_equal(spool_job_finish(j), 0);
		spool_job_close(j);
	}
	w.stop = 1;
	pthread_join(th, NULL);
	free(text);
	print_message("%u looks while the job moved 900 times\n", w.looks);
	assert_true(w.looks > 0);
	assert_int_equal(w.lost, 0);
}

/* A mail released with a held attachment, given a mail's candidates: the
 * passwords come to the worker as they were given (NUL-separated), and
 * the last try's output and verdict are gone (the re-run's replace them;
 * a crash in between must not serve the old message as the new one). */
static void test_password_list_replaces_output(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1], pw[64];
	struct spool_job *j;
	size_t len = 0;
	int out;

	done_job(f, id, "released", (json_int_t)time(NULL));
	out = spool_artefact_open(f->s, id, 0);
	assert_true(out >= 0);
	close(out);
	assert_int_equal(spool_password(f->s, id, "one\0two\0three", 13), SPOOL_OK);
	assert_int_equal(spool_state(f->s, id), SPOOL_QUEUED);
	j = spool_job_begin(f->s, id);
	assert_non_null(j);
	out = spool_job_out(j, 1);
	assert_true(out >= 0);
	assert_int_equal(faccessat(out, "memo.txt", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	close(out);
	assert_int_equal(spool_job_password(j, pw, sizeof(pw), &len), 0);
	assert_int_equal(len, 13);
	assert_memory_equal(pw, "one\0two\0three", 14);
	spool_job_close(j);
}

struct purged {
	GPtrArray *ids;
};

static int on_purged(void *arg, const char *id, json_t *result, time_t finished, int resumed)
{
	(void)result;
	(void)finished;
	(void)resumed;
	g_ptr_array_add(((struct purged *)arg)->ids, g_strdup(id));
	return 0;
}

/* Finished jobs at or before the cutoff go, whole; newer ones and jobs
 * not done stay. */
static void test_purge(void **state)
{
	struct fixture *f = *state;
	char old[JOBID_LEN + 1], young[JOBID_LEN + 1], waiting[JOBID_LEN + 1];
	struct purged p = { g_ptr_array_new_with_free_func(g_free) };
	time_t now = time(NULL);
	unsigned n;

	done_job(f, old, "released", (json_int_t)(now - 10 * 86400));
	done_job(f, young, "blocked", (json_int_t)now);
	queued_job(f, waiting);
	assert_int_equal(spool_purge(f->s, now - 86400, on_purged, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p.ids->len, 1);
	assert_string_equal(p.ids->pdata[0], old);
	assert_int_equal(spool_state(f->s, old), SPOOL_NONE);
	assert_int_equal(spool_artefact_open(f->s, old, 0), -1);
	assert_int_equal(spool_state(f->s, young), SPOOL_DONE);
	assert_int_equal(spool_state(f->s, waiting), SPOOL_QUEUED);
	assert_int_equal(entries(f, "incoming"), 0);
	g_ptr_array_free(p.ids, TRUE);
}

static int on_purged_refused(void *arg, const char *id, json_t *result, time_t finished,
			     int resumed)
{
	(void)arg;
	(void)id;
	(void)result;
	(void)finished;
	(void)resumed;
	return -1; /* the record could not be written */
}

struct resumed {
	int resumed;
	unsigned calls;
};

static int on_purged_resumed(void *arg, const char *id, json_t *result, time_t finished,
			     int resumed)
{
	struct resumed *r = arg;

	(void)id;
	(void)finished;
	assert_string_equal(json_string_value(json_object_get(result, "verdict")), "released");
	r->resumed = resumed;
	r->calls++;
	return 0;
}

/* Record first, delete second: a job whose record cannot be written is
 * out of sight but kept, and the next purge records it (resumed) and
 * deletes it. */
static void test_purge_record_first(void **state)
{
	struct fixture *f = *state;
	char old[JOBID_LEN + 1];
	struct resumed r = { 0, 0 };
	time_t now = time(NULL);
	unsigned n;

	done_job(f, old, "released", (json_int_t)(now - 10 * 86400));
	assert_int_equal(spool_purge(f->s, now - 86400, on_purged_refused, NULL, &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(spool_state(f->s, old), SPOOL_NONE);
	assert_int_equal(entries(f, "purging"), 1);
	assert_int_equal(spool_purge(f->s, now - 86400, on_purged_resumed, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r.calls, 1);
	assert_true(r.resumed);
	assert_int_equal(entries(f, "purging"), 0);
}

/* An intake whose data, meta or queue entry cannot be made durable is not
 * committed, and its abort leaves nothing; a verdict that cannot be made
 * durable is not recorded (and not left for recovery to take). */
static void test_fsync_fails(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "original", "meta.json", "queue" };
	char id[JOBID_LEN + 1], *text;
	struct spool_job *j;
	int ofd;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		intake(f, id, &ofd);
		j = spool_intake_open(f->s, id);
		fail_name = names[k];
		fails = 0;
		assert_int_equal(spool_intake_commit(j, "{}", ofd), -1);
		assert_true(fails > 0);
		fail_name = NULL;
		spool_job_close(j);
		close(ofd);
		spool_intake_abort(f->s, id);
		assert_int_equal(spool_state(f->s, id), SPOOL_NONE);
		assert_int_equal(entries(f, "incoming") + entries(f, "queue"), 0);
	}
	queued_job(f, id);
	j = worked_job(f, id);
	text = result_text(id, "released", 5, (json_int_t)time(NULL));
	fail_name = "result.json";
	assert_int_equal(spool_job_record(j, text), -1);
	fail_name = NULL;
	spool_job_close(j);
	free(text);
	restart(f);
	assert_true(has(f->queued, id));
	assert_false(has(f->recovered, id));
}

/* swap(path, target): path moved aside to path.real, a link to target in
 * its place; unswap undoes it.  0, -1 */
static int swap(const char *path, const char *target)
{
	char real[512];

	snprintf(real, sizeof(real), "%s.real", path);
	return rename(path, real) == 0 && symlink(target, path) == 0 ? 0 : -1;
}

static void unswap(const char *path)
{
	char real[512];

	snprintf(real, sizeof(real), "%s.real", path);
	unlink(path);
	rename(real, path);
}

/* artefact 0 of id refused while path is a link to target: 1, else 0 */
static int refused_with(struct fixture *f, const char *id, const char *path,
			const char *target)
{
	int fd;

	if (swap(path, target) != 0)
		return 0;
	fd = spool_artefact_open(f->s, id, 0);
	unswap(path);
	if (fd >= 0)
		close(fd);
	return fd < 0;
}

/* artefact 0 of id refused while out/, then the artefact itself, is a link
 * to what the mugaid user may read, and served once undone: 0, else the
 * step that failed (a child's exit status) */
static int open_links(struct fixture *f, const char *id)
{
	char out[256], leaf[300], secret[256], sfile[300];
	int fd, rc = 0;

	snprintf(out, sizeof(out), "%s/done/%s/out", f->dir, id);
	snprintf(leaf, sizeof(leaf), "%s/memo.txt", out);
	snprintf(secret, sizeof(secret), "%s/secret", f->dir);
	snprintf(sfile, sizeof(sfile), "%s/memo.txt", secret);
	if ((mkdir(secret, 0700) != 0 && errno != EEXIST) ||
	    !g_file_set_contents(sfile, "SECRET", -1, NULL))
		return 9;
	if (!refused_with(f, id, out, secret))
		return 1;
	if (!refused_with(f, id, leaf, sfile))
		return 2;
	fd = spool_artefact_open(f->s, id, 0);
	if (fd < 0)
		rc = 3;
	else
		close(fd);
	return rc;
}

/* No component of done/<id>/out/<path> is followed as a link (issue 13
 * point 14): with openat2, and with the component walk that stands in
 * where the kernel lacks it (openat2 made ENOSYS by a seccomp filter in a
 * child) */
static void test_artefact_links(void **state)
{
	struct fixture *f = *state;
	char id[JOBID_LEN + 1];
	int status;
	pid_t pid;

	done_job(f, id, "released", (json_int_t)time(NULL));
	assert_int_equal(open_links(f, id), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_filter prog[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog fp = { (unsigned short)G_N_ELEMENTS(prog), prog };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) != 0)
			_exit(8);
		if (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS)
			_exit(7);
		_exit(open_links(f, id));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_and_artefact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_rerun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_never_lost_while_moving, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_list_replaces_output, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_record_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artefact_links, setup, teardown),
	};

	log_init("test_spool", LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
