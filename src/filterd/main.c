/*
 * mugai-filter - runs exactly one filter on one input, inside a sandbox.
 *
 * Exec'd by mugaid / mugai (src/core/filterproc.c) with the fds of the
 * filter protocol (mugai/filterproto.h): the input, the channel (one struct
 * filter_request in, one struct filter_reply out), the output directory.
 * Everything else is closed.  The sandbox is entered before the input is
 * read.  The exit status is 0 when a reply was sent, whatever the verdict.
 */
#include "filter.h"
#include "mugai/log.h"
#include "sandbox.h"

#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SYS_close_range
#include <sys/syscall.h>
#endif

/* every fd but those of the filter protocol (the input, the channel, the
 * output directory, the shared network namespace's: FILTERPROTO_FD_*) */
static void filterd_close_others(void)
{
	const unsigned first = FILTERPROTO_FD_NETNS + 1;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, first, ~0U, 0U) == 0)
		return;
#endif
	for (int fd = (int)first; fd < 1024; fd++)
		close(fd);
}

static int filterd_reply(const struct filter_result *res, const char *layers)
{
	struct filter_reply rp;

	memset(&rp, 0, sizeof(rp));
	rp.magic = FILTERPROTO_MAGIC;
	rp.version = FILTERPROTO_VERSION;
	rp.status = res->status;
	g_strlcpy(rp.reason, res->reason, sizeof(rp.reason));
	g_strlcpy(rp.sandbox, layers, sizeof(rp.sandbox));
	if (res->status == FILTER_OK && filterproto_output_valid(res->output))
		g_strlcpy(rp.output, res->output, sizeof(rp.output));
	if (send(FILTERPROTO_FD_CHAN, &rp, sizeof(rp), MSG_NOSIGNAL) != (ssize_t)sizeof(rp))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char buf[sizeof(struct filter_request) + 16];
	struct filter_request rq;
	struct filter_result res;
	struct sandbox_params sp;
	const struct filter_ops *ops;
	char layers[FILTERPROTO_SANDBOX_MAX], why[FILTER_REASON_MAX / 2];
	ssize_t n;

	(void)argc;
	(void)argv;
	log_init("mugai-filter", LOG_LVL_WARN);
	signal(SIGPIPE, SIG_IGN);
	filterd_close_others();

	do {
		n = recv(FILTERPROTO_FD_CHAN, buf, sizeof(buf), MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		fatal("read request");
	if (filterproto_check_request(buf, (size_t)n) != 0)
		fatalx("malformed request (%zd bytes)", n);
	memcpy(&rq, buf, sizeof(rq));
	ops = filter_lookup(rq.filter);
	if (ops == NULL)
		fatalx("unknown filter '%s'", rq.filter);

	memset(&sp, 0, sizeof(sp));
	sp.cpu_seconds = rq.cpu_seconds;
	sp.open_files = rq.open_files;
	sp.address_space = rq.address_space;
	sp.file_size = rq.file_size;
	sp.strict = (int)rq.sandbox_strict;
	sp.out_dir_fd = FILTERPROTO_FD_OUTDIR;
	sp.allow_exec = (ops->sandbox_flags & FILTER_SANDBOX_EXEC) != 0;
	memset(&res, 0, sizeof(res));
	if (sandbox_enter(&sp, layers, sizeof(layers), why, sizeof(why)) != 0) {
		filter_set(&res, FILTER_FAILED, "sandbox-incomplete: %s; active layers: %s", why,
			   layers[0] ? layers : "none");
		filterd_reply(&res, layers);
		return 0;
	}

	/* a filter never parses a type it was not written for, whatever the
	 * caller asks ("" : a test filter run without a type) */
	if (rq.limits.mime[0] != '\0' && ops->accepts != NULL && !ops->accepts(rq.limits.mime)) {
		filter_set(&res, FILTER_FAILED, "filter-refused: %s does not read %s", ops->name,
			   rq.limits.mime);
		filterd_reply(&res, layers);
		return 0;
	}
	res.status = FILTER_FAILED;
	if (ops->run(FILTERPROTO_FD_IN, FILTERPROTO_FD_OUTDIR, &rq.limits, &res) != 0) {
		res.status = FILTER_FAILED;
		if (res.reason[0] == '\0')
			g_strlcpy(res.reason, "filter-internal-error", sizeof(res.reason));
	}
	explicit_bzero(&rq.limits.password, sizeof(rq.limits.password));
	if (filterd_reply(&res, layers) != 0)
		fatal("send reply");
	return 0;
}
