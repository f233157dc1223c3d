/*
 * mugai-milter - the mail relay plug-in (Postfix, Sendmail: the milter
 * protocol through libmilter), a thin stateless client of mugaid.
 *
 *   mugai-milter --socket inet:PORT@127.0.0.1|unix:PATH --server URL
 *                [--config FILE] [--token-file F]
 *
 * Runs in the foreground until SIGTERM.  For each message: the headers and
 * body go to an unlinked temporary file as they arrive (memory stays flat
 * whatever the size); at the end of the message the file is submitted to
 * mugaid as one mail job (POST /v1/jobs?mode=mail&wait=), with progress
 * notes to the MTA while it waits; the rebuilt message (the job's
 * artefact, checked against its SHA-256) replaces the MIME headers
 * (Content-*, MIME-Version, X-Mugai-*, and the Subject when it was tagged)
 * and the whole body.  It never parses MIME or a document itself.
 *
 * Fail closed: mugaid unreachable, a timeout, a failed job, an artefact
 * that does not match, an answer that is not a rebuilt message, more than
 * [milter] max_inflight messages at once, a message over message_max_size
 * -> tempfail (4xx): the MTA keeps the message and tries again; the
 * original is never passed on.  A blocked job -> reject (5xx).
 */
#include "milter.h"
#include "mugai/config.h"
#include "mugai/log.h"
#include "mugai/mailheader.h"
#include "mugai/sdnotify.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libmilter/mfapi.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MILTER_CHUNK (64 * 1024)          /* smfi_replacebody calls */
#define MILTER_HEADER_LINE_MAX (64 * 1024) /* one header of the rebuilt message */
#define MILTER_HEADERS_MAX 256            /* headers of the rebuilt message put in place */
#define MILTER_FD_SCAN 256                /* descriptors looked at for the listening socket */
#define MILTER_MANAGED_MAX 1000           /* MIME and X-Mugai-* headers of a message */

static struct milter_conf conf;
static atomic_uint inflight;

struct mctx {
	FILE *msg;           /* the message as received, unlinked */
	uint64_t size;
	int too_big, io_error;
	unsigned n_managed;  /* occurrences in managed, at most MILTER_MANAGED_MAX */
	GHashTable *managed; /* lower-case name -> struct mhdr: original occurrences */
	char *subject;       /* the original Subject, unfolded */
	struct milter_envelope env;
};

struct mhdr {
	char *name;          /* as the MTA spelled it */
	int count;
};

static void mhdr_free(gpointer p)
{
	struct mhdr *h = p;

	g_free(h->name);
	g_free(h);
}

/* headers the rebuilt message owns: replaced, never kept from the
 * original (its MIME headers, X-Mugai-*, the pictures clients show from a
 * header: mailheader.h) */
static int milter_managed(const char *name)
{
	return mailheader_dropped(name);
}

static FILE *milter_tmpfile(void)
{
	const char *dir = conf.work_dir;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0) {
		char *path = g_strdup_printf("%s/mugai-milter-XXXXXX", dir);

		fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			unlink(path);
		g_free(path);
	}
	if (fd < 0) {
		log_warn("temporary file in %s", dir);
		return NULL;
	}
	f = fdopen(fd, "w+");
	if (f == NULL)
		close(fd);
	return f;
}

static void mctx_reset(struct mctx *c)
{
	if (c->msg != NULL)
		fclose(c->msg);
	c->msg = NULL;
	c->size = 0;
	c->too_big = c->io_error = 0;
	c->n_managed = 0;
	if (c->managed != NULL)
		g_hash_table_remove_all(c->managed);
	g_free(c->subject);
	c->subject = NULL;
	g_free(c->env.sender);
	c->env.sender = NULL;
	if (c->env.rcpts != NULL)
		g_ptr_array_set_size(c->env.rcpts, 0);
}

static sfsistat mm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct mctx *c = g_new0(struct mctx, 1);

	(void)host;
	(void)sa;
	c->managed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, mhdr_free);
	c->env.rcpts = g_ptr_array_new_with_free_func(g_free);
	smfi_setpriv(ctx, c);
	return SMFIS_CONTINUE;
}

static sfsistat milter_tempfail(SMFICTX *ctx, const char *why)
{
	char *text = g_strdup_printf("mugai: %s, try again later", why);

	smfi_setreply(ctx, "451", "4.3.0", text);
	g_free(text);
	return SMFIS_TEMPFAIL;
}

/* an envelope address mugaid's envelope takes (else the whole message
 * would be tempfailed at its end, for every recipient, for ever) */
/* an envelope address mugaid takes ([mail] max_address_bytes, UTF-8):
 * NULL, else why not (g_free) */
static char *milter_addr_bad(const char *a, const char *what)
{
	if (strlen(a) > conf.max_address_bytes)
		return g_strdup_printf("mugai: a %s address longer than %u bytes ([mail] "
				       "max_address_bytes)", what, conf.max_address_bytes);
	if (!g_utf8_validate(a, -1, NULL))
		return g_strdup_printf("mugai: a %s address that is not UTF-8", what);
	return NULL;
}

static sfsistat mm_envfrom(SMFICTX *ctx, char **argv)
{
	struct mctx *c = smfi_getpriv(ctx);
	char *text;

	if (c == NULL)
		return milter_tempfail(ctx, "internal error");
	mctx_reset(c);
	if (argv[0] != NULL && (text = milter_addr_bad(argv[0], "sender")) != NULL) {
		smfi_setreply(ctx, "553", "5.1.7", text);
		g_free(text);
		return SMFIS_REJECT;
	}
	c->env.sender = g_strdup(argv[0] != NULL ? argv[0] : "");
	c->msg = milter_tmpfile();
	if (c->msg == NULL)
		return milter_tempfail(ctx, "no room for the message");
	return SMFIS_CONTINUE;
}

/* A recipient mugaid would refuse the whole mail for is refused alone: an
 * address over [mail] max_address_bytes or not UTF-8 for good (553), one
 * over [mail] max_recipients for now (452), as Postfix's
 * smtpd_recipient_limit does: the client sends it again later. */
static sfsistat mm_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mctx *c = smfi_getpriv(ctx);
	char *text = NULL;

	if (c == NULL || argv[0] == NULL)
		return SMFIS_CONTINUE;
	/* this recipient only is refused: the others' mail goes on */
	if ((text = milter_addr_bad(argv[0], "recipient")) != NULL) {
		smfi_setreply(ctx, "553", "5.1.3", text);
		g_free(text);
		return SMFIS_REJECT;
	}
	if (c->env.rcpts->len >= conf.max_recipients) {
		text = g_strdup_printf("mugai: more than %u recipients ([mail] max_recipients), "
				       "send the rest later", conf.max_recipients);
		smfi_setreply(ctx, "452", "4.5.3", text);
		g_free(text);
		return SMFIS_TEMPFAIL;
	}
	g_ptr_array_add(c->env.rcpts, g_strdup(argv[0]));
	return SMFIS_CONTINUE;
}

static void milter_put(struct mctx *c, const void *p, size_t n)
{
	if (c->msg == NULL || c->too_big || c->io_error)
		return;
	c->size += n;
	if (c->size > conf.message_max_size) {
		c->too_big = 1;
		return;
	}
	if (fwrite(p, 1, n, c->msg) != n)
		c->io_error = 1;
}

/* a header as received; line ends of a folded value become CRLF */
static sfsistat mm_header(SMFICTX *ctx, char *name, char *value)
{
	struct mctx *c = smfi_getpriv(ctx);

	if (c == NULL)
		return milter_tempfail(ctx, "internal error");
	milter_put(c, name, strlen(name));
	milter_put(c, ": ", 2);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			milter_put(c, "\r\n", 2);
		else
			milter_put(c, p, 1);
	}
	milter_put(c, "\r\n", 2);
	if (milter_managed(name) && ++c->n_managed <= MILTER_MANAGED_MAX) {
		char *key = g_ascii_strdown(name, -1);
		struct mhdr *h = g_hash_table_lookup(c->managed, key);

		if (h == NULL) {
			h = g_new0(struct mhdr, 1);
			h->name = g_strdup(name);
			g_hash_table_insert(c->managed, key, h);
		} else {
			g_free(key);
		}
		h->count++;
	} else if (g_ascii_strcasecmp(name, "Subject") == 0 && c->subject == NULL) {
		c->subject = g_strdup(value);
		g_strdelimit(c->subject, "\r\n", ' ');
	}
	return SMFIS_CONTINUE;
}

static sfsistat mm_eoh(SMFICTX *ctx)
{
	struct mctx *c = smfi_getpriv(ctx);

	if (c != NULL)
		milter_put(c, "\r\n", 2);
	return SMFIS_CONTINUE;
}

static sfsistat mm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct mctx *c = smfi_getpriv(ctx);

	if (c != NULL)
		milter_put(c, chunk, len);
	return SMFIS_CONTINUE;
}

static void milter_progress(void *arg)
{
	smfi_progress((SMFICTX *)arg);
}

struct rebuilt_header {
	char *name, *value;
};

/* The top-level headers of the rebuilt message that the milter puts in
 * place (unfolded): the managed ones and the Subject; the others are the
 * original's own, left as they are, and only skipped here (a message with
 * many Received headers is still read).  f is left at the first byte of
 * the body.  -1 when it is not a message. */
static int milter_read_headers(FILE *f, GPtrArray *out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct rebuilt_header *cur = NULL;
	int rc = -1, skipping = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		if (n > MILTER_HEADER_LINE_MAX)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0) {
			rc = 0; /* the blank line: the body follows */
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			char *v;

			if (skipping)
				continue;
			if (cur == NULL)
				break; /* a continuation of nothing */
			v = g_strconcat(cur->value, line, NULL);
			g_free(cur->value);
			cur->value = v;
			if (strlen(v) > MILTER_HEADER_LINE_MAX)
				break;
			continue;
		}
		{
			char *colon = strchr(line, ':');
			char *name;

			if (colon == NULL || colon == line)
				break;
			name = g_strndup(line, (gsize)(colon - line));
			skipping = !milter_managed(name) && g_ascii_strcasecmp(name, "Subject") != 0;
			if (skipping || out->len >= MILTER_HEADERS_MAX) {
				g_free(name);
				cur = NULL;
				if (skipping)
					continue;
				break;
			}
			cur = g_new0(struct rebuilt_header, 1);
			cur->name = name;
			cur->value = g_strdup(colon[1] == ' ' ? colon + 2 : colon + 1);
			g_ptr_array_add(out, cur);
		}
	}
	free(line);
	return rc;
}

static void rebuilt_header_free(gpointer p)
{
	struct rebuilt_header *h = p;

	g_free(h->name);
	g_free(h->value);
	g_free(h);
}

/* put the rebuilt message in place of the original: 0, or -1 */
static int milter_apply(SMFICTX *ctx, struct mctx *c, FILE *rebuilt)
{
	GPtrArray *hs = g_ptr_array_new_with_free_func(rebuilt_header_free);
	GHashTableIter it;
	gpointer k, v;
	int rc = -1, stamped = 0, replaced = 0;
	char *buf = NULL;

	rewind(rebuilt);
	if (milter_read_headers(rebuilt, hs) != 0)
		goto out;
	for (guint i = 0; i < hs->len; i++) {
		struct rebuilt_header *h = g_ptr_array_index(hs, i);

		stamped |= g_ascii_strcasecmp(h->name, "X-Mugai-Sanitized") == 0;
	}
	if (!stamped)
		goto out; /* not a message mugai rebuilt: never passed on */
	/* the original's MIME headers go, all of them, last first */
	g_hash_table_iter_init(&it, c->managed);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct mhdr *h = v;

		for (int idx = h->count; idx >= 1; idx--)
			if (smfi_chgheader(ctx, h->name, idx, NULL) != MI_SUCCESS)
				goto out;
	}
	for (guint i = 0; i < hs->len; i++) {
		struct rebuilt_header *h = g_ptr_array_index(hs, i);

		if (milter_managed(h->name)) {
			if (smfi_addheader(ctx, h->name, h->value) != MI_SUCCESS)
				goto out;
		} else if (g_ascii_strcasecmp(h->name, "Subject") == 0 &&
			   (c->subject == NULL || strcmp(c->subject, h->value) != 0)) {
			if (c->subject == NULL ? smfi_addheader(ctx, "Subject", h->value) != MI_SUCCESS
					       : smfi_chgheader(ctx, "Subject", 1, h->value) != MI_SUCCESS)
				goto out;
		}
	}
	buf = g_malloc(MILTER_CHUNK);
	for (;;) {
		size_t n = fread(buf, 1, MILTER_CHUNK, rebuilt);

		/* a rebuilt message with no body still replaces the original's
		 * (without one call the MTA would keep the original body) */
		if (n == 0 && replaced)
			break;
		if (smfi_replacebody(ctx, (unsigned char *)buf, (int)n) != MI_SUCCESS)
			goto out;
		replaced = 1;
		if (n == 0)
			break;
	}
	rc = ferror(rebuilt) ? -1 : 0;
out:
	g_free(buf);
	g_ptr_array_free(hs, TRUE);
	return rc;
}

static sfsistat mm_eom(SMFICTX *ctx)
{
	struct mctx *c = smfi_getpriv(ctx);
	struct milter_job job;
	sfsistat ret;
	FILE *rebuilt = NULL;

	if (c == NULL || c->msg == NULL)
		return milter_tempfail(ctx, "internal error");
	if (c->too_big) {
		smfi_setreply(ctx, "452", "4.3.4", "mugai: message too large for sanitisation");
		return SMFIS_TEMPFAIL;
	}
	if (c->io_error || fflush(c->msg) != 0)
		return milter_tempfail(ctx, "cannot keep the message");
	if (c->n_managed > MILTER_MANAGED_MAX)
		return milter_tempfail(ctx, "too many MIME headers");
	if (atomic_fetch_add(&inflight, 1) >= conf.max_inflight) {
		atomic_fetch_sub(&inflight, 1);
		return milter_tempfail(ctx, "too many messages in sanitisation");
	}
	if (mclient_submit(&conf, c->msg, c->size, &c->env, &job, milter_progress, ctx) != 0) {
		log_warnx("message from <%s>: %s", c->env.sender ? c->env.sender : "",
			  job.why);
		if (job.too_large) {
			/* it will not shrink: for good, not retried for days */
			smfi_setreply(ctx, "552", "5.3.4", "mugai: message larger than the "
				      "sanitisation takes ([limits] input_max_size)");
			ret = SMFIS_REJECT;
			goto out;
		}
		ret = milter_tempfail(ctx, job.timed_out ? "sanitisation timed out"
							 : "sanitisation unavailable");
		goto out;
	}
	if (strcmp(job.verdict, "blocked") == 0) {
		log_info("job %s: blocked: %s", job.id, job.why);
		smfi_setreply(ctx, "550", "5.7.1", "mugai: message refused by the sanitisation policy");
		ret = SMFIS_REJECT;
		goto out;
	}
	if (strcmp(job.verdict, "released") != 0 || job.artefact_url[0] == '\0') {
		log_warnx("job %s: %s: %s", job.id, job.verdict[0] ? job.verdict : "no verdict",
			  job.why);
		ret = milter_tempfail(ctx, "sanitisation failed");
		goto out;
	}
	rebuilt = milter_tmpfile();
	if (rebuilt == NULL || mclient_fetch(&conf, &job, fileno(rebuilt), milter_progress, ctx) != 0) {
		log_warnx("job %s: the rebuilt message could not be fetched intact", job.id);
		ret = milter_tempfail(ctx, "sanitised message unavailable");
		goto out;
	}
	if (milter_apply(ctx, c, rebuilt) != 0) {
		log_warnx("job %s: the rebuilt message could not be put in place", job.id);
		ret = milter_tempfail(ctx, "sanitised message unusable");
		goto out;
	}
	log_info("job %s: delivered sanitised", job.id);
	ret = SMFIS_CONTINUE;
out:
	if (rebuilt != NULL)
		fclose(rebuilt);
	atomic_fetch_sub(&inflight, 1);
	mctx_reset(c);
	return ret;
}

static sfsistat mm_abort(SMFICTX *ctx)
{
	struct mctx *c = smfi_getpriv(ctx);

	if (c != NULL)
		mctx_reset(c);
	return SMFIS_CONTINUE;
}

static sfsistat mm_close(SMFICTX *ctx)
{
	struct mctx *c = smfi_getpriv(ctx);

	if (c != NULL) {
		mctx_reset(c);
		g_hash_table_destroy(c->managed);
		g_ptr_array_free(c->env.rcpts, TRUE);
		g_free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static int milter_read_token(const char *path, char *out, size_t outlen)
{
	gchar *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, NULL))
		return -1;
	g_strstrip(text);
	if (text[0] == '\0' || strlen(text) >= outlen || strpbrk(text, "\r\n") != NULL) {
		explicit_bzero(text, len);
		g_free(text);
		return -1;
	}
	g_strlcpy(out, text, outlen);
	explicit_bzero(text, len);
	g_free(text);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: mugai-milter --socket inet:PORT@127.0.0.1|unix:PATH --server URL\n"
			"                    [--config FILE] [--token-file FILE]\n");
	exit(2);
}

/* TCP_NODELAY on libmilter's listening socket (inet:), which the accepted
 * connections inherit (Linux).  Without it our modifications at the end of
 * a message (a few small packets) wait for the MTA's delayed ACK behind
 * Nagle, about 40 ms a mail.  libmilter keeps the socket to itself: it is
 * the one listening TCP socket among our descriptors at this point. */
static void milter_nodelay(void)
{
	for (int fd = 0; fd < MILTER_FD_SCAN; fd++) {
		int on = 0, domain = 0, one = 1;
		socklen_t len = sizeof(on), dlen = sizeof(domain);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0 ||
		    (domain != AF_INET && domain != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
			log_warn("TCP_NODELAY on the milter socket");
	}
}

/* a unix: (local:) socket made by libmilter under our umask (the unit's
 * 0077) given [milter] socket_mode, so that the MTA's user reaches it */
static void milter_socket_mode(const char *sock, uint32_t mode)
{
	const char *path = NULL;

	if (g_str_has_prefix(sock, "unix:"))
		path = sock + 5;
	else if (g_str_has_prefix(sock, "local:"))
		path = sock + 6;
	if (path != NULL && chmod(path, (mode_t)mode) != 0)
		fatal("--socket %s: cannot give it mode %04o ([milter] socket_mode)", sock,
		      (unsigned)mode);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "token-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct smfiDesc desc = {
		.xxfi_name = "mugai-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
		.xxfi_connect = mm_connect,
		.xxfi_envfrom = mm_envfrom,
		.xxfi_envrcpt = mm_envrcpt,
		.xxfi_header = mm_header,
		.xxfi_eoh = mm_eoh,
		.xxfi_body = mm_body,
		.xxfi_eom = mm_eom,
		.xxfi_abort = mm_abort,
		.xxfi_close = mm_close,
	};
	struct mugai_config cfg;
	const char *sock = NULL, *server = NULL, *config = NULL, *token_file = NULL;
	char err[512];
	int ch;

	log_init("mugai-milter", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		case 'S': server = optarg; break;
		case 'c': config = optarg; break;
		case 't': token_file = optarg; break;
		default: usage();
		}
	}
	if (sock == NULL || optind != argc)
		usage();
	config_defaults(&cfg);
	if (config != NULL && config_load(&cfg, config, err, sizeof(err)) != 0)
		fatalx("%s", err);
	memset(&conf, 0, sizeof(conf));
	g_strlcpy(conf.intake_url, server != NULL ? server : cfg.milter_intake_url,
		  sizeof(conf.intake_url));
	g_strlcpy(conf.release_url, cfg.milter_release_url, sizeof(conf.release_url));
	while (conf.intake_url[0] && conf.intake_url[strlen(conf.intake_url) - 1] == '/')
		conf.intake_url[strlen(conf.intake_url) - 1] = '\0';
	while (conf.release_url[0] && conf.release_url[strlen(conf.release_url) - 1] == '/')
		conf.release_url[strlen(conf.release_url) - 1] = '\0';
	if (!g_str_has_prefix(conf.intake_url, "http://") &&
	    !g_str_has_prefix(conf.intake_url, "https://"))
		fatalx("--server / [milter] intake_url: not an http(s) URL: %s", conf.intake_url);
	if (token_file == NULL && cfg.milter_token_file[0] != '\0')
		token_file = cfg.milter_token_file;
	if (token_file != NULL && milter_read_token(token_file, conf.token, sizeof(conf.token)) != 0)
		fatalx("%s: no usable token (one line, at most %d bytes)", token_file,
		       MILTER_TOKEN_MAX - 1);
	g_strlcpy(conf.work_dir, cfg.milter_work_dir[0] ? cfg.milter_work_dir :
		  getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp", sizeof(conf.work_dir));
	conf.connect_timeout = cfg.milter_connect_timeout;
	conf.job_timeout = cfg.milter_job_timeout;
	conf.max_inflight = cfg.milter_max_inflight;
	conf.progress_interval = cfg.milter_progress_interval;
	conf.keepalive = cfg.milter_keepalive;
	conf.message_max_size = cfg.milter_message_max_size;
	conf.max_recipients = cfg.mail_max_recipients;
	conf.max_address_bytes = cfg.mail_max_address_bytes;
	atomic_init(&inflight, 0);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl cannot start");
	if (smfi_setconn((char *)sock) != MI_SUCCESS)
		fatalx("--socket %s: not a milter socket", sock);
	if (smfi_register(desc) != MI_SUCCESS)
		fatalx("smfi_register failed");
	if (smfi_opensocket(true) != MI_SUCCESS)
		fatalx("cannot listen on %s", sock);
	milter_socket_mode(sock, cfg.milter_socket_mode);
	milter_nodelay();
	log_info("listening on %s, mugaid at %s", sock, conf.intake_url);
	sdnotify("READY=1\nSTATUS=serving");
	ch = smfi_main();
	sdnotify("STOPPING=1");
	explicit_bzero(conf.token, sizeof(conf.token));
	mclient_cleanup();
	curl_global_cleanup();
	return ch == MI_SUCCESS ? 0 : 1;
}
