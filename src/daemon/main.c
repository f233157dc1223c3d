/*
 * mugaid - the sanitisation gateway service.
 *
 *   mugaid [--config FILE] [--listen ADDR:PORT] [--release-listen ADDR:PORT]
 *          [--admin-socket PATH] [--spool DIR] [--database DIR] [--workers N]
 *          [--tokens FILE] [-v]
 *
 * Runs on embedded defaults with no config file: intake on 127.0.0.1:8080,
 * release on 127.0.0.1:8081, spool under $XDG_STATE_HOME/mugai (or
 * $STATE_DIRECTORY under systemd), signatures from /var/lib/clamav.
 * Without tokens it refuses to listen on anything but loopback.  The admin
 * socket ([daemon] admin_socket, default $STATE_DIRECTORY/admin.sock or
 * <spool>/admin.sock, mode 0660) serves `mugai admin`.  Finished jobs older
 * than [daemon] retention_days are purged at start and every hour.
 * SIGHUP, or a change in the database directory, reloads the signatures
 * without stopping; SIGTERM/SIGINT stop it (queued jobs stay queued).
 */
#include "daemon.h"
#include "drop.h"
#include "mugai/filterproc.h"
#include "mugai/log.h"
#include "mugai/sdnotify.h"
#include "mugai/numparse.h"

#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DAEMON_DB_POLL_SECONDS 5
/* descriptors beside the parked ?wait connections: listeners, other
 * connections, spool, workers and their filter pipes */
#define DAEMON_FD_HEADROOM 1024

/* what a finished job is told to: the parked ?wait requests, the drop
 * folders' outboxes */
struct main_notify {
	struct daemon *d;
	struct drop *drop;
};

static void main_job_done(void *arg, const char *id)
{
	struct main_notify *n = arg;

	wait_job_done(&n->d->wait, id);
	drop_job_done(n->drop, id);
}

static void main_committed(void *arg, const char *id, json_t *report,
			   const struct passcand *pc, int rerun)
{
	struct main_notify *n = arg;

	ppap_after_job(n->d, id, report, pc, rerun);
}

static void main_purged(void *arg, const char *id, json_t *result)
{
	struct main_notify *n = arg;

	ppap_purged(n->d, id, result);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mugaid [--config FILE] [--listen ADDR:PORT] [--release-listen ADDR:PORT]\n"
		   "              [--admin-socket PATH] [--spool DIR] [--database DIR]\n"
		   "              [--workers N] [--tokens FILE] [-v]\n");
}

/* the SHA-256 of "", never a token's hash */
#define MAIN_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* "role sha256hex" per line; role: submit, fetch, metrics, admin */
static int load_tokens(struct daemon *d, const char *path)
{
	gchar *text = NULL, **lines;
	GError *err = NULL;
	int n = 0;

	if (!g_file_get_contents(path, &text, NULL, &err)) {
		log_warnx("tokens %s: %s", path, err->message);
		g_error_free(err);
		return -1;
	}
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		gchar **f = g_strsplit_set(g_strstrip(lines[i]), " \t", 2);
		int role;

		if (f[0] == NULL || f[0][0] == '\0' || f[0][0] == '#') {
			g_strfreev(f);
			continue;
		}
		role = strcmp(f[0], "submit") == 0 ? ROLE_SUBMIT : strcmp(f[0], "fetch") == 0 ?
		       ROLE_FETCH : strcmp(f[0], "metrics") == 0 ? ROLE_METRICS :
		       strcmp(f[0], "mail") == 0 ? (ROLE_SUBMIT | ROLE_MAIL) :
		       strcmp(f[0], "admin") == 0 ?
		       (ROLE_ADMIN | ROLE_SUBMIT | ROLE_FETCH | ROLE_METRICS | ROLE_MAIL) : 0;
		if (role == 0 || f[1] == NULL || strlen(g_strstrip(f[1])) != 64 ||
		    strspn(f[1], "0123456789abcdef") != 64) {
			log_warnx("tokens %s:%d: want 'submit|fetch|metrics|mail|admin SHA256HEX'", path,
				  i + 1);
			g_strfreev(f);
			g_strfreev(lines);
			g_free(text);
			return -1;
		}
		/* what `printf '%s' "$TOKEN" | sha256sum` gives for an unset $TOKEN:
		 * an empty Bearer would get this token's role */
		if (strcmp(f[1], MAIN_EMPTY_SHA256) == 0) {
			log_warnx("tokens %s:%d: this is the SHA-256 of the empty string (was "
				  "the token unset when it was hashed?): refused", path, i + 1);
			g_strfreev(f);
			g_strfreev(lines);
			g_free(text);
			return -1;
		}
		g_hash_table_insert(d->tokens, g_strdup(f[1]),
				    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(d->tokens, f[1])) | role));
		n++;
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	return n;
}

/* Parked ?wait requests hold a socket each: raise the soft open-files
 * limit towards the hard one when [daemon] max_waiters needs it. */
static void raise_nofile(uint32_t max_waiters)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_waiters + DAEMON_FD_HEADROOM;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warnx("open files limited to %llu: fewer than [daemon] max_waiters = %u "
			  "parked requests may fit", (unsigned long long)rl.rlim_cur, max_waiters);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "release-listen", required_argument, NULL, 'r' },
		{ "admin-socket", required_argument, NULL, 'a' },
		{ "spool", required_argument, NULL, 's' },
		{ "database", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "tokens", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d;
	const char *config = NULL, *tokens = NULL, *dbdir = NULL, *spool = NULL;
	const char *admin = NULL;
	char err[CONFIG_ERR_MAX];
	struct MHD_Daemon *intake, *release, *adm;
	time_t last_purge;
	int admin_fd;
	pthread_t *workers = NULL;
	struct main_notify notify = { &d, NULL };
	sigset_t set;
	int c, level = LOG_LVL_INFO;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&d, 0, sizeof(d));
	g_strlcpy(d.intake_addr, "127.0.0.1:8080", sizeof(d.intake_addr));
	g_strlcpy(d.release_addr, "127.0.0.1:8081", sizeof(d.release_addr));
	d.workers = cores < 1 ? 1 : (unsigned)cores;
	while ((c = getopt_long(argc, argv, "c:l:r:a:s:d:w:t:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'l': g_strlcpy(d.intake_addr, optarg, sizeof(d.intake_addr)); break;
		case 'r': g_strlcpy(d.release_addr, optarg, sizeof(d.release_addr)); break;
		case 'a': admin = optarg; break;
		case 's': spool = optarg; break;
		case 'd': dbdir = optarg; break;
		case 'w': {
			uint64_t n;

			/* 0 (refused below) when not a number of 1 to 256 */
			d.workers = numparse_whole(optarg, &n, 256) == 0 ? (unsigned)n : 0;
			break;
		}
		case 't': tokens = optarg; break;
		case 'v': level = LOG_LVL_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("mugaid", level);
	if (d.workers < 1 || d.workers > 256)
		fatalx("--workers: 1 to 256");
	config_defaults(&d.cfg);
	if (config != NULL && config_load(&d.cfg, config, err, sizeof(err)) != 0)
		fatalx("%s", err);
	/* while mugaid has one thread (a child is forked for it) */
	if (filterproc_shared_netns(err, sizeof(err)) != 0)
		log_info("%s: each filter makes its own", err);
	if (dbdir != NULL)
		g_strlcpy(d.cfg.database_dir, dbdir, sizeof(d.cfg.database_dir));
	if (spool != NULL)
		g_strlcpy(d.spool_path, spool, sizeof(d.spool_path));
	else if (getenv("STATE_DIRECTORY") != NULL)
		snprintf(d.spool_path, sizeof(d.spool_path), "%s/spool",
			 getenv("STATE_DIRECTORY"));
	else
		snprintf(d.spool_path, sizeof(d.spool_path), "%s/mugai/spool",
			 g_get_user_state_dir());
	{
		const char *ap = admin != NULL ? admin : d.cfg.admin_socket;
		int len;

		if (ap[0] != '\0')
			len = snprintf(d.admin_path, sizeof(d.admin_path), "%s", ap);
		else if (getenv("STATE_DIRECTORY") != NULL)
			len = snprintf(d.admin_path, sizeof(d.admin_path), "%s/admin.sock",
				       getenv("STATE_DIRECTORY"));
		else
			len = snprintf(d.admin_path, sizeof(d.admin_path), "%s/admin.sock", d.spool_path);
		if (len < 0 || (size_t)len >= sizeof(d.admin_path))
			fatalx("admin socket path longer than %zu bytes: set [daemon] admin_socket",
			       sizeof(d.admin_path) - 1);
	}
	d.tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (tokens != NULL && load_tokens(&d, tokens) <= 0)
		fatalx("no usable token in %s", tokens);
	d.open_access = g_hash_table_size(d.tokens) == 0;
	pthread_mutex_init(&d.emu, NULL);
	pthread_mutex_init(&d.jmu, NULL);
	metrics_init(&d.metrics);
	tries_init(&d.tries, d.cfg.password_tries_per_minute, d.cfg.password_tries_max);
	worker_init(&d);

	/* signals are taken synchronously by the main thread below */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.spool = spool_open(NULL, d.spool_path, err, sizeof(err));
	if (d.spool == NULL)
		fatalx("%s", err);
	/* before the signatures load: a second mugaid on this spool stops here;
	 * callers wait in the backlog until the listener is served */
	admin_fd = listen_admin_socket(d.admin_path, err, sizeof(err));
	if (admin_fd < 0)
		fatalx("%s", err);
	{
		char apath[2048];

		if (d.cfg.audit_path[0] != '\0')
			g_strlcpy(apath, d.cfg.audit_path, sizeof(apath));
		else
			snprintf(apath, sizeof(apath), "%s/../audit.jsonl", d.spool_path);
		d.audit = audit_open(apath, &d.cfg, err, sizeof(err));
		if (d.audit == NULL)
			fatalx("%s", err);
		log_info("audit log %s", apath);
	}
	if (engine_reload(&d) != 0)
		log_warnx("no signature database: every job fails until one is loaded "
			  "(/readyz answers 503)");
	/* the workers tell the parked ?wait requests when a job is done */
	if (wait_start(&d.wait, d.cfg.max_waiters) != 0)
		fatalx("cannot start the ?wait deadline thread");
	d.notify.job_done = main_job_done;
	d.notify.committed = main_committed;
	d.notify.purged = main_purged;
	d.notify.arg = &notify;
	if (worker_recover(&d, admin_release_interrupted) != 0)
		fatalx("spool %s: cannot recover", d.spool_path);
	/* the drop folders, before the workers: finished jobs not yet in their
	 * outbox are written there first */
	notify.drop = drop_start(&d, err, sizeof(err));
	if (notify.drop == NULL && err[0] != '\0')
		fatalx("%s", err);
	if (ppap_start(&d) != 0) /* held mails and follow-ups due, from the spool */
		fatalx("cannot start the PPAP sender");
	if (worker_start(&d, &workers) != 0)
		fatalx("cannot start the workers");
	{
		unsigned n;

		admin_purge(&d, d.cfg.retention_days, "housekeeping", &n);
		last_purge = time(NULL);
	}
	raise_nofile(d.cfg.max_waiters);
	intake = listen_start(&d, d.intake_addr, LISTEN_INTAKE, -1, err, sizeof(err));
	if (intake == NULL)
		fatalx("intake: %s", err);
	release = listen_start(&d, d.release_addr, LISTEN_RELEASE, -1, err, sizeof(err));
	if (release == NULL)
		fatalx("release: %s", err);
	adm = listen_start(&d, d.admin_path, LISTEN_ADMIN, admin_fd, err, sizeof(err));
	if (adm == NULL)
		fatalx("%s", err);
	{
		const char *ic, *ik, *rc, *rk;

		listen_tls_paths(&d, LISTEN_INTAKE, &ic, &ik, err, sizeof(err));
		listen_tls_paths(&d, LISTEN_RELEASE, &rc, &rk, err, sizeof(err));
		log_info("intake on %s://%s, release on %s://%s", ic ? "https" : "http",
			 d.intake_addr, rc ? "https" : "http", d.release_addr);
	}
	log_info("admin on %s, spool %s, %u workers%s", d.admin_path, d.spool_path, d.workers,
		 d.open_access ? ", no tokens (loopback only)" : "");
	sdnotify("READY=1\nSTATUS=serving");

	for (;;) {
		struct timespec ts = { DAEMON_DB_POLL_SECONDS, 0 };
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading the signatures");
			engine_reload(&d);
			continue;
		}
		if (time(NULL) - last_purge >= DAEMON_PURGE_INTERVAL ||
		    time(NULL) < last_purge) {
			unsigned n;

			admin_purge(&d, d.cfg.retention_days, "housekeeping", &n);
			last_purge = time(NULL);
		}
		if (sig < 0 && errno == EAGAIN) {
			time_t mt = engine_db_mtime(d.cfg.database_dir);
			int changed;

			pthread_mutex_lock(&d.emu);
			changed = mt != d.db_mtime || d.engine == NULL;
			pthread_mutex_unlock(&d.emu);
			if (changed && mt != 0) {
				log_info("the signature database changed: reloading");
				engine_reload(&d);
			}
			sdnotify("WATCHDOG=1");
		}
	}
	sdnotify("STOPPING=1");
	log_info("stopping");
	/* MHD_stop_daemon() wants no suspended connection left */
	wait_stop(&d.wait);
	drop_stop(notify.drop);
	MHD_stop_daemon(intake);
	MHD_stop_daemon(release);
	MHD_stop_daemon(adm);
	unlink(d.admin_path);
	worker_stop(&d, workers);
	drop_free(notify.drop);
	engine_release(&d, d.engine);
	audit_close(d.audit);
	spool_close(d.spool);
	return 0;
}
