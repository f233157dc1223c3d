/*
 * failfs.c - an LD_PRELOAD shim for fault tests, driven by the file named
 * by $MUGAI_FAILFS (read on every call, so a test can change the fault
 * while the daemon runs).  Its first line is either
 *
 *   NAME               fsync() or fdatasync() of a file whose name (last
 *                      component) is NAME fails with EIO
 *   kill OP NAME [N]   the process kills itself (SIGKILL, as kill -9) right
 *                      after the Nth (default 1st) successful OP on NAME:
 *                      OP is fsync (fsync or fdatasync of a file NAME),
 *                      rename (rename/renameat/renameat2 to a name NAME) or
 *                      unlink (unlink/unlinkat of NAME); the count starts
 *                      when the line is written (any change of the line
 *                      starts it again): a crash point at any step.
 *
 * Tests only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAILFS_LINE 512

static pthread_mutex_t failfs_mu = PTHREAD_MUTEX_INITIALIZER;
static char failfs_last[FAILFS_LINE];   /* the kill line being counted */
static unsigned long failfs_count;

/* the control file's first line into line: 0, -1 when none */
static int failfs_ctl(char line[FAILFS_LINE])
{
	const char *ctl = getenv("MUGAI_FAILFS");
	ssize_t n;
	int cfd;

	if (ctl == NULL || (cfd = open(ctl, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(cfd, line, FAILFS_LINE - 1);
	close(cfd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return line[0] != '\0' ? 0 : -1;
}

static const char *failfs_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

/* the last component of fd's path into out: 0, -1 */
static int failfs_fd_name(int fd, char *out, size_t len)
{
	char link[64], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return -1;
	path[n] = '\0';
	snprintf(out, len, "%s", failfs_base(path));
	return 0;
}

/* after a successful op on name: kill ourselves when the line says so */
static void failfs_after(const char *op, const char *name)
{
	char line[FAILFS_LINE], kop[32], kname[256];
	unsigned long nth = 1;
	int fields, hit = 0;

	if (failfs_ctl(line) != 0 || strncmp(line, "kill ", 5) != 0)
		return;
	fields = sscanf(line, "kill %31s %255s %lu", kop, kname, &nth);
	if (fields < 2 || strcmp(kop, op) != 0 || strcmp(kname, name) != 0)
		return;
	pthread_mutex_lock(&failfs_mu);
	if (strcmp(line, failfs_last) != 0) {
		snprintf(failfs_last, sizeof(failfs_last), "%s", line);
		failfs_count = 0;
	}
	hit = ++failfs_count == nth;
	pthread_mutex_unlock(&failfs_mu);
	if (hit)
		kill(getpid(), SIGKILL);
}

static int failfs_eio(int fd)
{
	char line[FAILFS_LINE], name[256];

	if (failfs_ctl(line) != 0 || strncmp(line, "kill ", 5) == 0)
		return 0;
	return failfs_fd_name(fd, name, sizeof(name)) == 0 && strcmp(name, line) == 0;
}

static void failfs_after_fd(int fd)
{
	char name[256];

	if (failfs_fd_name(fd, name, sizeof(name)) == 0)
		failfs_after("fsync", name);
}

/* fsync and fdatasync: EIO when the control file names the fd's file,
 * else the real call, counted for a "kill fsync" rule */
static int failfs_sync(int fd, int (**real)(int), const char *sym)
{
	int rc;

	if (*real == NULL)
		*real = (int (*)(int))dlsym(RTLD_NEXT, sym);
	if (failfs_eio(fd)) {
		errno = EIO;
		return -1;
	}
	rc = (*real)(fd);
	if (rc == 0)
		failfs_after_fd(fd);
	return rc;
}

int fsync(int fd)
{
	static int (*real)(int);

	return failfs_sync(fd, &real, "fsync");
}

int fdatasync(int fd)
{
	static int (*real)(int);

	return failfs_sync(fd, &real, "fdatasync");
}

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	int rc;

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	rc = real(from, to);
	if (rc == 0)
		failfs_after("rename", failfs_base(to));
	return rc;
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	static int (*real)(int, const char *, int, const char *);
	int rc;

	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	rc = real(fd1, from, fd2, to);
	if (rc == 0)
		failfs_after("rename", failfs_base(to));
	return rc;
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned);
	int rc;

	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *, unsigned))
			dlsym(RTLD_NEXT, "renameat2");
	rc = real(fd1, from, fd2, to, flags);
	if (rc == 0)
		failfs_after("rename", failfs_base(to));
	return rc;
}

int unlinkat(int fd, const char *path, int flags)
{
	static int (*real)(int, const char *, int);
	int rc;

	if (real == NULL)
		real = (int (*)(int, const char *, int))dlsym(RTLD_NEXT, "unlinkat");
	rc = real(fd, path, flags);
	if (rc == 0)
		failfs_after("unlink", failfs_base(path));
	return rc;
}

int unlink(const char *path)
{
	static int (*real)(const char *);
	int rc;

	if (real == NULL)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
	rc = real(path);
	if (rc == 0)
		failfs_after("unlink", failfs_base(path));
	return rc;
}
