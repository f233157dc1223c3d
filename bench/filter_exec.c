/*
 * filter_exec.c - the CPU one filter run costs, exec and sandbox included:
 * runs filter FILTER of helper binary BIN on INPUT N times the way mugaid
 * does (filterproc_run: posix_spawn, the request, the sandbox, the reply)
 * and prints the children's user + system CPU per run, from getrusage
 * (RUSAGE_CHILDREN), and the wall time per run; like mugaid, it makes the
 * shared network namespace first.  Used by
 * bench/bench_filter_exec.sh.
 *
 *   bench-filter-exec BIN FILTER INPUT N [DIR]
 *       each run writes into a fresh directory, removed after it; with DIR
 *       (mime-repack: it holds the artefacts the plan INPUT names) every run
 *       writes into DIR, and out.eml is removed after each
 *   bench-filter-exec --exec PROG N
 *       the floor: PROG (/bin/true) spawned and reaped N times
 *
 * Output, one line: "cpu_ms=%.3f wall_ms=%.3f ok=%u" (per run; ok: runs
 * that ended FILTER_OK).
 */
#include "mugai/clock.h"
#include "mugai/config.h"
#include "mugai/filterproc.h"
#include "mugai/fsutil.h"

#include <fcntl.h>
#include <glib.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define BENCH_RUNS_MAX 100000

static double children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int runs_of(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < 1 || n > BENCH_RUNS_MAX) {
		fprintf(stderr, "bench-filter-exec: N must be 1..%d\n", BENCH_RUNS_MAX);
		exit(2);
	}
	return (int)n;
}

static void report(double cpu0, int64_t t0, int n, unsigned ok)
{
	printf("cpu_ms=%.3f wall_ms=%.3f ok=%u\n", (children_cpu_ms() - cpu0) / n,
	       (double)(mugai_now_ms() - t0) / n, ok);
}

static int bench_exec(const char *prog, int n)
{
	char *argv[] = { (char *)prog, NULL };
	double cpu0 = children_cpu_ms();
	int64_t t0 = mugai_now_ms();
	unsigned ok = 0;

	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st;

		if (posix_spawn(&pid, prog, NULL, NULL, argv, environ) != 0 ||
		    waitpid(pid, &st, 0) != pid)
			return 1;
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	report(cpu0, t0, n, ok);
	return 0;
}

/* a directory the filter (nobody, when we are root) may write into */
static int out_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && geteuid() == 0 && fchown(fd, FILTERPROTO_UID, FILTERPROTO_UID) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct mugai_config cfg;
	struct filter_limits lim;
	struct filter_result res;
	char sb[FILTERPROTO_SANDBOX_MAX];
	const char *dir;
	double cpu0;
	int64_t t0;
	unsigned ok = 0;
	int n, in, keep = -1;

	if (argc == 4 && strcmp(argv[1], "--exec") == 0)
		return bench_exec(argv[2], runs_of(argv[3]));
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: bench-filter-exec BIN FILTER INPUT N [DIR]\n"
			"       bench-filter-exec --exec PROG N\n");
		return 2;
	}
	n = runs_of(argv[4]);
	dir = argc == 6 ? argv[5] : NULL;
	config_defaults(&cfg);
	if ((size_t)snprintf(cfg.filter_path, sizeof(cfg.filter_path), "%s", argv[1]) >=
	    sizeof(cfg.filter_path))
		return 2;
	filterproc_limits(&cfg, &lim);
	/* as mugaid: the filters that exec nothing share one empty network
	 * namespace made here, once */
	if (filterproc_shared_netns(sb, sizeof(sb)) != 0)
		fprintf(stderr, "bench-filter-exec: %s (each run makes its own)\n", sb);
	in = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (in < 0 || (dir != NULL && (keep = out_dir(dir)) < 0)) {
		perror("bench-filter-exec");
		return 2;
	}
	cpu0 = children_cpu_ms();
	t0 = mugai_now_ms();
	for (int i = 0; i < n; i++) {
		char *tmp = NULL;
		int fd = keep;

		if (keep < 0) {
			tmp = g_dir_make_tmp("mugai-bench-XXXXXX", NULL);
			fd = tmp != NULL ? out_dir(tmp) : -1;
			if (fd < 0) {
				perror("bench-filter-exec: work directory");
				return 2;
			}
		}
		filterproc_run(&cfg, argv[2], &lim, in, fd, &res, sb, sizeof(sb));
		ok += res.status == FILTER_OK;
		if (i == 0 && res.status != FILTER_OK)
			fprintf(stderr, "bench-filter-exec: %s %s: %s\n", argv[1], argv[2],
				res.reason);
		if (keep < 0) {
			close(fd);
			fsutil_remove_tree(AT_FDCWD, tmp, 8);
			g_free(tmp);
		} else {
			unlinkat(keep, FILTERPROTO_OUT_EML, 0);
		}
	}
	report(cpu0, t0, n, ok);
	return 0;
}
