/*
 * ppap.c - PPAP: a mail whose attachment is held for its password (an
 * encrypted zip), and the password in the same or a later mail from the
 * same sender to the same recipient within [mail] ppap_window.
 *
 * The spool is the state; what is here is an index of it, built again at
 * start (ppap_start) from the done jobs:
 *   - the held mails: mail jobs released with held_items and an envelope
 *     (at most [mail] ppap_held_max, the oldest forgotten first);
 *   - the follow-ups due: a held mail opened by a password (the API,
 *     `mugai password`, a later mail's candidates) has "followup": {state:
 *     "pending"} in its result, recorded with the verdict (worker.c,
 *     ppap_mark_followup); it is sent, then the result says "sent" (or,
 *     after [mail] followup_tries sends, "failed"), each audited.
 * The candidates of a mail (job.c: its subject and bodies, passcand.h) are
 * first tried on its own held parts, inside the job; what is still held
 * after them waits here.  The candidates of every later mail are given to
 * the held mails of its sender to one of its recipients as one password
 * try each (admin_password_list: counted, audited, the job queued again
 * and run by a worker like any other: its verdict is recorded and audited
 * before anything is sent).  Candidates are never logged nor stored beyond
 * that try's password file.
 *
 * The follow-up: 「【無害化済】」 + the Subject, In-Reply-To the original
 * Message-ID, to the envelope's recipients, carrying the job's rebuilt
 * message (its MIME headers and body as they are), through [mail] relay
 * (plain SMTP, libcurl).  With [mail] expired_notice, the recipients of a
 * held mail purged without its password get a notice (best effort: kept in
 * memory until sent).
 */
#include "daemon.h"
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

#define PPAP_SUBJECT_CHUNK 45         /* bytes of UTF-8 per encoded word */
#define PPAP_HEADER_LINE_MAX 4096     /* a header line of the rebuilt message read */
#define PPAP_BACKOFF_MIN 60           /* seconds before a failed follow-up is sent again */
#define PPAP_BACKOFF_MAX 3600         /* the backoff doubles up to this */
#define PPAP_SENDS_PER_ROUND 16       /* mails sent before the window is applied again */
#define PPAP_ROUND_SECONDS 5          /* the sender's rounds when nobody wakes it */
#define PPAP_NOTICES_MAX 1000         /* expiry notices waiting to be sent */
#define PPAP_TAG "【無害化済】"

/* a held mail: the job id, when it came, its envelope {from, to[]} */
struct ppap_held {
	char id[JOBID_LEN + 1];
	time_t t;
	json_t *envelope;
};

/* a mail to send: a follow-up (its job's result says pending), or an
 * expiry notice (envelope and mail kept here, the job is gone) */
struct ppap_due {
	char id[JOBID_LEN + 1];
	time_t next;
	unsigned tries;
	json_t *notice;  /* NULL: a follow-up; else {envelope, mail} */
};

/* a later mail's candidates for a held mail that was being run again
 * (queued or active) when they came: given to it when that run ends with
 * a part still held (at most one per held mail in the index; in memory
 * only, never logged) */
struct ppap_later {
	char id[JOBID_LEN + 1];
	unsigned n;
	char pw[PASSCAND_MAX][PASSCAND_LEN_MAX + 1];
};

static pthread_mutex_t ppap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ppap_cv = PTHREAD_COND_INITIALIZER;
static int ppap_woken;        /* a mail became due (under ppap_mu) */
static GPtrArray *ppap_list;  /* struct ppap_held, oldest first */
static GPtrArray *ppap_due;   /* struct ppap_due */
static GPtrArray *ppap_later; /* struct ppap_later */

static void ppap_held_free(gpointer p)
{
	struct ppap_held *h = p;

	json_decref(h->envelope);
	g_free(h);
}

static void ppap_due_free(gpointer p)
{
	struct ppap_due *u = p;

	json_decref(u->notice);
	g_free(u);
}

static void ppap_later_free(gpointer p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, sizeof(struct ppap_later));
	g_free(p);
}

/* under ppap_mu */
static void ppap_init(void)
{
	if (ppap_list == NULL)
		ppap_list = g_ptr_array_new_with_free_func(ppap_held_free);
	if (ppap_due == NULL)
		ppap_due = g_ptr_array_new_with_free_func(ppap_due_free);
	if (ppap_later == NULL)
		ppap_later = g_ptr_array_new_with_free_func(ppap_later_free);
}

/* under ppap_mu: the candidates kept for id taken out, or NULL */
static struct ppap_later *ppap_later_take(const char *id)
{
	for (guint i = 0; i < ppap_later->len; i++)
		if (strcmp(((struct ppap_later *)g_ptr_array_index(ppap_later, i))->id, id) == 0)
			return g_ptr_array_steal_index(ppap_later, i);
	return NULL;
}

/* under ppap_mu: n candidates kept for id, before those kept already (the
 * newest first, at most PASSCAND_MAX) */
static void ppap_later_keep(const char *id, const char *const *pw, unsigned n)
{
	struct ppap_later *old = ppap_later_take(id), *l = g_new0(struct ppap_later, 1);

	g_strlcpy(l->id, id, sizeof(l->id));
	for (unsigned k = 0; k < n && l->n < PASSCAND_MAX; k++)
		g_strlcpy(l->pw[l->n++], pw[k], sizeof(l->pw[0]));
	for (unsigned k = 0; old != NULL && k < old->n && l->n < PASSCAND_MAX; k++)
		g_strlcpy(l->pw[l->n++], old->pw[k], sizeof(l->pw[0]));
	if (old != NULL)
		ppap_later_free(old);
	g_ptr_array_add(ppap_later, l);
}

static int ppap_is_held(json_t *res)
{
	const char *v = json_string_value(json_object_get(res, "verdict"));

	return v != NULL && strcmp(v, "released") == 0 &&
	       json_array_size(json_object_get(res, "held_items")) > 0 &&
	       json_is_string(json_object_get(json_object_get(res, "envelope"), "from"));
}

static const char *ppap_followup_state(json_t *res)
{
	return json_string_value(json_object_get(json_object_get(res, "followup"), "state"));
}

/* under ppap_mu: the index of id in the held list, or -1 */
static long ppap_find(const char *id)
{
	for (guint i = 0; i < ppap_list->len; i++)
		if (strcmp(((struct ppap_held *)g_ptr_array_index(ppap_list, i))->id, id) == 0)
			return (long)i;
	return -1;
}

/* under ppap_mu */
static void ppap_hold(const struct daemon *d, const char *id, time_t t, json_t *envelope)
{
	struct ppap_held *h = g_new0(struct ppap_held, 1);

	g_strlcpy(h->id, id, sizeof(h->id));
	h->t = t;
	h->envelope = json_incref(envelope);
	while (ppap_list->len > 0 && ppap_list->len >= d->cfg.mail_ppap_held_max) {
		log_warnx("job %s: forgotten for PPAP matching: %u held mails already ([mail] "
			  "ppap_held_max); its password can still be given over the API",
			  ((struct ppap_held *)g_ptr_array_index(ppap_list, 0))->id,
			  d->cfg.mail_ppap_held_max);
		g_ptr_array_remove_index(ppap_list, 0);
	}
	g_ptr_array_add(ppap_list, h);
}

/* under ppap_mu: the sender thread told */
static void ppap_due_add(const char *id, unsigned tries, json_t *notice)
{
	struct ppap_due *u;

	ppap_woken = 1;
	pthread_cond_signal(&ppap_cv);
	for (guint i = 0; notice == NULL && i < ppap_due->len; i++)
		if (strcmp(((struct ppap_due *)g_ptr_array_index(ppap_due, i))->id, id) == 0)
			return;
	u = g_new0(struct ppap_due, 1);
	g_strlcpy(u->id, id, sizeof(u->id));
	u->tries = tries;
	u->notice = notice;
	g_ptr_array_add(ppap_due, u);
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

/* From, To, Subject (tag + the original's), Date, Message-ID, In-Reply-To */
static void ppap_headers(GString *head, const char *id, const char *kind, json_t *envelope,
			 json_t *mail, const char *tag)
{
	const char *from = json_string_value(json_object_get(envelope, "from"));
	const char *subject = json_string_value(json_object_get(mail, "subject"));
	const char *mid = json_string_value(json_object_get(mail, "message_id"));
	char *s = g_strdup_printf("%s%s", tag, subject != NULL ? subject : "");
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	json_t *r;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	g_string_append_printf(head, "From: %s\r\nTo: ", from != NULL && from[0] ? from :
			       "postmaster");
	/* the envelope holds the Bcc'd recipients too: named only when alone */
	if (json_array_size(json_object_get(envelope, "to")) > 1)
		g_string_append(head, "undisclosed-recipients:;");
	else
		json_array_foreach(json_object_get(envelope, "to"), i, r)
			g_string_append(head, json_string_value(r));
	g_string_append(head, "\r\nSubject: ");
	ppap_encode_subject(head, s);
	g_string_append_printf(head, "\r\nDate: %s\r\nMessage-ID: <%s.%s@mugai.invalid>\r\n",
			       date, id, kind);
	if (mid != NULL && mid[0] == '<' && strpbrk(mid, "\r\n") == NULL)
		g_string_append_printf(head, "In-Reply-To: %s\r\nReferences: %s\r\n", mid, mid);
	g_free(s);
}

/* the follow-up: our headers, then the rebuilt message's (fd) MIME headers
 * and body as they are; a FILE* at its start, or NULL */
static FILE *ppap_followup(const char *id, json_t *res, int fd)
{
	GString *head = g_string_new(NULL);
	char line[PPAP_HEADER_LINE_MAX];
	FILE *in = fdopen(fd, "r"), *f = tmpfile();
	int keep = 0, body = 0;

	if (in == NULL || f == NULL) {
		if (in != NULL)
			fclose(in);
		else
			close(fd);
		if (f != NULL)
			fclose(f);
		g_string_free(head, TRUE);
		return NULL;
	}
	ppap_headers(head, id, "followup", json_object_get(res, "envelope"),
		     json_object_get(res, "mail"), PPAP_TAG);
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
	if (ferror(f) || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

/* the expiry notice of a held mail purged without its password */
static FILE *ppap_expiry(const struct daemon *d, const char *id, json_t *notice)
{
	GString *m = g_string_new(NULL);
	FILE *f = tmpfile();

	ppap_headers(m, id, "expired", json_object_get(notice, "envelope"),
		     json_object_get(notice, "mail"), "【保留期限切れ】");
	g_string_append_printf(m,
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\nX-Mugai-Sanitized: expired\r\n\r\n"
		"このメールに添付されていたパスワード付きファイルは、パスワードが届かないまま\r\n"
		"保存期間（%u 日）を過ぎたため削除しました。必要な場合は送信者に再送を\r\n"
		"依頼してください。（受付番号: %s）\r\n\r\n"
		"The password-protected attachment of this mail was deleted: its password\r\n"
		"did not arrive within the retention period (%u days). Please ask the\r\n"
		"sender to send it again. (Job %s)\r\n",
		d->cfg.retention_days, id, d->cfg.retention_days, id);
	if (f == NULL || fwrite(m->str, 1, m->len, f) != m->len || fflush(f) != 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		f = NULL;
	}
	g_string_free(m, TRUE);
	return f;
}

/* through [mail] relay: 0, or -1 with why */
static int ppap_send(const struct daemon *d, json_t *envelope, FILE *msg, char *why,
		     size_t whylen)
{
	const char *from = json_string_value(json_object_get(envelope, "from"));
	CURL *c = curl_easy_init();
	struct curl_slist *rcpt = NULL;
	char *url = g_strdup_printf("smtp://%s", d->cfg.mail_relay);
	char *mf = g_strdup_printf("<%s>", from != NULL ? from : "");
	CURLcode rc = CURLE_FAILED_INIT;
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(envelope, "to"), i, r)
		if (json_is_string(r))
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
	}
	snprintf(why, whylen, "%s", rcpt == NULL ? "no recipients" : curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	g_free(url);
	g_free(mf);
	return rc == CURLE_OK ? 0 : -1;
}

/* the job's result with its follow-up state set, rewritten (under jmu):
 * 0, -1 (not done any more, or the rewrite failed) */
static int ppap_record(struct daemon *d, const char *id, json_t *followup)
{
	struct spool_job *j;
	char *text;
	json_t *res;
	int rc = -1;

	pthread_mutex_lock(&d->jmu);
	text = spool_result_load(d->spool, id);
	res = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	j = res != NULL ? spool_job_done(d->spool, id) : NULL;
	if (j != NULL) {
		json_object_set(res, "followup", followup);
		text = json_dumps(res, JSON_COMPACT);
		rc = text != NULL ? spool_job_rewrite(j, text) : -1;
		free(text);
		spool_job_close(j);
	}
	pthread_mutex_unlock(&d->jmu);
	json_decref(res);
	return rc;
}

/* one follow-up (u->notice NULL) or notice sent: 1 done (sent, or given
 * up), 0 to try again at u->next */
static int ppap_send_due(struct daemon *d, struct ppap_due *u)
{
	char why[256] = "";
	json_t *res = NULL, *env, *st;
	FILE *f = NULL;
	int sent, fd;
	char *text;

	if (u->notice != NULL) {
		env = json_object_get(u->notice, "envelope");
		f = ppap_expiry(d, u->id, u->notice);
	} else {
		text = spool_result_load(d->spool, u->id);
		res = text != NULL ? json_loads(text, 0, NULL) : NULL;
		free(text);
		if (res == NULL || ppap_followup_state(res) == NULL ||
		    strcmp(ppap_followup_state(res), "pending") != 0) {
			json_decref(res);
			return 1; /* purged, opened again, or sent already */
		}
		env = json_object_get(res, "envelope");
		fd = spool_artefact_open(d->spool, u->id, 0);
		f = fd >= 0 ? ppap_followup(u->id, res, fd) : NULL;
	}
	sent = f != NULL && ppap_send(d, env, f, why, sizeof(why)) == 0;
	if (f == NULL)
		snprintf(why, sizeof(why), "cannot build the mail from the job's message");
	if (f != NULL)
		fclose(f);
	u->tries++;
	if (sent) {
		log_info("job %s: %s sent to %zu recipient(s) through %s", u->id,
			 u->notice ? "the expiry notice" : "the follow-up",
			 json_array_size(json_object_get(env, "to")), d->cfg.mail_relay);
		st = json_pack("{s:s, s:I, s:I}", "state", "sent", "at", (json_int_t)time(NULL),
			       "tries", (json_int_t)u->tries);
	} else {
		int last = u->tries >= d->cfg.mail_followup_tries;
		unsigned shift = u->tries - 1 < 6 ? u->tries - 1 : 6;
		time_t wait = (time_t)PPAP_BACKOFF_MIN << shift;

		u->next = time(NULL) + (wait < PPAP_BACKOFF_MAX ? wait : PPAP_BACKOFF_MAX);
		log_warnx("job %s: the %s to %s failed (%u of %u): %s%s", u->id,
			  u->notice ? "expiry notice" : "follow-up mail", d->cfg.mail_relay, u->tries,
			  d->cfg.mail_followup_tries, why, last ? "; given up ([mail] "
			  "followup_tries)" : "");
		st = json_pack("{s:s, s:I, s:s}", "state", last ? "failed" : "pending", "tries",
			       (json_int_t)u->tries, "reason", why);
		if (!last) {
			if (u->notice == NULL)
				ppap_record(d, u->id, st);
			json_decref(st);
			json_decref(res);
			return 0;
		}
	}
	admin_audit(d, json_pack("{s:s, s:s, s:O, s:I, s:s, s:s}", "event",
				u->notice ? (sent ? "expiry notice sent" : "expiry notice failed")
					  : (sent ? "follow-up sent" : "follow-up failed"),
				"job", u->id, "state", st, "recipients",
				(json_int_t)json_array_size(json_object_get(env, "to")), "relay",
				d->cfg.mail_relay, "reason", sent ? "" : why));
	if (u->notice == NULL && ppap_record(d, u->id, st) != 0)
		log_warnx("job %s: cannot record the follow-up's state", u->id);
	json_decref(st);
	json_decref(res);
	return 1;
}

/* the due mails whose time has come, at most max of them, sent */
static void ppap_send_some(struct daemon *d, unsigned max)
{
	time_t now = time(NULL);

	for (unsigned n = 0; n < max; n++) {
		struct ppap_due *u = NULL;

		pthread_mutex_lock(&ppap_mu);
		ppap_init();
		for (guint i = 0; i < ppap_due->len; i++) {
			struct ppap_due *x = g_ptr_array_index(ppap_due, i);

			if (x->next <= now) {
				u = g_ptr_array_steal_index(ppap_due, i);
				break;
			}
		}
		pthread_mutex_unlock(&ppap_mu);
		if (u == NULL)
			return;
		if (ppap_send_due(d, u)) {
			ppap_due_free(u);
		} else {
			pthread_mutex_lock(&ppap_mu);
			g_ptr_array_add(ppap_due, u);
			pthread_mutex_unlock(&ppap_mu);
		}
	}
}

/* n candidates of mail `from` to the held mail hid as one try; a held
 * mail being run again gets them when that run ends */
static void ppap_give(struct daemon *d, const char *hid, const char *from,
		      const char *const *pw, unsigned n)
{
	char why[256];
	enum spool_err rc = admin_password_list(d, hid, pw, n, "mail", why, sizeof(why));
	enum spool_state st = rc == SPOOL_ERR_CONFLICT ? spool_state(d->spool, hid) : SPOOL_NONE;

	if (st == SPOOL_QUEUED || st == SPOOL_ACTIVE) {
		struct ppap_later *l;

		pthread_mutex_lock(&ppap_mu);
		ppap_later_keep(hid, pw, n);
		/* its run ended meanwhile: ppap_after_job may have looked already */
		l = spool_state(d->spool, hid) == SPOOL_DONE ? ppap_later_take(hid) : NULL;
		pthread_mutex_unlock(&ppap_mu);
		if (l == NULL) {
			log_info("job %s: the candidates of mail %s kept until its run ends", hid,
				 from);
			return;
		}
		const char *lp[PASSCAND_MAX];

		for (unsigned k = 0; k < l->n; k++)
			lp[k] = l->pw[k];
		rc = admin_password_list(d, hid, lp, l->n, "mail", why, sizeof(why));
		ppap_later_free(l);
	}
	if (rc == SPOOL_OK)
		log_info("job %s: the password candidates of mail %s from the same sender "
			 "are tried", hid, from);
	else
		log_info("job %s: the candidates of mail %s not tried: %s", hid, from, why);
}

void ppap_after_job(struct daemon *d, const char *id, json_t *report,
		    const struct passcand *pc, int rerun)
{
	json_t *env = json_object_get(report, "envelope");
	const char *from = json_string_value(json_object_get(env, "from"));
	const char *fu = ppap_followup_state(report);
	time_t now = time(NULL), t = now;
	GPtrArray *match = g_ptr_array_new_with_free_func(g_free);
	const char *pw[PASSCAND_MAX];
	struct ppap_later *later;
	long at;

	if (rerun && json_object_get(report, "held_items") == NULL)
		admin_kept_forget(d, id); /* opened, or settled otherwise */
	if (env == NULL || from == NULL || d->cfg.mail_relay[0] == '\0')
		goto out;
	pthread_mutex_lock(&ppap_mu);
	ppap_init();
	if ((at = ppap_find(id)) >= 0) {
		t = ((struct ppap_held *)g_ptr_array_index(ppap_list, (guint)at))->t;
		g_ptr_array_remove_index(ppap_list, (guint)at);
	}
	if (ppap_is_held(report) && now - t <= (time_t)d->cfg.mail_ppap_window)
		ppap_hold(d, id, t, env);
	if (fu != NULL && strcmp(fu, "pending") == 0)
		ppap_due_add(id, 0, NULL);
	later = ppap_later_take(id);
	/* the held mails of this sender to one of these recipients, newest
	 * first, at most [mail] ppap_max_tried_mails (each is a run of a whole
	 * mail: one forged mail must not start thousands); a held mail run
	 * again gave its candidates at its first run already (two held mails
	 * would else give theirs to each other without end) */
	for (guint i = ppap_list->len; !rerun && pc != NULL && pc->n > 0 && i-- > 0 &&
	     match->len < d->cfg.mail_ppap_max_tried_mails;) {
		struct ppap_held *h = g_ptr_array_index(ppap_list, i);
		const char *hf = json_string_value(json_object_get(h->envelope, "from"));

		if (strcmp(h->id, id) != 0 && now - h->t <= (time_t)d->cfg.mail_ppap_window &&
		    hf != NULL && g_ascii_strcasecmp(hf, from) == 0 &&
		    ppap_shares_rcpt(h->envelope, env))
			g_ptr_array_add(match, g_strdup(h->id));
	}
	pthread_mutex_unlock(&ppap_mu);
	/* candidates that came while this held mail ran again */
	if (later != NULL && ppap_is_held(report)) {
		const char *lp[PASSCAND_MAX];

		for (unsigned k = 0; k < later->n; k++)
			lp[k] = later->pw[k];
		ppap_give(d, id, "(kept)", lp, later->n);
	}
	if (later != NULL)
		ppap_later_free(later);
	for (unsigned k = 0; pc != NULL && k < pc->n; k++)
		pw[k] = pc->v[k];
	for (guint i = 0; i < match->len; i++)
		ppap_give(d, g_ptr_array_index(match, i), id, pw, pc->n);
out:
	g_ptr_array_free(match, TRUE);
}

void ppap_purged(struct daemon *d, const char *id, json_t *result)
{
	long at;

	if (d->cfg.mail_relay[0] == '\0')
		return;
	pthread_mutex_lock(&ppap_mu);
	ppap_init();
	if ((at = ppap_find(id)) >= 0)
		g_ptr_array_remove_index(ppap_list, (guint)at);
	ppap_later_free(ppap_later_take(id));
	if (d->cfg.mail_expired_notice && ppap_is_held(result)) {
		if (ppap_due->len < PPAP_NOTICES_MAX)
			ppap_due_add(id, 0, json_pack("{s:O, s:O?}", "envelope",
						      json_object_get(result, "envelope"), "mail",
						      json_object_get(result, "mail")));
		else
			log_warnx("job %s: no expiry notice: %u mails wait to be sent already", id,
				  PPAP_NOTICES_MAX);
	}
	pthread_mutex_unlock(&ppap_mu);
}

/* The sender: the due mails, in rounds (woken by a new one, else every
 * PPAP_ROUND_SECONDS), with the window applied to the held mails.  Its own
 * thread, so that a slow relay ([mail] relay_timeout) holds neither a
 * worker nor the main loop (systemd's watchdog); a send cut short by a
 * stop is sent again at the next start (the result still says pending). */
static void *ppap_thread(void *arg)
{
	struct daemon *d = arg;

	for (;;) {
		time_t now;

		pthread_mutex_lock(&ppap_mu);
		if (!ppap_woken) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += PPAP_ROUND_SECONDS;
			pthread_cond_timedwait(&ppap_cv, &ppap_mu, &ts);
		}
		ppap_woken = 0;
		now = time(NULL);
		for (guint i = ppap_list->len; i-- > 0;) {
			struct ppap_held *h = g_ptr_array_index(ppap_list, i);

			if (now - h->t > (time_t)d->cfg.mail_ppap_window)
				g_ptr_array_remove_index(ppap_list, i);
		}
		pthread_mutex_unlock(&ppap_mu);
		ppap_send_some(d, PPAP_SENDS_PER_ROUND);
	}
	return NULL;
}

static void ppap_load_one(void *arg, const char *id, enum spool_state state, json_t *meta,
			  json_t *result, time_t received)
{
	struct daemon *d = arg;
	const char *fu = ppap_followup_state(result);

	(void)meta;
	if (state != SPOOL_DONE || result == NULL)
		return;
	if (ppap_is_held(result) && time(NULL) - received <= (time_t)d->cfg.mail_ppap_window) {
		struct ppap_held *h = g_new0(struct ppap_held, 1);

		g_strlcpy(h->id, id, sizeof(h->id));
		h->t = received;
		h->envelope = json_incref(json_object_get(result, "envelope"));
		g_ptr_array_add(ppap_list, h);
	}
	if (fu != NULL && strcmp(fu, "pending") == 0)
		ppap_due_add(id, (unsigned)json_integer_value(json_object_get(
				 json_object_get(result, "followup"), "tries")), NULL);
}

static gint ppap_by_time(gconstpointer a, gconstpointer b)
{
	time_t ta = (*(struct ppap_held *const *)a)->t, tb = (*(struct ppap_held *const *)b)->t;

	return ta < tb ? -1 : ta > tb;
}

int ppap_start(struct daemon *d)
{
	int truncated = 0;
	guint over;
	pthread_t th;

	if (d->cfg.mail_relay[0] == '\0')
		return 0;
	pthread_mutex_lock(&ppap_mu);
	ppap_init();
	spool_list(d->spool, SIZE_MAX, ppap_load_one, d, &truncated);
	g_ptr_array_sort(ppap_list, ppap_by_time);
	over = ppap_list->len > d->cfg.mail_ppap_held_max ?
	       ppap_list->len - d->cfg.mail_ppap_held_max : 0;
	if (over > 0) {
		log_warnx("PPAP: the %u oldest held mail(s) not matched against later mails "
			  "([mail] ppap_held_max %u); their passwords can still be given over the "
			  "API", over, d->cfg.mail_ppap_held_max);
		g_ptr_array_remove_range(ppap_list, 0, over);
	}
	if (ppap_list->len > 0 || ppap_due->len > 0)
		log_info("PPAP: %u held mail(s) wait for a password, %u follow-up(s) to send",
			 ppap_list->len, ppap_due->len);
	pthread_mutex_unlock(&ppap_mu);
	return pthread_create(&th, NULL, ppap_thread, d) == 0 && pthread_detach(th) == 0 ? 0 : -1;
}
