/*
 * drop_outbox.c - a finished drop job written to its outbox.
 *
 * Released: each artefact under the inbox file's relative folder, by the
 * name the release module gave it (a text or HTML file as .txt, an
 * archive's members under a folder named after it).  Blocked, held or
 * failed, or released with items left out: "<original name><suffix>", a
 * report in Japanese and English, and nothing else of the file.
 *
 * Never a partial file under a final name, and each one exactly once, also
 * across a crash: every file is first written whole under a hidden
 * temporary name unique to the job's try (.mugai-<id>-<try>-<n>.tmp),
 * fsync'ed, then given its final name as a second link (linkat, which
 * never replaces: a name taken gets "name (2).ext"), the folder fsync'ed;
 * once all are, the result says "drop_delivered" and the temporaries go.
 * After a crash the delivery runs again: a temporary with two links was
 * given its name already and is not linked again; one with a single link
 * is written again.
 */
#include "drop.h"
#include "mugai/log.h"
#include "mugai/release.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the folder reldir ("" = the root) below root, made when missing, never
 * through a link: its fd, -1 */
static int outbox_dir(int root, const char *reldir, const struct drop_outbox_opts *o)
{
	gchar **parts = g_strsplit(reldir, "/", -1);
	mode_t dmode = o->mode | ((o->mode & 0444) >> 2) | 0700;
	int fd = dup(root);

	for (size_t i = 0; fd >= 0 && parts[i] != NULL; i++) {
		int next;

		if (parts[i][0] == '\0')
			continue;
		if (mkdirat(fd, parts[i], dmode & 0777) == 0) {
			next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next >= 0 && o->gid != (gid_t)-1 && fchown(next, (uid_t)-1, o->gid) != 0)
				log_warn("outbox folder %s: chown", parts[i]);
			if (next >= 0 && fchmod(next, dmode & 0777) != 0)
				log_warn("outbox folder %s: chmod", parts[i]);
			if (fsync(fd) != 0)
				log_warn("outbox: fsync of a folder");
		} else if (errno == EEXIST) {
			next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else {
			next = -1;
		}
		close(fd);
		fd = next;
	}
	g_strfreev(parts);
	return fd;
}

/* "stem (n).ext" of base into out: the extension is what follows the last
 * dot that is not the first character */
static int outbox_collision_name(const char *base, unsigned n, char *out, size_t cap)
{
	const char *dot = strrchr(base, '.');
	int len;

	if (dot == NULL || dot == base)
		dot = base + strlen(base);
	len = snprintf(out, cap, "%.*s (%u)%s", (int)(dot - base), base, n, dot);
	return len < 0 || (size_t)len >= cap || (size_t)len > RELEASE_COMPONENT_MAX ? -1 : 0;
}

static int outbox_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* where the temporary tmp of relpath is, below the outbox root */
static gchar *outbox_tmp_path(const char *relpath, const char *tmp)
{
	const char *slash = strrchr(relpath, '/');

	return slash != NULL ? g_strdup_printf("%.*s/%s", (int)(slash - relpath), relpath, tmp)
			     : g_strdup(tmp);
}

/* one file, relpath below the outbox root: from src (an fd, from offset 0)
 * or text; tmp its temporary name there */
static int outbox_put(int root, const char *relpath, const char *tmp, int src, const char *text,
		      const struct drop_outbox_opts *o, GPtrArray *tmps)
{
	const char *slash = strrchr(relpath, '/');
	gchar *reldir = slash != NULL ? g_strndup(relpath, (gsize)(slash - relpath)) : g_strdup("");
	const char *base = slash != NULL ? slash + 1 : relpath;
	char name[RELEASE_COMPONENT_MAX + 1], buf[65536];
	struct stat st;
	int dir = outbox_dir(root, reldir, o), fd = -1, rc = -1;

	if (dir < 0) {
		log_warn("outbox folder %s", reldir);
		goto out;
	}
	g_ptr_array_add(tmps, outbox_tmp_path(relpath, tmp));
	if (fstatat(dir, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_nlink >= 2) {
		rc = 0; /* named before a crash */
		goto out;
	}
	unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (text != NULL) {
		if (outbox_write_all(fd, text, strlen(text)) != 0)
			goto fail;
	} else {
		ssize_t n;

		if (lseek(src, 0, SEEK_SET) != 0)
			goto fail;
		while ((n = read(src, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || outbox_write_all(fd, buf, (size_t)n) != 0)
				goto fail;
		}
	}
	if (o->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, o->gid) != 0)
		log_warn("outbox %s: chown", relpath);
	if (fchmod(fd, o->mode) != 0 || fsync(fd) != 0)
		goto fail;
	g_strlcpy(name, base, sizeof(name));
	for (unsigned n = 2;; n++) {
		if (linkat(dir, tmp, dir, name, 0) == 0)
			break;
		if (errno != EEXIST || n > DROP_COLLISIONS_MAX ||
		    outbox_collision_name(base, n, name, sizeof(name)) != 0)
			goto fail;
	}
	if (fsync(dir) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	log_warn("outbox %s", relpath);
out:
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	g_free(reldir);
	return rc;
}

static const char *outbox_verdict_ja(const char *v)
{
	return strcmp(v, "released") == 0 ? "無害化済み" : strcmp(v, "blocked") == 0 ? "遮断" :
	       strcmp(v, "held") == 0 ? "保留" : strcmp(v, "failed") == 0 ? "失敗" : "その他";
}

/* the report of a job that did not come out whole */
static char *outbox_report(json_t *res, const char *id, const char *rel)
{
	const char *v = json_string_value(json_object_get(res, "verdict"));
	const char *reason = json_string_value(json_object_get(res, "reason"));
	json_int_t fin = json_integer_value(json_object_get(res, "finished"));
	time_t t = (time_t)fin;
	struct tm tm;
	char when[64] = "";
	GString *s = g_string_new(NULL);
	json_t *it;
	size_t i, listed = 0;

	if (v == NULL)
		v = "failed";
	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	g_string_append_printf(s,
		"mugai 無害化レポート / mugai sanitisation report\r\n\r\n"
		"ファイル / File:       %s\r\n"
		"判定 / Verdict:        %s (%s)\r\n"
		"理由 / Reason:         %s\r\n"
		"受付番号 / Job ID:     %s\r\n"
		"日時 / Time:           %s\r\n\r\n",
		rel, outbox_verdict_ja(v), v, reason != NULL && reason[0] ? reason : "-", id, when);
	if (strcmp(v, "blocked") == 0)
		g_string_append(s,
			"このファイルは危険と判定されたため、こちら側には渡されません。\r\n"
			"必要なときは、受付番号を添えて情報システム担当へご連絡ください。\r\n"
			"This file was found dangerous and is not passed to this side.\r\n"
			"If you need it, contact the IT department with the job ID.\r\n");
	else if (strcmp(v, "held") == 0)
		g_string_append(s,
			"このファイルはパスワードで保護されているため保留しています。\r\n"
			"パスワードを情報システム担当へ伝えてください（mugai password 受付番号）。\r\n"
			"正しいパスワードが入ると、中身がこのフォルダーに届きます。\r\n"
			"This file is protected by a password and is held.  Give the password to\r\n"
			"the IT department (mugai password JOB-ID); once it is right, the contents\r\n"
			"appear in this folder.\r\n");
	else if (strcmp(v, "released") == 0)
		g_string_append(s,
			"無害化したものはこのフォルダーに届いています。次の項目は除かれました。\r\n"
			"What was sanitised is in this folder; the items below were left out.\r\n");
	else
		g_string_append(s,
			"このファイルは無害化できなかったため、こちら側には渡されません。\r\n"
			"必要なときは、受付番号を添えて情報システム担当へご連絡ください。\r\n"
			"This file could not be sanitised and is not passed to this side.\r\n"
			"If you need it, contact the IT department with the job ID.\r\n");
	json_array_foreach(json_object_get(res, "items"), i, it) {
		const char *iv = json_string_value(json_object_get(it, "verdict"));
		const char *ip = json_string_value(json_object_get(it, "path"));
		const char *ir = json_string_value(json_object_get(it, "reason"));

		if (iv == NULL || strcmp(iv, "released") == 0)
			continue;
		if (listed++ == 0)
			g_string_append(s, "\r\n項目 / Items:\r\n");
		if (listed > DROP_REPORT_ITEMS) {
			g_string_append(s, "  ...\r\n");
			break;
		}
		g_string_append_printf(s, "  %s: %s (%s)%s%s\r\n", ip != NULL ? ip : "?",
				       outbox_verdict_ja(iv), iv, ir != NULL && ir[0] ? ": " : "",
				       ir != NULL ? ir : "");
	}
	if (s->len > DROP_REPORT_MAX) {
		g_string_truncate(s, DROP_REPORT_MAX);
		/* whole characters only */
		while (s->len > 0 && !g_utf8_validate(s->str, (gssize)s->len, NULL))
			g_string_truncate(s, s->len - 1);
	}
	return g_string_free(s, FALSE);
}

/* does the job need a report: not released, nothing released, or items left out */
static int outbox_wants_report(json_t *res)
{
	const char *v = json_string_value(json_object_get(res, "verdict"));
	json_t *it;
	size_t i;

	if (v == NULL || strcmp(v, "released") != 0 ||
	    json_array_size(json_object_get(res, "artefacts")) == 0)
		return 1;
	json_array_foreach(json_object_get(res, "items"), i, it) {
		const char *iv = json_string_value(json_object_get(it, "verdict"));

		if (iv != NULL && strcmp(iv, "released") != 0 && strcmp(iv, "unpacked") != 0)
			return 1;
	}
	return 0;
}

/* the result says "drop_delivered", if it is still this try's */
static int outbox_mark(struct daemon *d, const char *id, json_t *res)
{
	struct spool_job *j;
	json_t *now = NULL;
	char *text = NULL, *cur;
	int rc = -1;

	pthread_mutex_lock(&d->jmu);
	j = spool_job_done(d->spool, id);
	cur = j != NULL ? spool_result_load(d->spool, id) : NULL;
	now = cur != NULL ? json_loads(cur, 0, NULL) : NULL;
	if (now != NULL && json_equal(json_object_get(now, "finished"),
				      json_object_get(res, "finished")) &&
	    json_object_set_new(now, "drop_delivered", json_true()) == 0 &&
	    (text = json_dumps(now, JSON_COMPACT)) != NULL)
		rc = spool_job_rewrite(j, text);
	pthread_mutex_unlock(&d->jmu);
	free(text);
	free(cur);
	json_decref(now);
	spool_job_close(j);
	return rc;
}

static const struct drop_pair *outbox_pair(const struct drop_outbox_opts *o, const char *name)
{
	for (unsigned i = 0; name != NULL && i < o->npairs; i++)
		if (strcmp(o->pairs[i].name, name) == 0)
			return &o->pairs[i];
	return NULL;
}

/* Write the job's result res to its outbox; or, sweep set, only remove
 * the temporaries a crash left of a delivered one. */
static int outbox_job(const struct drop_outbox_opts *o, const char *id, json_t *res, int sweep)
{
	struct daemon *d = o->d;
	json_t *a;
	const char *source = json_string_value(json_object_get(res, "source"));
	const char *pname = json_string_value(json_object_get(res, "drop"));
	const char *rel = json_string_value(json_object_get(res, "path"));
	const struct drop_pair *p = NULL;
	GPtrArray *tmps = g_ptr_array_new_with_free_func(g_free);
	gchar *reldir = NULL, *try_tag = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (source == NULL || strcmp(source, "drop") != 0 ||
	    json_is_true(json_object_get(res, "drop_delivered")) != sweep) {
		rc = 0;
		goto out;
	}
	p = outbox_pair(o, pname);
	if (p == NULL || rel == NULL) {
		if (sweep)
			goto out;
		log_warnx("job %s: drop folder \"%s\" is no longer configured: not written to "
			  "an outbox", id, pname != NULL ? pname : "?");
		goto out;
	}
	{
		const char *slash = strrchr(rel, '/');

		reldir = slash != NULL ? g_strndup(rel, (gsize)(slash - rel + 1)) : g_strdup("");
	}
	/* unique to this try: a held job given its password runs again */
	try_tag = g_strdup_printf("%s%s-%lld-%lld", DROP_TMP_PREFIX, id,
		(long long)json_integer_value(json_object_get(res, "finished")),
		(long long)json_integer_value(json_object_get(res, "processing_ms")));
	if (strcmp(json_string_value(json_object_get(res, "verdict")) ?
		   json_string_value(json_object_get(res, "verdict")) : "", "released") == 0) {
		json_array_foreach(json_object_get(res, "artefacts"), i, a) {
			const char *ap = json_string_value(json_object_get(a, "path"));
			gchar *orel, *tmp;
			int src, prc;

			if (sweep) {
				if (ap != NULL) {
					orel = g_strdup_printf("%s%s", reldir, ap);
					tmp = g_strdup_printf("%s-%zu.tmp", try_tag, n++);
					g_ptr_array_add(tmps, outbox_tmp_path(orel, tmp));
					g_free(orel);
					g_free(tmp);
				}
				continue;
			}
			src = spool_artefact_open(d->spool, id, i);
			if (ap == NULL || src < 0) {
				if (src >= 0)
					close(src);
				log_warnx("job %s: artefact %zu cannot be read", id, i);
				goto out;
			}
			orel = g_strdup_printf("%s%s", reldir, ap);
			tmp = g_strdup_printf("%s-%zu.tmp", try_tag, n++);
			prc = outbox_put(p->outbox_fd, orel, tmp, src, NULL, o, tmps);
			close(src);
			g_free(orel);
			g_free(tmp);
			if (prc != 0)
				goto out;
		}
	}
	if (sweep) {
		if (outbox_wants_report(res)) {
			gchar *orel = g_strdup_printf("%s%s", rel, o->report_suffix);
			gchar *tmp = g_strdup_printf("%s-%zu.tmp", try_tag, n++);

			g_ptr_array_add(tmps, outbox_tmp_path(orel, tmp));
			g_free(orel);
			g_free(tmp);
		}
		rc = 0;
		goto out;
	}
	if (outbox_wants_report(res)) {
		char *report = outbox_report(res, id, rel);
		gchar *orel = g_strdup_printf("%s%s", rel, o->report_suffix);
		gchar *tmp = g_strdup_printf("%s-%zu.tmp", try_tag, n++);
		int prc = outbox_put(p->outbox_fd, orel, tmp, -1, report, o, tmps);

		g_free(report);
		g_free(orel);
		g_free(tmp);
		if (prc != 0)
			goto out;
	}
	if (outbox_mark(d, id, res) != 0) {
		log_warnx("job %s: written to the outbox, but cannot say so in the spool", id);
		goto out;
	}
	rc = 0;
	log_info("job %s: %s -> outbox %s (%zu file%s)", id, rel, p->name, n, n == 1 ? "" : "s");
out:
	if (rc == 0)
		for (guint k = 0; k < tmps->len; k++) {
			const char *t = tmps->pdata[k];

			unlinkat(p->outbox_fd, t, 0);
		}
	g_ptr_array_free(tmps, TRUE);
	g_free(reldir);
	g_free(try_tag);
	return rc;
}

int drop_outbox_deliver(const struct drop_outbox_opts *o, const char *id)
{
	char *text = spool_result_load(o->d->spool, id);
	json_t *res = text != NULL ? json_loads(text, 0, NULL) : NULL;
	int rc = outbox_job(o, id, res, 0);

	free(text);
	json_decref(res);
	return rc;
}

void drop_outbox_sweep(const struct drop_outbox_opts *o, const char *id, json_t *res)
{
	outbox_job(o, id, res, 1);
}
