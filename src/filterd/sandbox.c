/*
 * sandbox.c - confine mugai-filter before it touches the input.
 *
 * Order (after minijail): namespaces (no network, a bare mount tree) ->
 * rlimits -> uid drop ->
 * no_new_privs -> Landlock -> seccomp allow-list last.  pdeathsig, rlimits, the
 * uid drop, no_new_privs and seccomp are mandatory in every mode: if one
 * fails the filter does not run.  The namespaces and Landlock are best effort
 * (a kernel may lack them); the reply names the layers that were active, and
 * with sandbox = strict a missing one refuses the run.
 */
#include "sandbox.h"
#include "mugai/filterproc.h"
#include "mugai/log.h"
#include "mugai/nsutil.h"

#include <linux/landlock.h>
#include <linux/nsfs.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <grp.h>
#include <limits.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif
#ifndef SANDBOX_ASAN
#define SANDBOX_ASAN 0
#endif

/* mugai-filter-test (tests/filterd/test_filters.c) defines this to make a
 * chosen layer fail, for the tests of what such a failure does; in
 * mugai-filter it is NULL and nothing is ever forced. */
extern int sandbox_test_fault(const char *layer) __attribute__((weak));

static int sandbox_fault(const char *layer)
{
	if (sandbox_test_fault != NULL && sandbox_test_fault(layer)) {
		errno = EPERM;
		return 1;
	}
	return 0;
}

static void sandbox_add(char *layers, size_t len, const char *name)
{
	size_t used = strlen(layers);

	snprintf(layers + used, len - used, "%s%s", used ? "," : "", name);
}

/* set when sandbox_netns() (or sandbox_mountns()) made a user namespace:
 * we then hold CAP_SYS_ADMIN over the namespaces we create next */
static int sandbox_in_userns;

/* map our own ids into a fresh user namespace, so that files we create keep
 * their owner */
static int sandbox_userns_maps(uid_t uid, gid_t gid)
{
	if (nsutil_map_self(uid, gid) != 0)
		return -1;
	sandbox_in_userns = 1;
	return 0;
}

/*
 * The shared network namespace of the filters that exec nothing
 * (filterproc_shared_netns: made once by mugaid, empty, held by the fds
 * FILTERPROTO_FD_USERNS, the user namespace that owns it when mugaid is not
 * root, and FILTERPROTO_FD_NETNS).  Joining it costs a system call where
 * making a namespace costs the kernel ~0.6 ms per process (measured: a
 * light filter's sandbox, 1.45 ms with its own, 0.82 without).  It has
 * nothing in it but a loopback that nothing can bring up, and such a
 * filter can make no socket at all (seccomp), so sharing it gives another
 * job's filter nothing to reach.  A filter that execs (LibreOffice, whose
 * processes talk over AF_UNIX sockets) never joins it: join = 0.  The fds
 * are closed whatever happens; -1 (make our own) when they are not there,
 * join is 0, or joining fails.
 */
static int sandbox_is_ns(int fd, int type)
{
	return fcntl(fd, F_GETFD) >= 0 && ioctl(fd, NS_GET_NSTYPE) == type;
}

static int sandbox_join_netns(int join)
{
	int rc = -1;

	/* (an fd of another kind there is one mugaid let through: not ours) */
	if (join && sandbox_is_ns(FILTERPROTO_FD_NETNS, CLONE_NEWNET)) {
		rc = 0;
		if (sandbox_is_ns(FILTERPROTO_FD_USERNS, CLONE_NEWUSER)) {
			rc = setns(FILTERPROTO_FD_USERNS, CLONE_NEWUSER);
			if (rc == 0)
				sandbox_in_userns = 1;
		}
		if (rc == 0)
			rc = setns(FILTERPROTO_FD_NETNS, CLONE_NEWNET);
		if (rc != 0)
			log_debug("shared network namespace not joined: %s", strerror(errno));
	}
	close(FILTERPROTO_FD_USERNS);
	close(FILTERPROTO_FD_NETNS);
	return rc;
}

/* A network namespace with nothing in it but a down loopback: the shared
 * one for a filter that execs nothing, else one of its own */
static int sandbox_netns(int allow_exec)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (sandbox_join_netns(!allow_exec) == 0)
		return 0;
	/* (in the shared user namespace when only its network one failed) */
	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		return -1;
	return sandbox_userns_maps(uid, gid);
}

static int sandbox_rlimit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };

	return setrlimit(res, &rl);
}

/*
 * Landlock: writes only beneath the output directory; reads only from what a
 * parser needs (libraries, fonts, poppler-data, locale data, its own /proc
 * entries); nothing executed.  A compromised parser can neither plant files
 * nor read secrets (/etc/shadow, keys, other jobs' spool) to smuggle them
 * into its output.  The input is an fd opened before.
 */
static const char *const sandbox_read_paths[] = {
	"/usr", "/lib", "/lib64", "/lib32", "/etc/fonts", "/etc/ld.so.cache",
	/* fonts-japanese-{gothic,mincho}.ttf and others are links through here */
	"/etc/alternatives",
	"/etc/localtime", "/etc/gtk-3.0", "/var/cache/fontconfig", "/proc/self",
	"/sys/devices/system/cpu", "/dev/null", "/dev/urandom", "/dev/zero",
	NULL,
};

/* LibreOffice also reads its configuration and writes nowhere else */
static const char *const sandbox_read_paths_exec[] = {
	"/etc", "/bin", "/sbin", "/opt", NULL,
};

/*
 * Mount namespace: the filter sees a read-only tmpfs root holding only
 * read-only bind mounts of sandbox_read_paths (and, with
 * FILTER_SANDBOX_EXEC, sandbox_read_paths_exec); /proc holds nothing but
 * our own /proc/<pid> (and "self" pointing there).  No spool, no other
 * job, no /home, /root, /run, /var/lib, /tmp.  The input and the output
 * directory are fds opened before and stay usable.  Landlock still decides
 * what may be read or written; this takes away what a Landlock gap (or a
 * kernel without Landlock) would expose.
 *
 * Set up before the uid drop and Landlock (a Landlocked process may not
 * change mounts).  Any failure leaves the layer inactive; with
 * sandbox = strict that refuses the run.
 */
#define SANDBOX_NEWROOT "/tmp"

/* create path beneath the new root (parents 0755): a directory, a file or
 * a copy of a symbolic link */
static int sandbox_mkpath(const char *path, mode_t kind, const char *link)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s%s", SANDBOX_NEWROOT, path);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	for (char *p = buf + strlen(SANDBOX_NEWROOT) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (kind == S_IFDIR)
		return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
	if (kind == S_IFLNK)
		return symlink(link, buf);
	n = open(buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (n < 0)
		return errno == EEXIST ? 0 : -1;
	close(n);
	return 0;
}

/* the flags a remount must keep (in a user namespace they are locked) */
static unsigned long sandbox_locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) != 0)
		return MS_NOSUID | MS_NODEV;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* bind src read-only at dst (dst relative to the new root, same name when
 * NULL); a path that does not exist here is skipped */
static int sandbox_bind_ro(const char *src, const char *dst)
{
	char target[512], link[512];
	struct stat st;
	ssize_t n;

	if (dst == NULL)
		dst = src;
	if (lstat(src, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(st.st_mode)) {
		/* /lib -> usr/lib, /etc/localtime -> ../usr/share/zoneinfo/...:
		 * the same link, its target is bound by its own entry */
		n = readlink(src, link, sizeof(link) - 1);
		if (n <= 0)
			return -1;
		link[n] = '\0';
		return sandbox_mkpath(dst, S_IFLNK, link);
	}
	if (sandbox_mkpath(dst, S_ISDIR(st.st_mode) ? S_IFDIR : S_IFREG, NULL) != 0)
		return -1;
	if ((size_t)snprintf(target, sizeof(target), "%s%s", SANDBOX_NEWROOT, dst) >=
	    sizeof(target))
		return -1;
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) != 0)
		return -1;
	return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
		     sandbox_locked_flags(src), NULL);
}

/* The output directory, reopened by its path in this mount namespace (a
 * bind mount's source must be a mount of the caller's namespace); checked
 * to be the same directory.  -1 on failure. */
static int sandbox_reopen_dir(int dir_fd)
{
	char src[64], path[PATH_MAX];
	struct stat a, b;
	ssize_t n;
	int fd;

	snprintf(src, sizeof(src), "/proc/self/fd/%d", dir_fd);
	n = readlink(src, path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 1)
		return -1;
	path[n] = '\0';
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &a) != 0 || fstat(dir_fd, &b) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/*
 * FILTER_SANDBOX_EXEC (LibreOffice) also gets a private, writable /tmp
 * (LibreOffice binds its single-instance socket there) holding only the
 * task's output directory, bound at FILTER_SANDBOX_WORK: LibreOffice takes
 * paths, not fds.
 */
static int sandbox_private_tmp(int work_fd)
{
	char src[64];

	snprintf(src, sizeof(src), "/proc/self/fd/%d", work_fd);
	if (sandbox_mkpath("/tmp", S_IFDIR, NULL) != 0 ||
	    mount("mugai-tmp", SANDBOX_NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=16m,mode=1777") != 0 ||
	    mkdir(SANDBOX_NEWROOT FILTER_SANDBOX_WORK, 0755) != 0 ||
	    mount(src, SANDBOX_NEWROOT FILTER_SANDBOX_WORK, NULL, MS_BIND, NULL) != 0)
		return -1;
	return 0;
}

static int sandbox_mountns(int allow_exec, int out_dir_fd)
{
	char self[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int rc = 0, work_fd = -1;

	if (unshare(CLONE_NEWNS) != 0) {
		/* no network namespace either: a user namespace of our own */
		if (sandbox_in_userns || unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0 ||
		    sandbox_userns_maps(uid, gid) != 0)
			return -1;
	}
	/* nothing we mount may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	/* before the new root covers SANDBOX_NEWROOT (the job directory may
	 * be below /tmp) */
	if (allow_exec && (work_fd = sandbox_reopen_dir(out_dir_fd)) < 0)
		return -1;
	if (mount("mugai-root", SANDBOX_NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=64k,nr_inodes=256,mode=0755") != 0)
		return -1;
	for (size_t i = 0; sandbox_read_paths[i] != NULL && rc == 0; i++)
		if (strcmp(sandbox_read_paths[i], "/proc/self") != 0)
			rc = sandbox_bind_ro(sandbox_read_paths[i], NULL);
	for (size_t i = 0; allow_exec && sandbox_read_paths_exec[i] != NULL && rc == 0; i++)
		rc = sandbox_bind_ro(sandbox_read_paths_exec[i], NULL);
	/* /proc/<pid> and self -> <pid> (LeakSanitizer's tracer, another
	 * process, reads /proc/<our pid>/task) */
	snprintf(self, sizeof(self), "/proc/%d", (int)getpid());
	if (rc == 0)
		rc = sandbox_bind_ro(self, NULL);
	if (rc == 0)
		rc = sandbox_mkpath("/proc/self", S_IFLNK, self + strlen("/proc/"));
	if (rc == 0 && allow_exec)
		rc = sandbox_private_tmp(work_fd);
	if (work_fd >= 0)
		close(work_fd);
	if (rc != 0 || chdir(SANDBOX_NEWROOT) != 0)
		return -1;
	/* pivot_root(".", "."): the old root ends up on top, detach it */
	if (syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 ||
	    chdir("/") != 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
		     MS_NOEXEC, NULL);
}

/* is /tmp the private tmpfs holding the work directory (sandbox_private_tmp)? */
static int sandbox_is_private_tmp(void)
{
	struct stat a, b;

	return stat("/tmp", &a) == 0 && stat(FILTER_SANDBOX_WORK, &b) == 0 && a.st_dev != b.st_dev;
}

static int sandbox_landlock_allow(int rfd, const char *path, uint64_t rights)
{
	struct landlock_path_beneath_attr pb;
	int fd = open(path, O_PATH | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return 0; /* not on this system: nothing to allow */
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	/* a file may only be given file rights */
	rc = (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (rc != 0 && errno == EINVAL) {
		pb.allowed_access = rights & (LANDLOCK_ACCESS_FS_READ_FILE |
					      LANDLOCK_ACCESS_FS_EXECUTE);
		rc = (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	}
	close(fd);
	return rc;
}

static int sandbox_landlock(int out_dir_fd, int allow_exec)
{
#if defined(SYS_landlock_create_ruleset) && defined(LANDLOCK_CREATE_RULESET_VERSION)
	struct landlock_ruleset_attr attr;
	struct landlock_path_beneath_attr pb;
	uint64_t write_rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
	uint64_t read_rights = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	uint64_t exec_right = LANDLOCK_ACCESS_FS_EXECUTE;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	int rfd, rc = 0;

	if (abi < 1)
		return -1;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		write_rights |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (abi >= 3)
		write_rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = write_rights | read_rights | exec_right;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rfd < 0)
		return -1;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = write_rights | read_rights;
	pb.parent_fd = out_dir_fd;
	rc |= (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	for (size_t i = 0; sandbox_read_paths[i] != NULL; i++)
		rc |= sandbox_landlock_allow(rfd, sandbox_read_paths[i],
					     read_rights | (allow_exec ? exec_right : 0));
	if (allow_exec) {
		for (size_t i = 0; sandbox_read_paths_exec[i] != NULL; i++)
			rc |= sandbox_landlock_allow(rfd, sandbox_read_paths_exec[i],
						     read_rights | exec_right);
		/* the private /tmp of the mount namespace only: without it
		 * /tmp is the host's and stays unwritable (LibreOffice then
		 * fails, closed) */
		if (sandbox_is_private_tmp())
			rc |= sandbox_landlock_allow(rfd, "/tmp", write_rights | read_rights);
	}
	if (rc == 0)
		rc = (int)syscall(SYS_landlock_restrict_self, rfd, 0);
	close(rfd);
	return rc == 0 ? 0 : -1;
#else
	(void)out_dir_fd;
	(void)allow_exec;
	errno = ENOSYS;
	return -1;
#endif
}

/* SIGXCPU at the soft limit (reported as "cpu limit"), SIGKILL a second later */
static int sandbox_cpu_limit(rlim_t seconds)
{
	struct rlimit rl = { seconds, seconds + 1 };

	return setrlimit(RLIMIT_CPU, &rl);
}

/*
 * seccomp: an ALLOW-list, default SCMP_ACT_KILL_PROCESS.
 *
 * Loaded last, when the namespaces, rlimits, uid drop, no_new_privs and
 * Landlock are in place, so it only has to admit what a filter does from
 * then on: parse an fd, allocate, run worker threads, write files beneath
 * the output directory (Landlock decides which paths), answer on fd 3 and
 * exit.  The set was measured with `strace -f` and a SCMP_ACT_LOG build
 * (MUGAI_SECCOMP_LOG, below) over every filter on the samples, the hostile
 * corpus, the archive bombs and the bad inputs, with gcc and with the
 * ASan/UBSan build; a few neighbours of what was seen are admitted where a
 * library may take either path (statx for newfstatat, pread for read...).
 * Re-measured with scripts/measure-syscalls.py (strace -f over a
 * MUGAI_SECCOMP_LOG build) on real documents of every type in auto, text
 * and cdr modes with 176 fonts installed (scripts/setup-deps.sh): only
 * sysinfo was missing.
 *
 * A system call outside the list kills the whole process with SIGSYS; the
 * parent reports "filter-sandbox-violation".  A call that is missing here
 * therefore shows up as a failed job, never as a released file.
 */
static const int sandbox_allow_base[] = {
	/* file descriptors: the input, the output directory, libraries, fonts */
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(pread64), SCMP_SYS(preadv),
	SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(pwrite64), SCMP_SYS(pwritev),
	SCMP_SYS(openat), SCMP_SYS(close), SCMP_SYS(lseek), SCMP_SYS(fcntl),
	SCMP_SYS(dup), SCMP_SYS(dup3),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(fstatfs),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(getdents64),
	SCMP_SYS(fadvise64),
	/* output: beneath out_dir_fd only (Landlock) */
	SCMP_SYS(mkdirat), SCMP_SYS(unlinkat), SCMP_SYS(renameat), SCMP_SYS(renameat2),
	SCMP_SYS(ftruncate), SCMP_SYS(fallocate), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	/* memory (mmap and mprotect: see the W^X rules in sandbox_seccomp) */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	/* threads (clone: CLONE_THREAD only, in sandbox_seccomp) */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* signals */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack),
	/* identity, time, randomness */
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(uname), SCMP_SYS(getrandom),
	SCMP_SYS(getrlimit), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep),
	/* glibc's qsort() asks for the physical memory size when the array
	 * passes 1 KiB: fontconfig sorts the font list for a substitution,
	 * so with more than 128 fonts every PDF with a non-embedded font
	 * needs it.  It tells memory, swap, load and uptime: nothing of
	 * another job, nothing a file can be made of. */
	SCMP_SYS(sysinfo),
};

/*
 * FILTER_SANDBOX_EXEC (the LibreOffice filter, filters/office.c): soffice.bin
 * is exec'd and may fork helpers that talk over AF_UNIX sockets and pipes.  Still
 * no network (empty network namespace, and socket() is AF_UNIX only), no
 * ptrace, mount, namespaces or kernel interfaces.  kill() may reach any
 * process of the same uid (there is no PID namespace yet): a denial of
 * service at worst, which the parent's timeouts turn into failed jobs.
 * The tail of the table was measured on real conversions (SIGSYS audit
 * lines in the kernel log, `dmesg | grep syscall=`); re-measure it when
 * LibreOffice is upgraded.
 */
static const int sandbox_allow_exec[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(kill), SCMP_SYS(getppid),
	SCMP_SYS(setsid), SCMP_SYS(setpgid), SCMP_SYS(getpgid), SCMP_SYS(getpgrp),
	SCMP_SYS(arch_prctl), SCMP_SYS(set_tid_address), SCMP_SYS(prctl),
	SCMP_SYS(prlimit64), SCMP_SYS(sched_setaffinity),
	SCMP_SYS(chdir), SCMP_SYS(fchdir), SCMP_SYS(getcwd), SCMP_SYS(umask),
	SCMP_SYS(dup2), SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(eventfd2),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait), SCMP_SYS(memfd_create), SCMP_SYS(statfs),
	SCMP_SYS(fchmod), SCMP_SYS(symlinkat), SCMP_SYS(linkat),
	/* soffice.bin calls link() too, not on every run (seen killed by it
	 * in test_mail_e2e's docm conversion on a loaded machine, 7.4.7);
	 * linkat is allowed already, Landlock bounds where either writes */
	SCMP_SYS(link), SCMP_SYS(ioctl),
	SCMP_SYS(inotify_init1), SCMP_SYS(inotify_add_watch), SCMP_SYS(inotify_rm_watch),
	/* AF_UNIX only: socket() and socketpair() are checked below */
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept),
	SCMP_SYS(accept4), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	/* measured with strace on soffice.bin converting docx, xlsx, pptx,
	 * doc, xls, ppt and rtf (to pdf and to OOXML) */
	SCMP_SYS(chown), SCMP_SYS(fchown), SCMP_SYS(fchownat), SCMP_SYS(lchown),
	SCMP_SYS(mkdir), SCMP_SYS(rmdir), SCMP_SYS(unlink), SCMP_SYS(rename),
	SCMP_SYS(chmod), SCMP_SYS(close_range), SCMP_SYS(mlock), SCMP_SYS(munlock),
	SCMP_SYS(restart_syscall), SCMP_SYS(getresuid), SCMP_SYS(getresgid),
	SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(open), SCMP_SYS(getdents),
	SCMP_SYS(utimensat), SCMP_SYS(flock), SCMP_SYS(sched_getparam),
	SCMP_SYS(sched_getscheduler), SCMP_SYS(sched_get_priority_max),
	SCMP_SYS(sched_get_priority_min), SCMP_SYS(getpriority), SCMP_SYS(setpriority),
};

#if SANDBOX_ASAN
/*
 * Sanitizer builds only (SANDBOX_ASAN: the compiler's __SANITIZE_ADDRESS__ /
 * __has_feature(address_sanitizer)).  At exit LeakSanitizer clones a tracer
 * (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_UNTRACED, no CLONE_THREAD: see the
 * clone rule below) that ptrace()s every thread, waits for them and reads
 * /proc/<pid>/task with open() and getdents().  None of this is in a
 * production build.
 */
static const int sandbox_allow_asan[] = {
	SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(prctl), SCMP_SYS(getppid),
	/* the sanitizer runtime makes raw x86-64 calls glibc no longer uses */
	SCMP_SYS(open), SCMP_SYS(stat), SCMP_SYS(getdents),
};
#endif

/*
 * Never allowed, whatever the flags: checked against the tables above
 * before the filter is loaded (a table edit that admits one of these makes
 * the seccomp layer fail, and sandbox = strict refuses to run).  With
 * FILTER_SANDBOX_EXEC the process-creation and AF_UNIX calls in
 * sandbox_allow_exec are the only exceptions.
 */
static const int sandbox_never[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind),
	SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4),
	SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
	SCMP_SYS(move_mount), SCMP_SYS(open_tree), SCMP_SYS(fsopen), SCMP_SYS(fsmount),
	SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
	SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
	SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(init_module),
	SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(userfaultfd),
	SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
	SCMP_SYS(setuid), SCMP_SYS(setgid), SCMP_SYS(setreuid), SCMP_SYS(setregid),
	SCMP_SYS(setresuid), SCMP_SYS(setresgid), SCMP_SYS(setgroups),
	SCMP_SYS(name_to_handle_at), SCMP_SYS(open_by_handle_at), SCMP_SYS(iopl),
	SCMP_SYS(ioperm), SCMP_SYS(reboot), SCMP_SYS(swapon), SCMP_SYS(swapoff),
	SCMP_SYS(acct), SCMP_SYS(settimeofday), SCMP_SYS(clock_settime),
	SCMP_SYS(sethostname), SCMP_SYS(setdomainname), SCMP_SYS(fanotify_init),
	SCMP_SYS(quotactl), SCMP_SYS(pidfd_getfd), SCMP_SYS(kcmp), SCMP_SYS(seccomp),
	SCMP_SYS(landlock_create_ruleset), SCMP_SYS(personality), SCMP_SYS(mknodat),
};

#define SANDBOX_N(a) (sizeof(a) / sizeof((a)[0]))

static int sandbox_in(const int *set, size_t n, int nr)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == nr)
			return 1;
	return 0;
}

/* exceptions FILTER_SANDBOX_EXEC makes to sandbox_never */
static int sandbox_exec_exception(int nr)
{
	return nr == SCMP_SYS(execve) || nr == SCMP_SYS(execveat) || nr == SCMP_SYS(fork) ||
	       nr == SCMP_SYS(vfork) || nr == SCMP_SYS(socket) || nr == SCMP_SYS(socketpair) ||
	       nr == SCMP_SYS(connect) || nr == SCMP_SYS(bind) || nr == SCMP_SYS(listen) ||
	       nr == SCMP_SYS(accept) || nr == SCMP_SYS(accept4);
}

/* -1 when a table admits a call from sandbox_never (a programming error) */
static int sandbox_check_tables(int allow_exec)
{
	for (size_t i = 0; i < SANDBOX_N(sandbox_never); i++) {
		int nr = sandbox_never[i];

		if (sandbox_in(sandbox_allow_base, SANDBOX_N(sandbox_allow_base), nr))
			return -1;
		if (allow_exec && !sandbox_exec_exception(nr) &&
		    sandbox_in(sandbox_allow_exec, SANDBOX_N(sandbox_allow_exec), nr))
			return -1;
#if SANDBOX_ASAN
		/* LeakSanitizer's tracer: the one relaxation of the list */
		if (nr != SCMP_SYS(ptrace) &&
		    sandbox_in(sandbox_allow_asan, SANDBOX_N(sandbox_allow_asan), nr))
			return -1;
#endif
	}
	return 0;
}

static int sandbox_allow_set(scmp_filter_ctx ctx, uint32_t act, const int *set, size_t n,
			     unsigned int *count)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		rc |= seccomp_rule_add(ctx, act, set[i], 0);
		(*count)++;
	}
	return rc;
}

/*
 * MUGAI_SECCOMP_LOG (a developer build, never a release): the default action
 * logs (dmesg: "audit: type=1326 ... syscall=N") instead of killing, to find
 * a missing call.  The layer is then reported as "seccomp-log" and does not
 * count as active: sandbox = strict refuses to run.
 */
#ifdef MUGAI_SECCOMP_LOG
#define SANDBOX_DEFAULT_ACT SCMP_ACT_LOG
#else
#define SANDBOX_DEFAULT_ACT SCMP_ACT_KILL_PROCESS
#endif

/* namespace flags a thread never needs (and clone must never get) */
#define SANDBOX_CLONE_NS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
			  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

static int sandbox_seccomp(int allow_exec, unsigned int *count)
{
	scmp_filter_ctx ctx;
	const uint32_t allow = SCMP_ACT_ALLOW;
	const scmp_datum_t self = (scmp_datum_t)getpid();
	const scmp_datum_t wx = PROT_WRITE | PROT_EXEC;
	const scmp_datum_t thread = CLONE_THREAD | CLONE_VM | CLONE_SIGHAND;
	int rc = 0;

	*count = 0;
	if (sandbox_check_tables(allow_exec) != 0) {
		log_warnx("seccomp: an allow table admits a forbidden system call");
		errno = EINVAL;
		return -1;
	}
	ctx = seccomp_init(SANDBOX_DEFAULT_ACT);
	if (ctx == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rc |= sandbox_allow_set(ctx, allow, sandbox_allow_base, SANDBOX_N(sandbox_allow_base),
				count);
	/* W^X: memory is never writable and executable at once (nothing here
	 * JIT-compiles); dlopen() maps code read-only + exec */
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, wx, 0));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mmap), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_WRITE));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mmap), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_EXEC));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mprotect), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, 0));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mprotect), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_WRITE));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mprotect), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_EXEC));
	/* LibreOffice's C++ UNO bridge writes call trampolines at run time:
	 * the exec filter needs writable + executable memory (measured:
	 * SIGSYS on mprotect otherwise) */
	if (allow_exec) {
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, wx));
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, wx, wx));
		*count += 2;
	}
	/* the reply, on the channel the request came in on: send() is sendto()
	 * without an address */
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(sendto), 2,
			       SCMP_A0(SCMP_CMP_EQ, FILTERPROC_FD_CHAN), SCMP_A4(SCMP_CMP_EQ, 0));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(sendmsg), 1,
			       SCMP_A0(SCMP_CMP_EQ, FILTERPROC_FD_CHAN));
	/* abort(), raise(): signals to ourselves only */
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, self));
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, self));
	/* reading a limit (getrlimit() is prlimit64(0, res, NULL, old)) */
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(prlimit64), 2,
			       SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
	/* isatty() (stdio, GLib's log writer): TCGETS, which only reads */
	rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, TCGETS));
	*count += 12;
	/* a thread's name (GLib names its threads: pango's "[pango] FcInit",
	 * measured on the svg filter drawing text); PR_SET_NAME only.  The
	 * exec and sanitizer tables allow every prctl already. */
	if (!allow_exec && !SANDBOX_ASAN) {
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
		(*count)++;
	}
	/* clone3 passes its flags in memory, where seccomp cannot look: ENOSYS
	 * makes glibc fall back to clone */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	(*count)++;
	/* GLib's default log writer asks whether stderr is the journal's
	 * socket (getpeername) and, if so, opens a socket of its own to log
	 * there, which would be fatal here.  "Not a socket": it writes to
	 * stderr, which under systemd reaches the journal all the same. */
	if (!allow_exec) {
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTSOCK), SCMP_SYS(getpeername), 0);
		(*count)++;
	}
	if (allow_exec) {
		rc |= sandbox_allow_set(ctx, allow, sandbox_allow_exec,
					SANDBOX_N(sandbox_allow_exec), count);
		/* new processes, but never new namespaces */
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, SANDBOX_CLONE_NS, 0));
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(socketpair), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
		*count += 3;
	} else {
		/* threads only: CLONE_THREAD (which implies CLONE_VM and
		 * CLONE_SIGHAND), no namespace flag */
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, thread | SANDBOX_CLONE_NS,
					       thread));
		(*count)++;
#if SANDBOX_ASAN
		/* LeakSanitizer's StopTheWorld tracer: shares our memory and
		 * files, cannot exec (execve is not allowed) */
		rc |= seccomp_rule_add(ctx, allow, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ,
					       thread | SANDBOX_CLONE_NS | CLONE_FS | CLONE_FILES |
					       CLONE_UNTRACED,
					       CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED));
		(*count)++;
#endif
	}
#if SANDBOX_ASAN
	for (size_t i = 0; i < SANDBOX_N(sandbox_allow_asan); i++) {
		int nr = sandbox_allow_asan[i];

		/* already in the table above, with or without conditions */
		if (allow_exec && sandbox_in(sandbox_allow_exec, SANDBOX_N(sandbox_allow_exec), nr))
			continue;
		rc |= seccomp_rule_add(ctx, allow, nr, 0);
		(*count)++;
	}
#endif
	if (rc != 0) {
		errno = EINVAL; /* a rule libseccomp refused */
	} else {
		rc = seccomp_load(ctx);
		if (rc < 0)
			errno = -rc;
	}
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}

/* a mandatory layer could not be applied: why names it */
static int sandbox_refuse(char *why, size_t whylen, const char *layer)
{
	snprintf(why, whylen, "%s could not be applied: %s", layer, strerror(errno));
	log_warnx("sandbox: %s", why);
	return -1;
}

/*
 * Mandatory in every mode, since nothing but our own error can make them
 * fail: PR_SET_PDEATHSIG, rlimits, the uid drop (when started as root),
 * no_new_privs and seccomp.  If one cannot be applied the filter must not
 * run: -1 with why naming it.  Best effort (a kernel or a container may lack
 * them): the network and mount namespaces and Landlock; each missing one is
 * absent from layers, and refuses the run only with sandbox = strict.
 */
int sandbox_enter(const struct sandbox_params *p, char *layers, size_t len, char *why,
		  size_t whylen)
{
	unsigned int nrules = 0;
	char missing[64] = "";

	layers[0] = '\0';
	why[0] = '\0';
	if (sandbox_fault("pdeathsig") || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return sandbox_refuse(why, whylen, "pdeathsig");
	sandbox_add(layers, len, "pdeathsig");
	if (!sandbox_fault("netns") && sandbox_netns(p->allow_exec) == 0) {
		sandbox_add(layers, len, "netns");
	} else {
		log_debug("no network namespace: %s", strerror(errno));
		sandbox_add(missing, sizeof(missing), "netns");
	}
	/* the shared namespace's fds, whichever way the layer went */
	close(FILTERPROTO_FD_USERNS);
	close(FILTERPROTO_FD_NETNS);
	if (!sandbox_fault("mountns") && sandbox_mountns(p->allow_exec, p->out_dir_fd) == 0) {
		sandbox_add(layers, len, "mountns");
	} else {
		/* what was done stays in our own namespace: no harm, and
		 * Landlock still confines the paths */
		log_debug("no mount namespace: %s", strerror(errno));
		sandbox_add(missing, sizeof(missing), "mountns");
	}
	if (sandbox_fault("rlimits") || sandbox_rlimit(RLIMIT_CORE, 0) != 0 ||
	    sandbox_cpu_limit(p->cpu_seconds) != 0 ||
	    sandbox_rlimit(RLIMIT_FSIZE, p->file_size) != 0 ||
	    sandbox_rlimit(RLIMIT_NOFILE, p->open_files) != 0)
		return sandbox_refuse(why, whylen, "rlimits");
	if (!SANDBOX_ASAN) {
		if (sandbox_rlimit(RLIMIT_AS, p->address_space) != 0)
			return sandbox_refuse(why, whylen, "rlimits");
		sandbox_add(layers, len, "rlimits");
	} else {
		/* ASan reserves terabytes of address space: no RLIMIT_AS */
		sandbox_add(layers, len, "rlimits-no-as");
	}
	/* started as root (the CLI run by root, a test): become nobody; the
	 * parent gave the output directory to that user.  The parent-death
	 * signal is cleared by a credential change: set it again. */
	if (getuid() == 0 || geteuid() == 0) {
		if (setgroups(0, NULL) != 0 ||
		    setresgid(FILTERPROC_UID, FILTERPROC_UID, FILTERPROC_UID) != 0 ||
		    setresuid(FILTERPROC_UID, FILTERPROC_UID, FILTERPROC_UID) != 0)
			return sandbox_refuse(why, whylen, "uid-nobody");
		if (sandbox_fault("pdeathsig") || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			return sandbox_refuse(why, whylen, "pdeathsig");
		sandbox_add(layers, len, "uid-nobody");
	}
	if (sandbox_fault("no_new_privs") || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return sandbox_refuse(why, whylen, "no_new_privs");
	sandbox_add(layers, len, "no_new_privs");
	if (!sandbox_fault("landlock") && sandbox_landlock(p->out_dir_fd, p->allow_exec) == 0) {
		sandbox_add(layers, len, "landlock");
	} else {
		log_debug("no landlock: %s", strerror(errno));
		sandbox_add(missing, sizeof(missing), "landlock");
	}
	/* strict refuses before the last layer: seccomp would forbid nothing
	 * we still do, but there is no point confining a run we refuse */
	if (missing[0] != '\0' && p->strict) {
		snprintf(why, whylen, "sandbox = strict and missing: %s", missing);
		return -1;
	}
	if (sandbox_fault("seccomp") || sandbox_seccomp(p->allow_exec, &nrules) != 0)
		return sandbox_refuse(why, whylen, "seccomp");
#ifdef MUGAI_SECCOMP_LOG
	sandbox_add(layers, len, "seccomp-log"); /* logs, does not confine */
	if (p->strict) {
		snprintf(why, whylen, "sandbox = strict and seccomp only logs (MUGAI_SECCOMP_LOG)");
		return -1;
	}
#else
	sandbox_add(layers, len, SANDBOX_ASAN ? "seccomp-asan" :
		    p->allow_exec ? "seccomp-exec" : "seccomp");
#endif
	log_debug("seccomp: %u allow rules", nrules);
	return 0;
}
