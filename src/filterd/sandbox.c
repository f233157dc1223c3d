/*
 * sandbox.c - confine mugai-filter before it touches the input.
 *
 * Order (after minijail): namespaces (no network) -> rlimits ->
 * no_new_privs -> seccomp last.  Every layer that could not be set up is
 * named in the reply; with sandbox = strict a missing layer is fatal.
 */
#include "sandbox.h"
#include "mugai/filterproc.h"
#include "mugai/log.h"

#include <linux/landlock.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

static void sandbox_add(char *layers, size_t len, const char *name)
{
	size_t used = strlen(layers);

	snprintf(layers + used, len - used, "%s%s", used ? "," : "", name);
}

static int sandbox_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A network namespace with nothing in it but a down loopback; with
 * extra = CLONE_NEWNS a mount namespace too. */
static int sandbox_netns(int extra)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWNET | extra) == 0)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | extra) != 0)
		return -1;
	/* map our own ids so that files we create keep their owner */
	if (sandbox_write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (sandbox_write_file("/proc/self/uid_map", map) != 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	if (sandbox_write_file("/proc/self/gid_map", map) != 0)
		return -1;
	return 0;
}

/* Places where other services keep their sockets and state: hidden from
 * the LibreOffice filter, whose seccomp filter must allow AF_UNIX sockets
 * (a path-named socket is outside the network namespace). */
static const char *const sandbox_hidden_dirs[] = {
	"/run", "/var/run", "/var/lib", "/var/spool", "/var/tmp", "/home", "/root", "/srv",
	"/mnt", "/media", NULL,
};

/*
 * The LibreOffice filter's file system view, in its own mount namespace: a
 * private, empty /tmp (LibreOffice binds its single-instance socket there)
 * holding only the task's output directory at FILTER_SANDBOX_WORK, and empty
 * read-only tmpfs over sandbox_hidden_dirs.
 */
static int sandbox_private_tmp(int out_dir_fd)
{
	char src[64], path[PATH_MAX];
	struct stat st, a, b;
	ssize_t n;
	int fd, rc;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	/* a bind mount's source must be a mount of this namespace: reopen
	 * the output directory here, and check it is the same one */
	snprintf(src, sizeof(src), "/proc/self/fd/%d", out_dir_fd);
	n = readlink(src, path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 1)
		return -1;
	path[n] = '\0';
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &a) != 0 || fstat(out_dir_fd, &b) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	rc = mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=1777");
	if (rc == 0)
		rc = mkdir(FILTER_SANDBOX_WORK, 0755);
	if (rc == 0)
		rc = mount(src, FILTER_SANDBOX_WORK, NULL, MS_BIND, NULL);
	close(fd);
	if (rc != 0)
		return -1;
	for (size_t i = 0; sandbox_hidden_dirs[i] != NULL; i++) {
		/* a symlink (/var/run -> /run) is covered by its target */
		if (lstat(sandbox_hidden_dirs[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("tmpfs", sandbox_hidden_dirs[i], "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0755") != 0)
			return -1;
	}
	return 0;
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
	"/etc/localtime", "/etc/gtk-3.0", "/var/cache/fontconfig", "/proc/self",
	"/sys/devices/system/cpu", "/dev/null", "/dev/urandom", "/dev/zero",
	NULL,
};

/* LibreOffice also reads its configuration and writes nowhere else */
static const char *const sandbox_read_paths_exec[] = {
	"/etc", "/bin", "/sbin", "/opt", NULL,
};

/* is /tmp the private tmpfs holding the work directory? */
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
		/* the private /tmp of the mount namespace (sandbox_private_tmp);
		 * without it, /tmp is not writable and LibreOffice fails */
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

/* System calls no filter has any business making. */
static const int sandbox_denied[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind),
	SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
	SCMP_SYS(bpf), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load),
	SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module),
	SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(ptrace),
	SCMP_SYS(reboot), SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(acct),
	SCMP_SYS(setuid), SCMP_SYS(setgid), SCMP_SYS(setreuid), SCMP_SYS(setregid),
	SCMP_SYS(setresuid), SCMP_SYS(setresgid), SCMP_SYS(setgroups),
	SCMP_SYS(name_to_handle_at), SCMP_SYS(open_by_handle_at), SCMP_SYS(iopl),
	SCMP_SYS(ioperm), SCMP_SYS(settimeofday), SCMP_SYS(clock_settime),
	SCMP_SYS(sethostname), SCMP_SYS(setdomainname), SCMP_SYS(fanotify_init),
	SCMP_SYS(quotactl), SCMP_SYS(lookup_dcookie), SCMP_SYS(move_pages),
	SCMP_SYS(mbind), SCMP_SYS(migrate_pages),
};

static int sandbox_is_exec_call(int nr)
{
	return nr == SCMP_SYS(execve) || nr == SCMP_SYS(execveat) || nr == SCMP_SYS(fork) ||
	       nr == SCMP_SYS(vfork) || nr == SCMP_SYS(socket) || nr == SCMP_SYS(socketpair) ||
	       nr == SCMP_SYS(connect) || nr == SCMP_SYS(bind) || nr == SCMP_SYS(listen) ||
	       nr == SCMP_SYS(accept) || nr == SCMP_SYS(accept4);
}

static int sandbox_seccomp(int allow_exec)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0;

	if (ctx == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(sandbox_denied) / sizeof(sandbox_denied[0]); i++) {
		/* LeakSanitizer stops the world with ptrace from a cloned task */
		if (SANDBOX_ASAN && sandbox_denied[i] == SCMP_SYS(ptrace))
			continue;
		/* the LibreOffice filter runs soffice: exec, fork and local
		 * sockets; the network namespace still has no network */
		if (allow_exec && sandbox_is_exec_call(sandbox_denied[i]))
			continue;
		rc |= seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, sandbox_denied[i], 0);
	}
	/* clone: threads only (CLONE_THREAD set); new processes are refused */
	if (allow_exec)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	if (!SANDBOX_ASAN && !allow_exec)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	/* clone3 passes its flags in memory: make glibc fall back to clone */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}

int sandbox_enter(const struct sandbox_params *p, char *layers, size_t len)
{
	int missing = 0;

	layers[0] = '\0';
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == 0)
		sandbox_add(layers, len, "pdeathsig");
	if (sandbox_netns(p->allow_exec ? CLONE_NEWNS : 0) == 0) {
		sandbox_add(layers, len, "netns");
		if (p->allow_exec) {
			if (sandbox_private_tmp(p->out_dir_fd) == 0) {
				sandbox_add(layers, len, "mountns");
			} else {
				log_debug("no private /tmp: %s", strerror(errno));
				missing++;
			}
		}
	} else {
		log_debug("no network namespace: %s", strerror(errno));
		missing++;
	}
	if (sandbox_rlimit(RLIMIT_CORE, 0) != 0 ||
	    sandbox_cpu_limit(p->cpu_seconds) != 0 ||
	    sandbox_rlimit(RLIMIT_FSIZE, p->file_size) != 0 ||
	    sandbox_rlimit(RLIMIT_NOFILE, p->open_files) != 0)
		return -1; /* rlimits are not optional */
	if (!SANDBOX_ASAN) {
		if (sandbox_rlimit(RLIMIT_AS, p->address_space) != 0)
			return -1;
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
		    setresuid(FILTERPROC_UID, FILTERPROC_UID, FILTERPROC_UID) != 0 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			return -1; /* a partial drop cannot be recovered from */
		sandbox_add(layers, len, "uid-nobody");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	sandbox_add(layers, len, "no_new_privs");
	if (sandbox_landlock(p->out_dir_fd, p->allow_exec) == 0) {
		sandbox_add(layers, len, "landlock");
	} else {
		log_debug("no landlock: %s", strerror(errno));
		missing++;
	}
	if (sandbox_seccomp(p->allow_exec) == 0) {
		sandbox_add(layers, len, SANDBOX_ASAN ? "seccomp-asan" :
			    p->allow_exec ? "seccomp-exec" : "seccomp");
	} else {
		log_warnx("seccomp could not be loaded");
		missing++;
	}
	if (missing > 0 && p->strict)
		return -1;
	return 0;
}
