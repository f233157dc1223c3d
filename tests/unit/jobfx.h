/*
 * jobfx.h - the fixture of the tests that run job_process (test_job.c,
 * test_job_attack.c): the engine, detection and a release directory, a run
 * of one input, the report's items, the released mail and what its base64
 * bodies hold.  Header-only, as testutil.h; include it after cmocka.h.
 */
#ifndef MUGAI_TEST_JOBFX_H
#define MUGAI_TEST_JOBFX_H

#include "mugai/job.h"
#include "mugai/passcand.h"
#include "mugai/policy.h"
#include "testutil.h"

#include <glib.h>
#include <string.h>

/* both test programs send items to the filters they choose by wrapping
 * the policy's choice (-Wl,--wrap=policy_decide, tests/CMakeLists.txt):
 * each defines __wrap_policy_decide, which calls the real one */
void __real_policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
			  int requested_mode, struct policy_decision *out);
void __wrap_policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
			  int requested_mode, struct policy_decision *out);

struct fx {
	struct mugai_config cfg;
	struct job_env env;
	char *out;       /* the release directory */
	int out_fd;
	json_t *report;
};

/* the default configuration, the test signatures, libmagic, an empty
 * release directory */
static inline struct fx *fx_open(void)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[512];

	assert_non_null(fx);
	config_defaults(&fx->cfg);
	fx->env.cfg = &fx->cfg;
	fx->env.engine = scan_engine_load(&fx->cfg, getenv("MUGAI_TESTDB"), err, sizeof(err));
	assert_non_null(fx->env.engine);
	assert_int_equal(detect_open(&fx->env.detect, err, sizeof(err)), 0);
	fx->out = tu_tmpdir(&fx->out_fd);
	assert_non_null(fx->out);
	return fx;
}

static inline void fx_close(struct fx *fx)
{
	json_decref(fx->report);
	close(fx->out_fd);
	tu_rmrf(fx->out);
	detect_close(fx->env.detect);
	scan_engine_free(fx->env.engine);
	free(fx);
}

/* job_process on data named name in mode (0: auto); pc (or NULL) collects a
 * mail's password candidates; the report stays in fx->report */
static inline json_t *run_with(struct fx *fx, const void *data, size_t len, const char *name,
			       int mode, struct passcand *pc)
{
	struct job_opts opts;
	int fd = tu_memfd(data, len);

	assert_true(fd >= 0);
	memset(&opts, 0, sizeof(opts));
	opts.mode = mode;
	opts.candidates = pc;
	json_decref(fx->report);
	fx->report = job_process(&fx->env, fd, name, &opts, fx->out_fd);
	close(fd);
	assert_non_null(fx->report);
	return fx->report;
}

static inline const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* the report's item whose path is path, or NULL */
static inline json_t *item(json_t *r, const char *path)
{
	size_t i;
	json_t *it;

	json_array_foreach(json_object_get(r, "items"), i, it)
		if (strcmp(str(it, "path"), path) == 0)
			return it;
	return NULL;
}

/* the first released artefact (a mail job's rebuilt message), whole */
static inline char *released(struct fx *fx)
{
	json_t *a = json_array_get(json_object_get(fx->report, "artefacts"), 0);
	char *data = tu_read_at(fx->out_fd, str(a, "path"), NULL);

	assert_non_null(data);
	return data;
}

/* whether needle is in msg or in a base64 body of it, down to depth
 * levels of base64 (a rebuilt message attached to the rebuilt message) */
static inline int in_mail(const char *msg, size_t len, const char *needle, int depth)
{
	gchar *copy = g_strndup(msg, len), **lines;
	GString *run = g_string_new(NULL);
	int found = g_strstr_len(msg, (gssize)len, needle) != NULL;

	lines = g_strsplit(copy, "\n", -1);
	for (gchar **l = lines; !found && depth > 0; l++) {
		char *t = *l != NULL ? g_strstrip(*l) : NULL;

		if (t != NULL && t[0] != '\0' &&
		    strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
		    strlen(t)) {
			g_string_append(run, t);
			continue;
		}
		if (run->len > 0) {
			gsize n = 0;
			guchar *d = g_base64_decode(run->str, &n);

			found = in_mail((const char *)d, n, needle, depth - 1);
			g_free(d);
			g_string_truncate(run, 0);
		}
		if (t == NULL)
			break;
	}
	g_string_free(run, TRUE);
	g_strfreev(lines);
	g_free(copy);
	return found;
}

/* a mail: a UTF-8 body (12 bytes as mime-unpack writes it: 本文です), a
 * Shift_JIS text attachment memo.txt (10 bytes), and text sent as
 * application/octet-stream (data.bin) */
static const char text_mail[] =
	"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	"--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n本文です\r\n"
	"--b1\r\nContent-Type: text/plain; charset=Shift_JIS; name=\"memo.txt\"\r\n"
	"Content-Disposition: attachment; filename=\"memo.txt\"\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\ng4GDgoLFgrcNCg==\r\n"
	"--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
	"Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n"
	"plain words only\r\n--b1--\r\n";

#endif
