/*
 * client.c - mugai submit / status / fetch: the client of mugaid.
 *
 *   mugai submit [--server URL] [--token T] [--cacert PEM] [--mode M] [--wait S] FILE...
 *   mugai status [--server URL] [--token T] [--cacert PEM] ID
 *   mugai fetch  [--server URL] [--token T] [--cacert PEM] -o DIR ID
 *   mugai password [--server URL] [--token T] [--cacert PEM] [--wait S] ID
 *
 * password: the password of a held encrypted archive (PPAP) for one more
 * try, read from stdin (one line) or, on a terminal, from a prompt without
 * echo; never from the command line, where ps and the shell history see it.
 *
 * --server defaults to $MUGAI_SERVER or http://127.0.0.1:8080 (fetch may
 * point at the release listener); --token defaults to $MUGAI_TOKEN.
 * An https:// server is verified against --cacert (or $MUGAI_CACERT), else
 * the system CAs; never without verification.
 * A progress line on stderr shows large uploads.
 */
#include "client.h"
#include "mugai/jobid.h"
#include "mugai/log.h"
#include "mugai/numparse.h"
#include "mugai/release.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "mugai/filterproto.h"

#define CLIENT_BODY_MAX (64 * 1024 * 1024)
#define CLIENT_PROGRESS_MIN (8 * 1024 * 1024)
/* bytes of a password, as the filter takes it (the NUL excluded) */
#define CLIENT_PASSWORD_MAX (FILTER_PASSWORD_MAX - 1)

struct body {
	GString *s;
	int too_big;
};

static size_t client_collect(char *p, size_t size, size_t n, void *userdata)
{
	struct body *b = userdata;

	if (b->s->len + size * n > CLIENT_BODY_MAX) {
		b->too_big = 1;
		return 0;
	}
	g_string_append_len(b->s, p, (gssize)(size * n));
	return size * n;
}

static int client_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			   curl_off_t ulnow)
{
	(void)p;
	(void)dltotal;
	(void)dlnow;
	if (ultotal >= CLIENT_PROGRESS_MIN && isatty(2))
		fprintf(stderr, "\rmugai: uploading %3d%% (%lld / %lld MiB)",
			(int)(ulnow * 100 / ultotal), (long long)(ulnow >> 20),
			(long long)(ultotal >> 20));
	return 0;
}

static CURL *client_easy(const struct client *c, const char *url, struct curl_slist **hdrs,
			 struct body *b)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, client_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	if (c->unix_socket != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->unix_socket);
	if (c->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* no redirect may take the upload or a token elsewhere */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	*hdrs = NULL;
	if (c->token != NULL) {
		char *auth = g_strdup_printf("Authorization: Bearer %s", c->token);

		*hdrs = curl_slist_append(*hdrs, auth);
		g_free(auth);
	}
	return h;
}

/* Perform; the JSON answer in *out.  Returns the HTTP status, -1 on transport error. */
static long client_do(CURL *h, struct curl_slist *hdrs, struct body *b, json_t **out)
{
	long status = -1;
	CURLcode rc;

	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		log_warnx("%s", curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (out != NULL)
			*out = json_loadb(b->s->str, b->s->len, 0, NULL);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return status;
}

void client_print_error(long status, json_t *j)
{
	const char *msg = j ? json_string_value(json_object_get(json_object_get(j, "error"),
								"message")) : NULL;

	log_warnx("server answered %ld%s%s", status, msg ? ": " : "", msg ? msg : "");
}

long client_request(const struct client *c, const char *method, const char *path,
		    json_t *body, json_t **out)
{
	struct body b = { g_string_new(NULL), 0 };
	struct curl_slist *hdrs;
	char *url = g_strdup_printf("%s%s", c->server, path);
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	CURL *h = client_easy(c, url, &hdrs, &b);
	long status = -1;

	*out = NULL;
	if (h != NULL && (body == NULL || text != NULL)) {
		if (strcmp(method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POST, 1L);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(text ? strlen(text) : 0));
			curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, text ? text : "");
			hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		}
		status = client_do(h, hdrs, &b, out);
	} else if (h != NULL) {
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(h);
	}
	if (b.too_big)
		log_warnx("the answer is larger than %d bytes", CLIENT_BODY_MAX);
	free(text);
	g_free(url);
	g_string_free(b.s, TRUE);
	return status;
}

static int client_submit_one(const struct client *c, const char *path, const char *mode, int wait)
{
	struct body b = { g_string_new(NULL), 0 };
	struct curl_slist *hdrs;
	char *esc, *url, *base = g_path_get_basename(path);
	CURL *h;
	FILE *f = fopen(path, "rb");
	struct stat st;
	json_t *j = NULL;
	long status;
	int rc = 1;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		log_warn("%s", path);
		g_free(base);
		g_string_free(b.s, TRUE);
		if (f != NULL)
			fclose(f);
		return 2;
	}
	esc = g_uri_escape_string(base, NULL, FALSE);
	url = g_strdup_printf("%s/v1/jobs?filename=%s%s%s&wait=%d", c->server, esc,
			      mode ? "&mode=" : "", mode ? mode : "", wait);
	h = client_easy(c, url, &hdrs, &b);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READDATA, f);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, client_progress);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
	status = client_do(h, hdrs, &b, &j);
	if (st.st_size >= CLIENT_PROGRESS_MIN && isatty(2))
		fputc('\n', stderr);
	if (status == 200 || status == 202) {
		const char *v = json_string_value(json_object_get(j, "verdict"));

		printf("%s\t%s\t%s\n", json_string_value(json_object_get(j, "id")),
		       v ? v : json_string_value(json_object_get(j, "state")), path);
		rc = v == NULL || strcmp(v, "released") == 0 ? 0 : 1;
	} else if (status > 0) {
		client_print_error(status, j);
		rc = 2;
	} else {
		rc = 2;
	}
	json_decref(j);
	fclose(f);
	g_free(url);
	g_free(esc);
	g_free(base);
	g_string_free(b.s, TRUE);
	return rc;
}

static json_t *client_get_job(const struct client *c, const char *id, long *status)
{
	struct body b = { g_string_new(NULL), 0 };
	struct curl_slist *hdrs;
	char *url = g_strdup_printf("%s/v1/jobs/%s", c->server, id);
	CURL *h = client_easy(c, url, &hdrs, &b);
	json_t *j = NULL;

	*status = client_do(h, hdrs, &b, &j);
	g_free(url);
	g_string_free(b.s, TRUE);
	return j;
}

static int client_fetch(const struct client *c, const char *id, const char *outdir)
{
	long status;
	json_t *job = client_get_job(c, id, &status), *a;
	size_t i;
	int rc = 0, out_fd;

	if (status != 200) {
		client_print_error(status, job);
		json_decref(job);
		return 2;
	}
	if (mkdir(outdir, 0750) != 0 && errno != EEXIST) {
		log_warn("%s", outdir);
		json_decref(job);
		return 2;
	}
	out_fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_array_foreach(json_object_get(job, "artefacts"), i, a) {
		const char *name = json_string_value(json_object_get(a, "name"));
		const char *sha = json_string_value(json_object_get(a, "sha256"));
		const char *aurl = json_string_value(json_object_get(a, "url"));
		struct body b = { g_string_new(NULL), 0 };
		struct curl_slist *hdrs;
		char *url, err[256], final[RELEASE_PATH_MAX], hex[65];
		uint64_t size;
		CURL *h;
		int mfd;

		if (name == NULL || aurl == NULL || release_path_check(name, err, sizeof(err)) != 0) {
			log_warnx("artefact %zu: unusable name", i);
			rc = 2;
			g_string_free(b.s, TRUE);
			continue;
		}
		url = g_strdup_printf("%s%s", c->server, aurl);
		h = client_easy(c, url, &hdrs, &b);
		status = client_do(h, hdrs, &b, NULL);
		g_free(url);
		mfd = memfd_create("artefact", MFD_CLOEXEC);
		if (status != 200 || mfd < 0 || write(mfd, b.s->str, b.s->len) != (ssize_t)b.s->len) {
			log_warnx("artefact %s: HTTP %ld", name, status);
			rc = 2;
		} else if (release_copy(out_fd, name, mfd, final, sizeof(final), hex, &size, NULL, err,
					sizeof(err)) != 0) {
			log_warnx("%s", err);
			rc = 2;
		} else if (sha == NULL || strcmp(hex, sha) != 0) {
			/* never keep bytes that are not what the gateway released */
			release_unlink(out_fd, final);
			log_warnx("artefact %s: SHA-256 mismatch, discarded", name);
			rc = 2;
		} else {
			printf("%s/%s\t%llu bytes\tsha256 %s\n", outdir, final,
			       (unsigned long long)size, hex);
		}
		if (mfd >= 0)
			close(mfd);
		g_string_free(b.s, TRUE);
	}
	if (out_fd >= 0)
		close(out_fd);
	json_decref(job);
	return rc;
}

/* One line of at most CLIENT_PASSWORD_MAX bytes from fd into pw (the line
 * end dropped); the length, or -1 when empty, too long or unreadable. */
static ssize_t client_read_line(int fd, char pw[CLIENT_PASSWORD_MAX + 2])
{
	size_t len = 0;

	for (;;) {
		char ch;
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if (len > CLIENT_PASSWORD_MAX) {
			/* drain the rest of the line, keep nothing */
			continue;
		}
		pw[len++] = ch;
	}
	if (len > 0 && pw[len - 1] == '\r')
		len--;
	if (len == 0 || len > CLIENT_PASSWORD_MAX || memchr(pw, '\0', len) != NULL) {
		explicit_bzero(pw, CLIENT_PASSWORD_MAX + 2);
		return -1;
	}
	pw[len] = '\0';
	return (ssize_t)len;
}

/* the password from stdin, or from a prompt without echo on the terminal */
static ssize_t client_read_password(const char *id, char pw[CLIENT_PASSWORD_MAX + 2])
{
	struct termios old, quiet;
	ssize_t len;
	int tty;

	if (!isatty(0))
		return client_read_line(0, pw);
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty < 0 || tcgetattr(tty, &old) != 0) {
		if (tty >= 0)
			close(tty);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	dprintf(tty, "Password for job %s: ", id);
	if (tcsetattr(tty, TCSAFLUSH, &quiet) != 0) {
		close(tty);
		return -1;
	}
	len = client_read_line(tty, pw);
	tcsetattr(tty, TCSAFLUSH, &old);
	dprintf(tty, "\n");
	close(tty);
	return len;
}

/* POST /v1/jobs/{id}/password: exit 0 released (or still queued after
 * the wait), 1 another verdict (held: wrong-password; a mail released
 * with a part still held counts as held), 2 an error */
static int client_password(const struct client *c, const char *id, int wait)
{
	struct body b = { g_string_new(NULL), 0 };
	struct curl_slist *hdrs;
	char pw[CLIENT_PASSWORD_MAX + 2];
	ssize_t len;
	json_t *req, *j = NULL;
	char *text, *url;
	long status;
	CURL *h;
	int rc;

	len = client_read_password(id, pw);
	if (len < 0) {
		log_warnx("password: want one line of 1 to %d bytes on stdin or the terminal",
			  CLIENT_PASSWORD_MAX);
		g_string_free(b.s, TRUE);
		return 2;
	}
	req = json_pack("{s:s%}", "password", pw, (size_t)len);
	text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	/* the copies in jansson's memory */
	if (req != NULL) {
		json_t *v = json_object_get(req, "password");

		explicit_bzero((char *)json_string_value(v), json_string_length(v));
		json_decref(req);
	}
	explicit_bzero(pw, sizeof(pw));
	if (text == NULL) {
		g_string_free(b.s, TRUE);
		return 2;
	}
	url = g_strdup_printf("%s/v1/jobs/%s/password?wait=%d", c->server, id, wait);
	h = client_easy(c, url, &hdrs, &b);
	if (h == NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
		g_free(url);
		g_string_free(b.s, TRUE);
		return 2;
	}
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text); /* not copied: zeroed below */
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	status = client_do(h, hdrs, &b, &j);
	explicit_bzero(text, strlen(text));
	free(text);
	if (status == 200 || status == 202) {
		const char *v = json_string_value(json_object_get(j, "verdict"));
		const char *why = json_string_value(json_object_get(j, "reason"));

		size_t held = json_array_size(json_object_get(j, "held_items"));

		/* a mail released with a part still held (PPAP): not opened */
		if (v != NULL && strcmp(v, "released") == 0 && held > 0) {
			v = "held";
			why = json_string_value(json_object_get(json_array_get(json_object_get(j,
				"held_items"), 0), "reason"));
		}
		printf("%s\t%s\t%s\n", id, v ? v : json_string_value(json_object_get(j, "state")),
		       why ? why : "");
		rc = v == NULL || strcmp(v, "released") == 0 ? 0 : 1;
	} else {
		if (status > 0)
			client_print_error(status, j);
		rc = 2;
	}
	json_decref(j);
	g_free(url);
	g_string_free(b.s, TRUE);
	return rc;
}

int client_main(const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "wait", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "cacert", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct client c = { getenv("MUGAI_SERVER"), getenv("MUGAI_TOKEN"), NULL,
			    getenv("MUGAI_CACERT") };
	const char *mode = NULL, *outdir = NULL;
	int wait = 0, o, rc = 0;

	if (c.server == NULL)
		c.server = "http://127.0.0.1:8080";
	while ((o = getopt_long(argc, argv, "s:t:m:w:o:", opts, NULL)) != -1) {
		switch (o) {
		case 's': c.server = optarg; break;
		case 't': c.token = optarg; break;
		case 'm': mode = optarg; break;
		case 'w': {
			uint64_t w;

			if (numparse_whole(optarg, &w, UINT32_MAX) != 0) {
				log_warnx("%s: --wait wants a number of seconds", cmd);
				return 2;
			}
			wait = w > 600 ? 600 : (int)w;
			break;
		}
		case 'o': outdir = optarg; break;
		case 'C': c.cacert = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		log_warnx("%s: missing %s", cmd, strcmp(cmd, "submit") == 0 ? "FILE" : "ID");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(cmd, "submit") == 0) {
		for (int i = optind; i < argc; i++) {
			int r = client_submit_one(&c, argv[i], mode, wait);

			if (r > rc)
				rc = r;
		}
	} else if (strcmp(cmd, "password") == 0) {
		if (!jobid_valid(argv[optind])) {
			log_warnx("password: '%s' is not a job id", argv[optind]);
			rc = 2;
		} else {
			rc = client_password(&c, argv[optind], wait);
		}
	} else if (strcmp(cmd, "status") == 0) {
		long status;
		json_t *j = client_get_job(&c, argv[optind], &status);

		if (status == 200) {
			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			client_print_error(status, j);
			rc = 2;
		}
		json_decref(j);
	} else if (outdir == NULL) {
		log_warnx("fetch: -o DIR is required");
		rc = 2;
	} else {
		rc = client_fetch(&c, argv[optind], outdir);
	}
	curl_global_cleanup();
	return rc;
}
