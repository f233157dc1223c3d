/*
 * mclient.c - mugai-milter's HTTP client of mugaid (libcurl, multi
 * interface in the calling milter thread, so that it can tell the MTA it is
 * still alive while it waits).  Bodies go from a file and into a file:
 * nothing of a message is held in memory.
 */
#include "milter.h"
#include "mugai/config.h"
#include "mugai/jobid.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MCLIENT_JSON_MAX (1024 * 1024)  /* a job's JSON answer */
#define MCLIENT_POLL_MS 1000            /* between GET /v1/jobs/{id} while waiting */
#define MCLIENT_WAIT_MAX 600            /* mugaid's largest ?wait= */
#define MCLIENT_ADDR_MAX (CONFIG_MAIL_ADDRESS_BYTES_MAX + 32) /* an envelope header line */

struct mclient_sink {
	GString *json;      /* the answer, when not to a file */
	int fd;             /* else the file it goes to */
	uint64_t written, max;
	GChecksum *sha;
	int over;
};

static size_t mclient_write(char *p, size_t size, size_t n, void *userdata)
{
	struct mclient_sink *s = userdata;
	size_t len = size * n;

	if (s->written + len > s->max) {
		s->over = 1;
		return 0;
	}
	s->written += len;
	if (s->fd >= 0) {
		size_t off = 0;

		while (off < len) {
			ssize_t w = write(s->fd, p + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return 0;
			off += (size_t)w;
		}
		if (s->sha != NULL)
			g_checksum_update(s->sha, (const guchar *)p, (gssize)len);
	} else {
		g_string_append_len(s->json, p, (gssize)len);
	}
	return len;
}

static double mclient_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* perform h, calling progress() every interval seconds; the HTTP status,
 * or -1 (transport error, deadline) */
static long mclient_perform(const struct milter_conf *mc, CURL *h, double deadline,
			    void (*progress)(void *), void *arg)
{
	CURLM *m = curl_multi_init();
	double last = mclient_now();
	long status = -1;
	int running = 1;

	if (m == NULL)
		return -1;
	curl_multi_add_handle(m, h);
	while (running) {
		double now;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		curl_multi_poll(m, NULL, 0, 200, NULL);
		now = mclient_now();
		if (now > deadline)
			break;
		if (progress != NULL && now - last >= mc->progress_interval) {
			progress(arg);
			last = now;
		}
	}
	if (!running) {
		CURLMsg *msg;
		int left;

		while ((msg = curl_multi_info_read(m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->data.result == CURLE_OK)
				curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	}
	curl_multi_remove_handle(m, h);
	curl_multi_cleanup(m);
	return status;
}

static CURL *mclient_easy(const struct milter_conf *mc, const char *url,
			  struct curl_slist **hdrs, struct mclient_sink *sink)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mclient_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)mc->connect_timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	*hdrs = NULL;
	if (mc->token[0] != '\0') {
		char *auth = g_strdup_printf("Authorization: Bearer %s", mc->token);

		*hdrs = curl_slist_append(*hdrs, auth);
		explicit_bzero(auth, strlen(auth));
		g_free(auth);
	}
	return h;
}

static json_t *mclient_json(GString *s)
{
	return json_loadb(s->str, s->len, 0, NULL);
}

/* GET a job's JSON */
static json_t *mclient_get_job(const struct milter_conf *mc, const char *id, double deadline,
			       long *status, void (*progress)(void *), void *arg)
{
	struct mclient_sink sink = { g_string_new(NULL), -1, 0, MCLIENT_JSON_MAX, NULL, 0 };
	struct curl_slist *hdrs;
	char *url = g_strdup_printf("%s/v1/jobs/%s", mc->intake_url, id);
	CURL *h = mclient_easy(mc, url, &hdrs, &sink);
	json_t *j = NULL;

	*status = -1;
	if (h != NULL) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		*status = mclient_perform(mc, h, deadline, progress, arg);
		if (*status == 200)
			j = mclient_json(sink.json);
		curl_easy_cleanup(h);
	}
	curl_slist_free_all(hdrs);
	g_free(url);
	g_string_free(sink.json, TRUE);
	return j;
}

/* a request header with an envelope address: control characters dropped,
 * so that nothing from SMTP can end the header */
static struct curl_slist *mclient_header(struct curl_slist *h, const char *name, const char *v)
{
	GString *s = g_string_new(name);

	g_string_append(s, ": ");
	for (const char *p = v; *p != '\0' && s->len < MCLIENT_ADDR_MAX; p++)
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			g_string_append_c(s, *p);
	h = curl_slist_append(h, s->str);
	g_string_free(s, TRUE);
	return h;
}

int mclient_submit(const struct milter_conf *mc, FILE *msg, uint64_t size,
		   const struct milter_envelope *env, struct milter_job *job,
		   void (*progress)(void *), void *arg)
{
	struct mclient_sink sink = { g_string_new(NULL), -1, 0, MCLIENT_JSON_MAX, NULL, 0 };
	double deadline = mclient_now() + mc->job_timeout;
	unsigned wait = mc->job_timeout < MCLIENT_WAIT_MAX ? mc->job_timeout : MCLIENT_WAIT_MAX;
	struct curl_slist *hdrs;
	char *url = g_strdup_printf("%s/v1/jobs?mode=mail&filename=message.eml&wait=%u",
				    mc->intake_url, wait);
	CURL *h = mclient_easy(mc, url, &hdrs, &sink);
	json_t *j = NULL;
	long status = -1;
	const char *id, *state;

	memset(job, 0, sizeof(*job));
	g_strlcpy(job->why, "mugaid unreachable", sizeof(job->why));
	if (h == NULL)
		goto out;
	/* the envelope travels beside the message (PPAP follow-up mails need
	 * it); mugaid ignores these headers until it uses them */
	if (env->sender != NULL)
		hdrs = mclient_header(hdrs, "X-Mugai-Envelope-From", env->sender);
	for (guint i = 0; env->rcpts != NULL && i < env->rcpts->len; i++)
		hdrs = mclient_header(hdrs, "X-Mugai-Envelope-To", g_ptr_array_index(env->rcpts, i));
	hdrs = curl_slist_append(hdrs, "Content-Type: message/rfc822");
	hdrs = curl_slist_append(hdrs, "Expect:");
	rewind(msg);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READDATA, msg);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	status = mclient_perform(mc, h, deadline, progress, arg);
	curl_easy_cleanup(h);
	if (status == 200 || status == 202)
		j = mclient_json(sink.json);
	if (j == NULL) {
		if (status > 0)
			snprintf(job->why, sizeof(job->why), "mugaid answered %ld", status);
		if (status == 413)
			job->too_large = 1;
		else if (status <= 0 && mclient_now() > deadline) {
			g_strlcpy(job->why, "timeout", sizeof(job->why));
			job->timed_out = 1;
		}
		goto out;
	}
	id = json_string_value(json_object_get(j, "id"));
	if (!jobid_valid(id)) {
		g_strlcpy(job->why, "mugaid answered without a job id", sizeof(job->why));
		goto out;
	}
	g_strlcpy(job->id, id, sizeof(job->id));
	/* not done within ?wait: ask again, telling the MTA we are alive */
	while ((state = json_string_value(json_object_get(j, "state"))) == NULL ||
	       strcmp(state, "done") != 0) {
		double until = mclient_now() + MCLIENT_POLL_MS / 1000.0;

		json_decref(j);
		j = NULL;
		while (mclient_now() < until) {
			if (mclient_now() > deadline)
				break;
			usleep(100 * 1000);
		}
		if (mclient_now() > deadline) {
			g_strlcpy(job->why, "timeout", sizeof(job->why));
			job->timed_out = 1;
			goto out;
		}
		if (progress != NULL)
			progress(arg);
		j = mclient_get_job(mc, job->id, deadline, &status, progress, arg);
		if (j == NULL) {
			snprintf(job->why, sizeof(job->why), "job status: HTTP %ld", status);
			goto out;
		}
	}
	{
		const char *v = json_string_value(json_object_get(j, "verdict"));
		const char *r = json_string_value(json_object_get(j, "reason"));
		json_t *a = json_array_get(json_object_get(j, "artefacts"), 0);

		g_strlcpy(job->verdict, v ? v : "", sizeof(job->verdict));
		g_strlcpy(job->why, r ? r : "", sizeof(job->why));
		if (a != NULL) {
			const char *u = json_string_value(json_object_get(a, "url"));
			const char *sha = json_string_value(json_object_get(a, "sha256"));

			if (u != NULL && u[0] == '/' && strlen(u) < sizeof(job->artefact_url) &&
			    strspn(u, "/abcdefghijklmnopqrstuvwxyz0123456789") == strlen(u))
				g_strlcpy(job->artefact_url, u, sizeof(job->artefact_url));
			if (sha != NULL && strlen(sha) == 64)
				g_strlcpy(job->sha256, sha, sizeof(job->sha256));
		}
		job->done = 1;
	}
out:
	json_decref(j);
	curl_slist_free_all(hdrs);
	g_free(url);
	g_string_free(sink.json, TRUE);
	return job->done ? 0 : -1;
}

int mclient_fetch(const struct milter_conf *mc, const struct milter_job *job, int fd,
		  void (*progress)(void *), void *arg)
{
	struct mclient_sink sink = { NULL, fd, 0, mc->message_max_size * 2,
				     g_checksum_new(G_CHECKSUM_SHA256), 0 };
	const char *base = mc->release_url[0] ? mc->release_url : mc->intake_url;
	char *url = g_strdup_printf("%s%s", base, job->artefact_url);
	struct curl_slist *hdrs;
	CURL *h = mclient_easy(mc, url, &hdrs, &sink);
	long status = -1;
	int rc = -1;

	if (h != NULL) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		status = mclient_perform(mc, h, mclient_now() + mc->job_timeout, progress, arg);
		curl_easy_cleanup(h);
	}
	/* never hand on bytes that are not what the gateway released */
	if (status == 200 && !sink.over && job->sha256[0] != '\0' &&
	    strcmp(g_checksum_get_string(sink.sha), job->sha256) == 0)
		rc = 0;
	curl_slist_free_all(hdrs);
	g_checksum_free(sink.sha);
	g_free(url);
	return rc;
}
