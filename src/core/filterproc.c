/* filterproc.c - spawn mugai-filter for one task, bounded in time */
#include "mugai/clock.h"
#include "mugai/filterproc.h"
#include "mugai/log.h"
#include "mugai/nsutil.h"

#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef MUGAI_LIBEXECDIR
#define MUGAI_LIBEXECDIR "/usr/local/libexec/mugai"
#endif

void filterproc_limits(const struct mugai_config *cfg, struct filter_limits *lim)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(lim, 0, sizeof(*lim));
	lim->max_output_bytes = cfg->filter_output_max;
	lim->dpi = cfg->pdf_dpi;
	lim->jpeg_quality = cfg->jpeg_quality;
	lim->image_format = (uint32_t)cfg->pdf_image_format;
	lim->max_pages = cfg->pdf_max_pages;
	lim->max_page_inches = cfg->pdf_max_page_inches;
	lim->max_image_dim = cfg->image_max_dimension;
	lim->max_image_pixels = cfg->image_max_pixels;
	lim->threads = cfg->filter_threads;
	if (lim->threads == 0)
		lim->threads = cores < 1 ? 1 : (cores > 8 ? 8 : (uint32_t)cores);
	lim->max_text_bytes = cfg->text_max_bytes;
	lim->max_members = cfg->archive_max_members;
	lim->max_member_bytes = cfg->archive_max_member_size;
	lim->max_total_bytes = cfg->archive_max_total_size;
	lim->max_ratio = cfg->archive_max_ratio;
	lim->text_layer = (uint32_t)cfg->pdf_text_layer;
	lim->ocr = (uint32_t)cfg->ocr;
	lim->ocr_dpi = cfg->ocr_dpi;
	lim->ocr_page_timeout_ms = cfg->ocr_page_timeout;
	g_strlcpy(lim->ocr_languages, cfg->ocr_languages, sizeof(lim->ocr_languages));
	lim->max_depth = cfg->mail_max_depth;
	lim->max_containers = cfg->mail_max_containers;
}

/*
 * The filter's environment: ours with OMP_THREAD_LIMIT=1.  Tesseract's
 * OpenMP (libgomp) reads it once, when it is loaded, so it must be there
 * before exec; one OCR thread per render thread is faster than both
 * competing for the same cores (measured: 3.3 s a page instead of 9.2 s).
 */
static GPtrArray *filterproc_env(void)
{
	GPtrArray *env = g_ptr_array_new_with_free_func(g_free);

	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "OMP_THREAD_LIMIT=", 17) != 0)
			g_ptr_array_add(env, g_strdup(*e));
	g_ptr_array_add(env, g_strdup("OMP_THREAD_LIMIT=1"));
	g_ptr_array_add(env, NULL);
	return env;
}

#define FILTERPROC_OFFICE_OPEN_FILES 1024 /* LibreOffice opens many files at once */

/* The filter table says which binary carries a filter. */
static int filterproc_class(const char *name)
{
	const struct filterproto_info *fi = filterproto_lookup(name);

	return fi != NULL ? fi->binary : FILTERPROTO_BIN_FULL;
}

/* a filter of a smaller binary, which mugai-filter carries too */
static int filterproc_in_full(const char *name)
{
	int c = filterproc_class(name);

	return c == FILTERPROTO_BIN_LITE || c == FILTERPROTO_BIN_MAIL;
}

void filterproc_config(const struct mugai_config *cfg, const char *name,
		       struct mugai_config *out)
{
	const struct filterproto_info *fi = filterproto_lookup(name);

	*out = *cfg;
	if (fi != NULL && fi->limits == FILTERPROTO_LIMITS_OFFICE) {
		out->filter_timeout = cfg->office_timeout;
		out->filter_memory = cfg->office_memory;
		if (out->filter_open_files < FILTERPROC_OFFICE_OPEN_FILES)
			out->filter_open_files = FILTERPROC_OFFICE_OPEN_FILES;
	}
}

/* prog beside the running executable, else in the install location; `set`
 * (a config key's value) first when not empty */
static const char *filterproc_binary_named(const char *set, const char *prog,
					   char *path, size_t pathlen)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (set[0] != '\0')
		return set;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(path, pathlen, "%s/%s", self, prog) < pathlen &&
			    access(path, X_OK) == 0)
				return path;
		}
	}
	snprintf(path, pathlen, "%s/%s", MUGAI_LIBEXECDIR, prog);
	return path;
}

const char *filterproc_binary(const struct mugai_config *cfg)
{
	static char path[PATH_MAX];

	return filterproc_binary_named(cfg->filter_path, "mugai-filter", path, sizeof(path));
}

/* The binary for filter `name`: MUPDF filters only ever run in
 * mugai-filter-mupdf ([daemon] filter_mupdf_path; filter_path names a binary
 * without MuPDF), LITE ones in mugai-filter-lite and MAIL ones in
 * mugai-filter-mail when it is there. */
static const char *filterproc_binary_for(const struct mugai_config *cfg, const char *name,
					 char *path, size_t pathlen)
{
	switch (filterproc_class(name)) {
	case FILTERPROTO_BIN_MUPDF:
		return filterproc_binary_named(cfg->filter_mupdf_path, "mugai-filter-mupdf",
					       path, pathlen);
	case FILTERPROTO_BIN_LITE:
		return filterproc_binary_named(cfg->filter_path, "mugai-filter-lite", path,
					       pathlen);
	case FILTERPROTO_BIN_MAIL:
		return filterproc_binary_named(cfg->filter_path, "mugai-filter-mail", path,
					       pathlen);
	default:
		return filterproc_binary_named(cfg->filter_path, "mugai-filter", path, pathlen);
	}
}

/* the shared network namespace and the user namespace owning it (or -1),
 * at fds >= 10, close-on-exec: dup'ed to FILTERPROTO_FD_NETNS/USERNS */
static int filterproc_netns_fd = -1, filterproc_userns_fd = -1;

/* a namespace of pid's, at an fd >= 10 */
static int filterproc_ns_open(pid_t pid, const char *ns)
{
	char path[64];
	int fd, hi;

	snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return hi;
}

int filterproc_shared_netns(char *err, size_t errlen)
{
	int ready[2], done[2];
	char c = 'n';
	pid_t pid;

	if (filterproc_netns_fd >= 0)
		return 0;
	if (pipe2(ready, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "shared network namespace: pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(done, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "shared network namespace: pipe: %s", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* the holder: makes the namespaces, says which, waits until
		 * the parent has their fds (or is gone) */
		uid_t uid = getuid();
		gid_t gid = getgid();

		close(ready[0]);
		close(done[1]);
		if (unshare(CLONE_NEWNET) == 0)
			c = 'n';
		else if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 && nsutil_map_self(uid, gid) == 0)
			c = 'u';
		else
			c = '-';
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	if (pid < 0 || read(ready[0], &c, 1) != 1 || (c != 'n' && c != 'u')) {
		snprintf(err, errlen, "shared network namespace: %s",
			 pid < 0 ? strerror(errno) : "the kernel made none");
	} else {
		filterproc_netns_fd = filterproc_ns_open(pid, "net");
		if (c == 'u')
			filterproc_userns_fd = filterproc_ns_open(pid, "user");
		if (filterproc_netns_fd < 0 || (c == 'u' && filterproc_userns_fd < 0)) {
			snprintf(err, errlen, "shared network namespace: %s", strerror(errno));
			if (filterproc_netns_fd >= 0)
				close(filterproc_netns_fd);
			filterproc_netns_fd = -1;
		}
	}
	close(ready[0]);
	close(done[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (filterproc_netns_fd < 0) {
		if (filterproc_userns_fd >= 0)
			close(filterproc_userns_fd);
		filterproc_userns_fd = -1;
		return -1;
	}
	return 0;
}

static void filterproc_fail(struct filter_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void filterproc_fail(struct filter_result *res, const char *fmt, ...)
{
	va_list ap;

	res->status = FILTER_FAILED;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* Reap pid before deadline; kill it when the deadline passes.
 * Returns the wait status; *killed set when we had to kill it.  The exit is
 * waited for on a pidfd (poll wakes us when it comes: a filter that has
 * replied takes its namespaces down in a millisecond or so, which naps of
 * 0.5, 1, 2 ... ms used to overshoot), else by naps. */
static int filterproc_reap(pid_t pid, int64_t deadline, int *killed)
{
	int status = 0, rc, exited = 0;
	useconds_t nap = 500;
#ifdef SYS_pidfd_open
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
	int pfd = -1;
#endif

	*killed = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		int64_t left = deadline - mugai_now_ms();

		if (r == pid) {
			rc = status;
			break;
		}
		if (r < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
		if (left <= 0) {
			kill(pid, SIGKILL);
			*killed = 1;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			rc = status;
			break;
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			int pr = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);

			/* readable and still not reaped (a tracer holds the
			 * exit: strace, gdb): the naps from now on, no spin */
			if ((pr < 0 && errno != EINTR) || (pr > 0 && exited)) {
				close(pfd);
				pfd = -1;
			}
			exited = pr > 0;
			continue;
		}
		usleep(nap);
		if (nap < 20000)
			nap *= 2;
	}
	if (pfd >= 0)
		close(pfd);
	return rc;
}

int filterproc_run(const struct mugai_config *cfg, const char *name,
		   const struct filter_limits *lim, int in_fd, int out_dir_fd,
		   struct filter_result *res, char *sandbox, size_t sandboxlen)
{
	struct filter_request rq;
	struct filter_reply rp;
	unsigned char buf[sizeof(struct filter_reply) + 16];
	posix_spawn_file_actions_t fa;
	GPtrArray *env;
	int sv[2] = { -1, -1 }, hi_in = -1, hi_out = -1, devnull = -1;
	int64_t deadline;
	pid_t pid = -1;
	int status, killed = 0, got_reply = 0, err;
	char binbuf[PATH_MAX];
	const char *bin = filterproc_binary_for(cfg, name, binbuf, sizeof(binbuf));
	char *argv[] = { (char *)"mugai-filter", (char *)name, NULL };

	memset(res, 0, sizeof(*res));
	if (sandbox != NULL && sandboxlen > 0)
		sandbox[0] = '\0';
	memset(&rq, 0, sizeof(rq));
	if (filterproc_class(name) == FILTERPROTO_BIN_MUPDF && access(bin, X_OK) != 0) {
		/* fail closed: no other binary carries it */
		filterproc_fail(res, "filter-missing: " FILTERPROTO_MUPDF_MISSING " (%s: %s)", bin,
				strerror(errno));
		log_warnx("filter %s: %s", name, res->reason);
		return res->status;
	}
	rq.magic = FILTERPROTO_MAGIC;
	rq.version = FILTERPROTO_VERSION;
	if (g_strlcpy(rq.filter, name, sizeof(rq.filter)) >= sizeof(rq.filter)) {
		filterproc_fail(res, "filter name too long: %s", name);
		return res->status;
	}
	rq.limits = *lim;
	rq.cpu_seconds = cfg->filter_cpu_seconds;
	rq.open_files = cfg->filter_open_files;
	rq.address_space = cfg->filter_memory;
	rq.file_size = cfg->filter_output_max;
	rq.sandbox_strict = cfg->sandbox_strict;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
	    (hi_in = fcntl(in_fd, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (hi_out = fcntl(out_dir_fd, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		filterproc_fail(res, "filter-spawn: %s", strerror(errno));
		goto out;
	}
	if (filterproc_in_full(name) && access(bin, X_OK) != 0 && cfg->filter_path[0] == '\0')
		bin = filterproc_binary(cfg); /* no lite or mail build installed: the full one */
	if (lseek(hi_in, 0, SEEK_SET) < 0 && errno != ESPIPE) {
		filterproc_fail(res, "filter-spawn: seek input: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, hi_in, FILTERPROTO_FD_IN);
	posix_spawn_file_actions_adddup2(&fa, devnull, 1);
	posix_spawn_file_actions_adddup2(&fa, sv[1], FILTERPROTO_FD_CHAN);
	posix_spawn_file_actions_adddup2(&fa, hi_out, FILTERPROTO_FD_OUTDIR);
	/* the shared namespace's fds, or /dev/null: never what our own caller
	 * left at those numbers (the filter would join a namespace of that) */
	posix_spawn_file_actions_adddup2(&fa, filterproc_netns_fd >= 0 ? filterproc_netns_fd :
					 devnull, FILTERPROTO_FD_NETNS);
	posix_spawn_file_actions_adddup2(&fa, filterproc_userns_fd >= 0 ? filterproc_userns_fd :
					 devnull, FILTERPROTO_FD_USERNS);
	env = filterproc_env();
	err = posix_spawn(&pid, bin, &fa, NULL, argv, (char **)env->pdata);
	g_ptr_array_free(env, TRUE);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		pid = -1;
		filterproc_fail(res, "filter-spawn: %s: %s", bin, strerror(err));
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;
	deadline = mugai_now_ms() + (int64_t)cfg->filter_timeout * 1000;

	if (send(sv[0], &rq, sizeof(rq), MSG_NOSIGNAL) != (ssize_t)sizeof(rq)) {
		filterproc_fail(res, "filter-spawn: cannot send the request: %s", strerror(errno));
		goto reap;
	}
	for (;;) {
		struct pollfd pfd = { .fd = sv[0], .events = POLLIN };
		int64_t left = deadline - mugai_now_ms();
		ssize_t n;
		int pr;

		if (left <= 0)
			break;
		pr = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		n = recv(sv[0], buf, sizeof(buf), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0 && filterproto_check_reply(buf, (size_t)n) == 0) {
			memcpy(&rp, buf, sizeof(rp));
			got_reply = 1;
		} else if (n > 0) {
			got_reply = -1;
		}
		break;
	}
reap:
	status = filterproc_reap(pid, got_reply ? deadline + 1000 : deadline, &killed);
	if (killed && !got_reply) {
		filterproc_fail(res, "filter-timeout: %s ran longer than %u s", name,
				cfg->filter_timeout);
	} else if (status == -1) {
		filterproc_fail(res, "filter-wait: %s", strerror(errno));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGXCPU)
			filterproc_fail(res, "filter-cpu-limit: %s used more than %u s of CPU",
					name, cfg->filter_cpu_seconds);
		else if (sig == SIGKILL)
			filterproc_fail(res, "filter-killed: %s was killed (SIGKILL: CPU or memory "
					"limit, or the OOM killer)", name);
		else if (sig == SIGXFSZ)
			filterproc_fail(res, "filter-output-too-large: %s wrote more than %llu bytes",
					name, (unsigned long long)cfg->filter_output_max);
		else if (sig == SIGSYS)
			filterproc_fail(res, "filter-sandbox-violation: %s made a forbidden "
					"system call (SIGSYS)", name);
		else
			filterproc_fail(res, "filter-crashed: %s killed by signal %d (%s)", name,
					sig, strsignal(sig));
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		if (got_reply == 1 && rp.status != FILTER_OK)
			filterproc_fail(res, "%s", rp.reason);
		else
			filterproc_fail(res, "filter-exit: %s exited with status %d", name,
					WEXITSTATUS(status));
	} else if (got_reply != 1) {
		filterproc_fail(res, "filter-protocol: %s sent %s", name,
				got_reply == 0 ? "no reply" : "a malformed reply");
	} else {
		res->status = rp.status;
		g_strlcpy(res->reason, rp.reason, sizeof(res->reason));
		if (rp.status == FILTER_OK)
			g_strlcpy(res->output, rp.output, sizeof(res->output));
		if (sandbox != NULL && sandboxlen > 0)
			g_strlcpy(sandbox, rp.sandbox, sandboxlen);
	}
	if (res->status == FILTER_FAILED)
		log_warnx("filter %s: %s", name, res->reason);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (hi_in >= 0)
		close(hi_in);
	if (hi_out >= 0)
		close(hi_out);
	if (devnull >= 0)
		close(devnull);
	return res->status;
}
