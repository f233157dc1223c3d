/*
 * ppap.c - PPAP: a mail whose attachment is held for its password (an
 * encrypted zip), and the password in the same or a later mail from the
 * same sender to the same recipient within [mail] ppap_window.
 *
 * A mail job that is released with held_items and has an envelope is kept
 * here (its original copied beside the work directory, mode 0600).  The
 * password candidates of every mail job (job.c: its subject and bodies,
 * passcand.h) are tried against the held mails of its sender to one of its
 * recipients (its own included), at most PASSCAND_MAX per mail: a try runs
 * the held mail again as a mail job with the password; when nothing is
 * held any more, the rebuilt message goes to the recipients as a
 * follow-up ("【無害化済】" + the subject, In-Reply-To the original
 * Message-ID) through [mail] relay (plain SMTP, libcurl), and the held
 * mail is forgotten.  Candidates are never logged.
 *
 * Kept in memory only: a restart forgets the held mails (their jobs stay
 * in the spool, the password API still works on them).
 */
#include "daemon.h"
#include "mugai/detect.h"
#include "mugai/fsutil.h"
#include "mugai/job.h"
#include "mugai/log.h"
#include "mugai/passcand.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PPAP_HELD_MAX 10000          /* held mails remembered (oldest forgotten) */
#define PPAP_COPY_BLOCK (64 * 1024)
#define PPAP_SUBJECT_CHUNK 45         /* bytes of UTF-8 per encoded word */
#define PPAP_HEADER_LINE_MAX 4096     /* a header line of the rebuilt message read */
#define PPAP_TAG "【無害化済】"

struct ppap_held {
	char id[JOBID_LEN + 1];
	time_t t;
	json_t *envelope;  /* {from, to[]} */
	json_t *mail;      /* {subject, message_id} */
	char *path;        /* the original, copied */
};

static pthread_mutex_t ppap_mu = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray *ppap_list;

static void ppap_held_free(gpointer p)
{
	struct ppap_held *h = p;

	if (h->path != NULL)
		unlink(h->path);
	g_free(h->path);
	json_decref(h->envelope);
	json_decref(h->mail);
	g_free(h);
}

static const char *ppap_dir(const struct daemon *d)
{
	return d->cfg.work_dir[0] != '\0' ? d->cfg.work_dir : g_get_tmp_dir();
}

static int ppap_copy(int in, const char *path)
{
	char *buf = malloc(PPAP_COPY_BLOCK);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), rc = 0;
	off_t off = 0;
	ssize_t n;

	if (buf == NULL || out < 0) {
		free(buf);
		if (out >= 0)
			close(out);
		return -1;
	}
	while (rc == 0 && (n = pread(in, buf, PPAP_COPY_BLOCK, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n)
			rc = -1;
		off += n > 0 ? n : 0;
	}
	free(buf);
	if (close(out) != 0 || rc != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

static int ppap_shares_rcpt(json_t *a, json_t *b)
{
	size_t i, k;
	json_t *x, *y;

	json_array_foreach(json_object_get(a, "to"), i, x)
		json_array_foreach(json_object_get(b, "to"), k, y)
			if (json_is_string(x) && json_is_string(y) &&
			    g_ascii_strcasecmp(json_string_value(x), json_string_value(y)) == 0)
				return 1;
	return 0;
}

/* "=?UTF-8?B?...?=" words, each of whole characters */
static void ppap_encode_subject(GString *out, const char *s)
{
	const char *p = s;

	while (*p != '\0') {
		const char *e = p;
		gchar *b;

		while (*e != '\0' && (size_t)(g_utf8_next_char(e) - p) <= PPAP_SUBJECT_CHUNK)
			e = g_utf8_next_char(e);
		if (e == p)
			e = g_utf8_next_char(p);
		b = g_base64_encode((const guchar *)p, (gsize)(e - p));
		g_string_append_printf(out, "%s=?UTF-8?B?%s?=", p == s ? "" : "\r\n ", b);
		g_free(b);
		p = e;
	}
}

/* the follow-up: our headers, then the rebuilt message's MIME headers and
 * body as they are; a FILE* at its start, or NULL */
static FILE *ppap_followup(const struct ppap_held *h, int out_dir)
{
	const char *from = json_string_value(json_object_get(h->envelope, "from"));
	const char *subject = json_string_value(json_object_get(h->mail, "subject"));
	const char *mid = json_string_value(json_object_get(h->mail, "message_id"));
	GString *head = g_string_new(NULL);
	char *tag = g_strdup_printf("%s%s", PPAP_TAG, subject != NULL ? subject : "");
	char line[PPAP_HEADER_LINE_MAX], date[64];
	int fd = openat(out_dir, "message.eml", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL, *f = tmpfile();
	int keep = 0, body = 0;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	json_t *r;

	if (in == NULL || f == NULL) {
		if (in != NULL)
			fclose(in);
		else if (fd >= 0)
			close(fd);
		if (f != NULL)
			fclose(f);
		g_string_free(head, TRUE);
		g_free(tag);
		return NULL;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	g_string_append_printf(head, "From: %s\r\nTo: ", from != NULL && from[0] ? from :
			       "postmaster");
	json_array_foreach(json_object_get(h->envelope, "to"), i, r)
		g_string_append_printf(head, "%s%s", i ? ",\r\n " : "", json_string_value(r));
	g_string_append(head, "\r\nSubject: ");
	ppap_encode_subject(head, tag);
	g_string_append_printf(head, "\r\nDate: %s\r\nMessage-ID: <%s.followup@mugai.invalid>\r\n",
			       date, h->id);
	if (mid != NULL && mid[0] == '<' && strpbrk(mid, "\r\n") == NULL)
		g_string_append_printf(head, "In-Reply-To: %s\r\nReferences: %s\r\n", mid, mid);
	fwrite(head->str, 1, head->len, f);
	while (fgets(line, sizeof(line), in) != NULL) {
		if (!body) {
			if (line[0] == '\r' || line[0] == '\n') {
				body = 1;
				fputs("\r\n", f);
				continue;
			}
			if (line[0] != ' ' && line[0] != '\t')
				keep = g_ascii_strncasecmp(line, "Content-", 8) == 0 ||
				       g_ascii_strncasecmp(line, "MIME-Version:", 13) == 0 ||
				       g_ascii_strncasecmp(line, "X-Mugai-Sanitized:", 18) == 0;
			if (!keep)
				continue;
		}
		fputs(line, f);
	}
	fclose(in);
	g_string_free(head, TRUE);
	g_free(tag);
	if (ferror(f) || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

/* through [mail] relay: 0 or -1 */
static int ppap_send(const struct daemon *d, const struct ppap_held *h, FILE *msg)
{
	const char *from = json_string_value(json_object_get(h->envelope, "from"));
	CURL *c = curl_easy_init();
	struct curl_slist *rcpt = NULL;
	char *url = g_strdup_printf("smtp://%s", d->cfg.mail_relay);
	char *mf = g_strdup_printf("<%s>", from != NULL ? from : "");
	CURLcode rc = CURLE_FAILED_INIT;
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(h->envelope, "to"), i, r)
		rcpt = curl_slist_append(rcpt, json_string_value(r));
	if (c != NULL && rcpt != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
		curl_easy_setopt(c, CURLOPT_MAIL_FROM, mf);
		curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(c, CURLOPT_READDATA, msg);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)d->cfg.mail_relay_timeout);
		rc = curl_easy_perform(c);
		if (rc != CURLE_OK)
			log_warnx("job %s: the follow-up mail to %s failed: %s", h->id,
				  d->cfg.mail_relay, curl_easy_strerror(rc));
	}
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	g_free(url);
	g_free(mf);
	return rc == CURLE_OK ? 0 : -1;
}

/* the held mail again with one candidate: 1 when nothing is held any more
 * and the follow-up went out, 0 when still held (or sending failed) */
static int ppap_try(struct daemon *d, struct detect_ctx *det, const struct ppap_held *h,
		    const char *password)
{
	struct engine_ref *er = engine_acquire(d);
	char *tmp = g_build_filename(ppap_dir(d), "mugai-ppap-XXXXXX", NULL);
	int in = -1, out = -1, done = 0;
	struct job_env env;
	struct job_opts jo;
	json_t *report = NULL;

	if (er == NULL || g_mkdtemp_full(tmp, 0700) == NULL ||
	    (out = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (in = open(h->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto out;
	memset(&env, 0, sizeof(env));
	env.cfg = &d->cfg;
	env.engine = er->eng;
	env.detect = det;
	memset(&jo, 0, sizeof(jo));
	jo.mode = ACTION_MAIL;
	jo.password = password;
	jo.job_id = h->id;
	jo.input = "message.eml";
	report = job_process(&env, in, "message.eml", &jo, out);
	if (report != NULL &&
	    strcmp(json_string_value(json_object_get(report, "verdict")), "released") == 0 &&
	    json_object_get(report, "held_items") == NULL) {
		FILE *f = ppap_followup(h, out);

		if (f != NULL) {
			if (ppap_send(d, h, f) == 0) {
				done = 1;
				log_info("job %s: the held attachment opened with a password from a "
					 "mail of the same sender; follow-up sent through %s", h->id,
					 d->cfg.mail_relay);
			}
			fclose(f);
		}
	}
out:
	json_decref(report);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (er != NULL)
		engine_release(d, er);
	fsutil_remove_tree(AT_FDCWD, tmp, 4);
	g_free(tmp);
	return done;
}

void ppap_after_job(struct daemon *d, struct detect_ctx *det, const char *id, json_t *report,
		    int infd, const struct passcand *pc)
{
	json_t *env = json_object_get(report, "envelope");
	const char *from = json_string_value(json_object_get(env, "from"));
	time_t now = time(NULL);
	GPtrArray *match = g_ptr_array_new();

	if (env == NULL || from == NULL || d->cfg.mail_relay[0] == '\0')
		goto out;
	pthread_mutex_lock(&ppap_mu);
	if (ppap_list == NULL)
		ppap_list = g_ptr_array_new_with_free_func(ppap_held_free);
	/* forget what is past the window */
	for (guint i = ppap_list->len; i-- > 0;) {
		struct ppap_held *h = g_ptr_array_index(ppap_list, i);

		if (now - h->t > (time_t)d->cfg.mail_ppap_window)
			g_ptr_array_remove_index(ppap_list, i);
	}
	if (json_object_get(report, "held_items") != NULL &&
	    strcmp(json_string_value(json_object_get(report, "verdict")), "released") == 0) {
		struct ppap_held *h = g_new0(struct ppap_held, 1);

		g_strlcpy(h->id, id, sizeof(h->id));
		h->t = now;
		h->envelope = json_incref(env);
		h->mail = json_incref(json_object_get(report, "mail"));
		h->path = g_strdup_printf("%s/mugai-ppap-%s.eml", ppap_dir(d), id);
		if (ppap_copy(infd, h->path) != 0) {
			log_warn("job %s: cannot keep the held mail for its password", id);
			g_free(h->path);
			h->path = NULL;
			ppap_held_free(h);
		} else {
			if (ppap_list->len >= PPAP_HELD_MAX)
				g_ptr_array_remove_index(ppap_list, 0);
			g_ptr_array_add(ppap_list, h);
		}
	}
	/* the held mails of this sender to one of these recipients: taken out
	 * while they are tried (one worker tries a mail at a time) */
	for (guint i = ppap_list->len; pc != NULL && pc->n > 0 && i-- > 0;) {
		struct ppap_held *h = g_ptr_array_index(ppap_list, i);
		const char *hf = json_string_value(json_object_get(h->envelope, "from"));

		if (hf != NULL && g_ascii_strcasecmp(hf, from) == 0 &&
		    ppap_shares_rcpt(h->envelope, env))
			g_ptr_array_add(match, g_ptr_array_steal_index(ppap_list, i));
	}
	pthread_mutex_unlock(&ppap_mu);
	for (guint i = 0; i < match->len; i++) {
		struct ppap_held *h = g_ptr_array_index(match, i);
		int done = 0;

		for (unsigned k = 0; k < pc->n && !done; k++)
			done = ppap_try(d, det, h, pc->v[k]);
		if (done) {
			ppap_held_free(h);
		} else {
			pthread_mutex_lock(&ppap_mu);
			g_ptr_array_add(ppap_list, h);
			pthread_mutex_unlock(&ppap_mu);
		}
	}
out:
	g_ptr_array_free(match, TRUE);
}
