/*
 * office.c - LibreOffice, headless, converts an Office document (Word,
 * Excel, PowerPoint, OpenDocument, RTF, legacy binary formats) inside
 * mugai-filter's sandbox:
 *
 *   office-pdf   -> out.pdf   (the core then renders it with pdf-image or
 *                              reads it with pdf-text: never released as is)
 *   office-ooxml -> out.docx / out.xlsx / out.pptx  (the core then runs
 *                              ooxml-cdr on it)
 *
 * Each task gets a fresh LibreOffice profile in its own work directory
 * (nothing is shared between documents), whose settings forbid macros
 * (MacroSecurityLevel 3 = "very high": only signed macros from trusted
 * locations, of which there are none; DisableMacrosExecution) and the
 * update of links.  The input is a read-only copy, so LibreOffice loads it
 * read-only.  soffice.bin runs as a child of the sandboxed filter: it
 * inherits the network namespace (no network), Landlock (writes only below
 * the work directory), the rlimits and the seccomp filter (this filter's
 * FILTER_SANDBOX_EXEC allows exec, fork and AF_UNIX sockets, nothing more),
 * and dies with the filter (PR_SET_PDEATHSIG), which the parent kills at
 * its timeout.
 */
#include "filter.h"
#include "mugai/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MUGAI_SOFFICE
#define MUGAI_SOFFICE_DIR "/usr/lib/libreoffice/program"
#define MUGAI_SOFFICE MUGAI_SOFFICE_DIR "/soffice.bin"
#endif
#define OFFICE_RESTART 81     /* soffice.bin: "profile created, start me again" */
#define OFFICE_TRIES 3
#define OFFICE_LOG_MAX 4096   /* bytes of LibreOffice's output kept for the reason */
#define OFFICE_RM_DEPTH 32    /* directory depth removed after the run */

enum office_app { APP_UNKNOWN = 0, APP_WRITER, APP_CALC, APP_IMPRESS };

struct office_type {
	const char *mime_prefix;
	const char *ext;    /* name LibreOffice sees: a hint for its type detection */
	int app;
};

static const struct office_type office_types[] = {
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml", "docx", APP_WRITER },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml", "xlsx", APP_CALC },
	{ "application/vnd.openxmlformats-officedocument.presentationml", "pptx", APP_IMPRESS },
	{ "application/vnd.ms-word.", "docm", APP_WRITER },
	{ "application/vnd.ms-excel.", "xlsm", APP_CALC },
	{ "application/vnd.ms-powerpoint.", "pptm", APP_IMPRESS },
	{ "application/msword", "doc", APP_WRITER },
	{ "application/vnd.ms-excel", "xls", APP_CALC },
	{ "application/vnd.ms-powerpoint", "ppt", APP_IMPRESS },
	{ "application/vnd.oasis.opendocument.text", "odt", APP_WRITER },
	{ "application/vnd.oasis.opendocument.spreadsheet", "ods", APP_CALC },
	{ "application/vnd.oasis.opendocument.presentation", "odp", APP_IMPRESS },
	{ "text/rtf", "rtf", APP_WRITER },
	{ "application/rtf", "rtf", APP_WRITER },
	{ "application/x-jtd", "jtd", APP_WRITER },
};

/* LibreOffice settings of every task's fresh profile */
static const char office_registry[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
	"xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
	"<prop oor:name=\"MacroSecurityLevel\" oor:op=\"fuse\"><value>3</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
	"<prop oor:name=\"DisableMacrosExecution\" oor:op=\"fuse\"><value>true</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
	"<prop oor:name=\"BlockUntrustedRefererLinks\" oor:op=\"fuse\"><value>true</value></prop>"
	"</item>\n"
	/* links: Writer 0 = never update, Calc 1 = never update */
	"<item oor:path=\"/org.openoffice.Office.Writer/Content/Update\">"
	"<prop oor:name=\"Link\" oor:op=\"fuse\"><value>0</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Calc/Content/Update\">"
	"<prop oor:name=\"Link\" oor:op=\"fuse\"><value>1</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Misc\">"
	"<prop oor:name=\"UseLocking\" oor:op=\"fuse\"><value>false</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Misc\">"
	"<prop oor:name=\"FirstRun\" oor:op=\"fuse\"><value>false</value></prop></item>\n"
	"</oor:items>\n";

static const struct office_type *office_type_of(const char *mime)
{
	for (size_t i = 0; i < G_N_ELEMENTS(office_types); i++)
		if (strncmp(mime, office_types[i].mime_prefix, strlen(office_types[i].mime_prefix)) == 0)
			return &office_types[i];
	return NULL;
}

static bool office_accepts(const char *mime)
{
	/* what detection calls office (detect_class_of_mime) */
	return office_type_of(mime) != NULL || strcmp(mime, "application/vnd.ms-office") == 0 ||
	       strcmp(mime, "application/CDFV2") == 0 ||
	       strncmp(mime, "application/vnd.oasis.opendocument.", 35) == 0 ||
	       strncmp(mime, "application/vnd.ms-word", 23) == 0 ||
	       strncmp(mime, "application/vnd.ms-excel", 24) == 0 ||
	       strncmp(mime, "application/vnd.ms-powerpoint", 29) == 0;
}

static int office_write_file(int dir_fd, const char *name, const void *data, size_t len,
			     mode_t mode)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	if (filter_write_all(fd, data, len) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* copy the input into the work directory, read-only */
static int office_copy_input(int in_fd, int dir_fd, const char *name)
{
	char buf[65536];
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(in_fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || filter_write_all(fd, buf, (size_t)n) != 0) {
			close(fd);
			return -1;
		}
	}
	return close(fd);
}

/* run soffice.bin once; its exit status, or -1 */
static int office_exec(const char *work, const char *target, const char *in_name, int log_fd)
{
	char *profile = g_strdup_printf("-env:UserInstallation=file://%s/profile", work);
	char *outdir = g_strdup_printf("%s/out", work);
	char *input = g_strdup_printf("%s/%s", work, in_name);
	char *home = g_strdup_printf("HOME=%s/profile", work);
	char *tmp = g_strdup_printf("TMPDIR=%s/tmp", work);
	char *argv[] = { (char *)MUGAI_SOFFICE, "--headless", "--invisible", "--nologo",
			 "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
			 profile, "--convert-to", (char *)target, "--outdir", outdir, input, NULL };
	char *envp[] = { home, tmp, "SAL_USE_VCLPLUGIN=svp", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
			 "PATH=/usr/bin:/bin", "SAL_NO_NWF=1",
			 /* the sandbox's /proc shows the filter, not soffice.bin: its
			 * RUNPATH $ORIGIN cannot be resolved there */
			 "LD_LIBRARY_PATH=" MUGAI_SOFFICE_DIR, NULL };
	pid_t parent = getpid(), pid;
	int status = -1;

	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* die with the filter; the filter may have died already */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
			_exit(127);
		/* the request channel and the output directory stay with us */
		syscall(SYS_close_range, 3, ~0U, 0);
		if (chdir(work) != 0)
			_exit(127);
		execve(MUGAI_SOFFICE, argv, envp);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
	}
	g_free(profile);
	g_free(outdir);
	g_free(input);
	g_free(home);
	g_free(tmp);
	if (pid < 0 || status == -1)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* the last line LibreOffice printed, for the reason */
static void office_log_tail(int dir_fd, char *out, size_t outlen)
{
	char buf[OFFICE_LOG_MAX + 1];
	int fd = openat(dir_fd, "soffice.log", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;
	char *line;

	out[0] = '\0';
	if (fd < 0)
		return;
	n = pread(fd, buf, OFFICE_LOG_MAX, 0);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	g_strchomp(buf);
	line = strrchr(buf, '\n');
	g_strlcpy(out, line != NULL ? line + 1 : buf, outlen);
	g_strdelimit(out, "\r\t", ' ');
}

static int office_convert(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			  struct filter_result *res, bool to_ooxml)
{
	const struct office_type *t = office_type_of(lim->mime);
	char work[64], in_name[32], out_src[64], tail[160];
	const char *target, *ext, *out_name;
	int wfd = -1, log_fd = -1, rc = -1;
	struct stat sb, wsb;

	if (to_ooxml) {
		int app = t != NULL ? t->app : APP_UNKNOWN;

		if (app == APP_UNKNOWN) {
			filter_set(res, FILTER_FAILED, "unsupported-office: cannot tell whether %s "
				   "is a text, a spreadsheet or a presentation", lim->mime);
			return 0;
		}
		target = app == APP_WRITER ? "docx:MS Word 2007 XML" :
			 app == APP_CALC ? "xlsx:Calc MS Excel 2007 XML" :
			 "pptx:Impress MS PowerPoint 2007 XML";
		ext = app == APP_WRITER ? "docx" : app == APP_CALC ? "xlsx" : "pptx";
	} else {
		target = "pdf";
		ext = "pdf";
	}
	out_name = to_ooxml ? (strcmp(ext, "docx") == 0 ? FILTERPROTO_OUT_DOCX :
			       strcmp(ext, "xlsx") == 0 ? FILTERPROTO_OUT_XLSX : FILTERPROTO_OUT_PPTX) :
		   FILTERPROTO_OUT_PDF;
	snprintf(in_name, sizeof(in_name), "input%s%s", t != NULL ? "." : "",
		 t != NULL ? t->ext : "");
	snprintf(out_src, sizeof(out_src), "out/input.%s", ext);

	/* LibreOffice takes paths: the sandbox bound the output directory
	 * at FILTER_SANDBOX_WORK in a private /tmp, where LibreOffice also
	 * puts its IPC socket.  Without that mount namespace it cannot run. */
	if (fstat(out_dir_fd, &sb) != 0 || stat(FILTER_SANDBOX_WORK, &wsb) != 0 ||
	    sb.st_dev != wsb.st_dev || sb.st_ino != wsb.st_ino) {
		filter_set(res, FILTER_FAILED, "office-no-sandbox: LibreOffice runs only in a "
			   "private mount namespace, which the kernel refused");
		return 0;
	}
	snprintf(work, sizeof(work), "%s/lo", FILTER_SANDBOX_WORK);
	if (mkdirat(out_dir_fd, "lo", 0700) != 0 ||
	    (wfd = openat(out_dir_fd, "lo", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    mkdirat(wfd, "profile", 0700) != 0 || mkdirat(wfd, "profile/user", 0700) != 0 ||
	    mkdirat(wfd, "tmp", 0700) != 0 || mkdirat(wfd, "out", 0700) != 0 ||
	    office_write_file(wfd, "profile/user/registrymodifications.xcu", office_registry,
			      sizeof(office_registry) - 1, 0600) != 0 ||
	    office_copy_input(in_fd, wfd, in_name) != 0 ||
	    (log_fd = openat(wfd, "soffice.log", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			     O_CLOEXEC, 0600)) < 0) {
		filter_set(res, FILTER_FAILED, "cannot prepare LibreOffice's work directory: %s",
			   strerror(errno));
		goto out;
	}
	for (int i = 0; i < OFFICE_TRIES; i++) {
		rc = office_exec(work, target, in_name, log_fd);
		if (rc != OFFICE_RESTART)
			break;
	}
	if (rc != 0 || fstatat(wfd, out_src, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode) || sb.st_size == 0) {
		office_log_tail(wfd, tail, sizeof(tail));
		if (rc > 128)
			filter_set(res, FILTER_FAILED, "office-crashed: LibreOffice died of signal %d",
				   rc - 128);
		else
			filter_set(res, FILTER_FAILED, "office-unreadable: LibreOffice could not "
				   "convert the document (exit %d%s%s)", rc, tail[0] ? ": " : "",
				   tail);
		goto out;
	}
	if ((uint64_t)sb.st_size > lim->max_output_bytes) {
		filter_set(res, FILTER_BLOCKED, "output-too-large: %lld bytes > %llu",
			   (long long)sb.st_size, (unsigned long long)lim->max_output_bytes);
		goto out;
	}
	if (renameat(wfd, out_src, out_dir_fd, out_name) != 0) {
		filter_set(res, FILTER_FAILED, "cannot move LibreOffice's output: %s",
			   strerror(errno));
		goto out;
	}
	filter_set(res, FILTER_OK, "converted by LibreOffice to %s", ext);
	filter_output(res, out_name);
out:
	if (log_fd >= 0)
		close(log_fd);
	if (wfd >= 0)
		close(wfd);
	fsutil_remove_tree(out_dir_fd, "lo", OFFICE_RM_DEPTH);
	return 0;
}

static int office_pdf_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			  struct filter_result *res)
{
	return office_convert(in_fd, out_dir_fd, lim, res, false);
}

static int office_ooxml_run(int in_fd, int out_dir_fd, const struct filter_limits *lim,
			    struct filter_result *res)
{
	return office_convert(in_fd, out_dir_fd, lim, res, true);
}

const struct filter_ops filter_office_pdf = { "office-pdf", office_accepts, office_pdf_run,
					      FILTER_SANDBOX_EXEC };
const struct filter_ops filter_office_ooxml = { "office-ooxml", office_accepts, office_ooxml_run,
						FILTER_SANDBOX_EXEC };
