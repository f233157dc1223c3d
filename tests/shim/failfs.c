/*
 * failfs.c - an LD_PRELOAD shim for fault tests: fsync() on a file whose
 * name (last component) is written in the file named by $MUGAI_FAILFS
 * fails with EIO.  The control file is read on every call, so a test can
 * turn the fault on and off while the daemon runs.  Tests only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failfs_hit(int fd)
{
	const char *ctl = getenv("MUGAI_FAILFS");
	char want[256], link[64], path[4096];
	const char *base;
	ssize_t n;
	int cfd;

	if (ctl == NULL || (cfd = open(ctl, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(cfd, want, sizeof(want) - 1);
	close(cfd);
	if (n <= 0)
		return 0;
	want[n] = '\0';
	want[strcspn(want, "\n")] = '\0';
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/');
	return want[0] != '\0' && base != NULL && strcmp(base + 1, want) == 0;
}

int fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (failfs_hit(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}
