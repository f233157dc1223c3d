/*
 * mugai - command line.
 *
 *   mugai sanitize [--mode auto|text|image-pdf|cdr] [--config FILE] [--database DIR]
 *                  [--password PW] [--json] -o OUTDIR FILE...
 *   mugai submit|status|fetch|password ...   (client of mugaid, src/cli/client.c)
 *   mugai admin list|show|release|purge ...   (mugaid's admin socket, src/cli/admin.c)
 *   mugai admin verify-audit [--key FILE] [--anchors FILE] LOG
 *   mugai check-config [--config FILE] [--dump]
 *   mugai version
 *
 * sanitize exit status: 0 every input released, 1 at least one blocked, held
 * or failed, 2 usage or system error (a missing signature database included).
 */
#include "client.h"
#include "mugai/filterproto.h"
#include "mugai/audit.h"
#include "mugai/config.h"
#include "mugai/detect.h"
#include "mugai/job.h"
#include "mugai/log.h"
#include "mugai/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_RELEASED 0
#define EXIT_NOT_RELEASED 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mugai sanitize [--mode auto|text|image-pdf|cdr] [--config FILE]\n"
		"                      [--database DIR] [--password PW] [--json] [-v]\n"
		"                      -o OUTDIR FILE...\n"
		"       mugai submit [--server URL] [--token T] [--cacert PEM] [--mode M] [--wait S] FILE...\n"
		"       mugai status [--server URL] [--token T] [--cacert PEM] ID\n"
		"       mugai fetch [--server URL] [--token T] [--cacert PEM] -o DIR ID\n"
		"       mugai password [--server URL] [--token T] [--cacert PEM] [--wait S] ID\n"
		"                      (the password on stdin, or asked for on the terminal)\n"
		"       mugai check-config [--config FILE] [--dump]\n"
		"       mugai admin list|purge [--socket PATH]\n"
		"       mugai admin show [--socket PATH] ID\n"
		"       mugai admin release [--socket PATH] --approver NAME --reason TEXT ID\n"
		"       mugai admin verify-audit [--key FILE] [--anchors FILE] LOG\n"
		"       mugai version\n"
		"\n"
		"sanitize makes each FILE harmless (text only, image PDF, re-encoded image,\n"
		"archives unpacked member by member), scans input and output with ClamAV and\n"
		"writes only clean results under OUTDIR.  Exit status: 0 all released,\n"
		"1 something blocked, held or failed, 2 usage or system error.\n");
}

static int cli_load_config(struct mugai_config *cfg, const char *path)
{
	char err[CONFIG_ERR_MAX];

	config_defaults(cfg);
	if (path == NULL)
		return 0;
	if (config_load(cfg, path, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* mugai admin verify-audit [--key FILE] [--anchors FILE] LOG */
static int cmd_verify_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "anchors", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *anchors = NULL;
	struct audit_report r;
	char err[512];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:a:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'a': anchors = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		log_warnx("usage: mugai admin verify-audit [--key FILE] [--anchors FILE] LOG");
		return EXIT_USAGE;
	}
	if (audit_verify(argv[optind], key, anchors, &r, err, sizeof(err)) != 0) {
		printf("%s: BROKEN: %s\n", argv[optind], err);
		return 1;
	}
	printf("%s: OK: %lu records, keyed chain intact", argv[optind], r.lines);
	if (r.repaired > 0)
		printf("; %lu torn line(s) repaired at a start (\"audit repaired\")", r.repaired);
	if (anchors != NULL)
		printf("; %lu anchor(s) match, the last at record %llu%s\n", r.anchors_checked,
		       (unsigned long long)r.last_anchor,
		       r.last_anchor < r.lines ? " (records after it are covered by no anchor yet)"
					       : "");
	else
		printf("; without --anchors a removed tail or a rewrite with the key cannot be "
		       "seen\n");
	return 0;
}

static int cmd_admin(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify-audit") == 0)
		return cmd_verify_audit(argc - 1, argv + 1);
	return admin_main(argc, argv);
}

static int cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct mugai_config cfg;
	int dump = 0, c;

	while ((c = getopt_long(argc, argv, "c:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': dump = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		path = argv[optind];
	if (cli_load_config(&cfg, path) != 0)
		return EXIT_USAGE;
	if (dump)
		config_dump(&cfg, stdout);
	else
		printf("%s: OK\n", path != NULL ? path : "(embedded defaults)");
	return 0;
}

static void cli_print_human(json_t *r, const char *outdir)
{
	const char *verdict = json_string_value(json_object_get(r, "verdict"));
	const char *reason = json_string_value(json_object_get(r, "reason"));
	const char *input = json_string_value(json_object_get(r, "input"));
	json_t *arts = json_object_get(r, "artefacts"), *it;
	size_t i;

	printf("%-8s %s%s%s\n", verdict, input, reason && *reason ? ": " : "",
	       reason ? reason : "");
	json_array_foreach(arts, i, it)
		printf("         -> %s/%s (%s)\n", outdir,
		       json_string_value(json_object_get(it, "path")),
		       json_string_value(json_object_get(it, "mode")));
	json_array_foreach(json_object_get(r, "items"), i, it) {
		const char *v = json_string_value(json_object_get(it, "verdict"));

		if (i == 0 || (strcmp(v, "blocked") != 0 && strcmp(v, "failed") != 0 &&
			       strcmp(v, "held") != 0))
			continue;
		printf("         %s %s: %s\n", v, json_string_value(json_object_get(it, "path")),
		       json_string_value(json_object_get(it, "reason")));
	}
}

static int cmd_sanitize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "password", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *dbdir = NULL, *outdir = NULL, *password = NULL;
	struct mugai_config cfg;
	struct job_env env;
	struct job_opts jo;
	struct audit *audit = NULL;
	char err[512];
	int mode = 0, json = 0, c, rc = EXIT_RELEASED, out_fd;

	while ((c = getopt_long(argc, argv, "m:c:d:p:jo:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = config_parse_mode(optarg);
			if (mode < 0) {
				log_warnx("--mode: '%s' is not one of " CONFIG_MODES, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c': config_path = optarg; break;
		case 'd': dbdir = optarg; break;
		case 'p': password = optarg; break;
		case 'j': json = 1; break;
		case 'o': outdir = optarg; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (outdir == NULL || optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (password != NULL && strlen(password) >= FILTER_PASSWORD_MAX) {
		log_warnx("--password: longer than %d bytes", FILTER_PASSWORD_MAX - 1);
		return EXIT_USAGE;
	}
	if (cli_load_config(&cfg, config_path) != 0)
		return EXIT_USAGE;
	if (dbdir != NULL)
		g_strlcpy(cfg.database_dir, dbdir, sizeof(cfg.database_dir));

	if (mkdir(outdir, 0750) != 0 && errno != EEXIST) {
		log_warn("cannot create %s", outdir);
		return EXIT_USAGE;
	}
	out_fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out_fd < 0) {
		log_warn("%s", outdir);
		return EXIT_USAGE;
	}
	memset(&env, 0, sizeof(env));
	env.cfg = &cfg;
	env.engine = scan_engine_load(&cfg, cfg.database_dir, err, sizeof(err));
	if (env.engine == NULL) {
		log_warnx("%s; nothing was processed", err);
		close(out_fd);
		return EXIT_USAGE;
	}
	if (detect_open(&env.detect, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		scan_engine_free(env.engine);
		close(out_fd);
		return EXIT_USAGE;
	}
	log_debug("%u signatures loaded from %s", scan_engine_signatures(env.engine),
		  cfg.database_dir);
	if (cfg.audit_path[0] != '\0' && (audit = audit_open(cfg.audit_path, &cfg, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		detect_close(env.detect);
		scan_engine_free(env.engine);
		close(out_fd);
		return EXIT_USAGE;
	}

	for (int i = optind; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		json_t *r;
		const char *v;

		if (fd < 0) {
			log_warn("%s", argv[i]);
			if (json) {
				r = json_pack("{s:s, s:s, s:s+, s:[], s:[], s:[]}", "input", argv[i],
					      "verdict", "failed", "reason", "cannot open: ",
					      strerror(errno), "findings", "items", "artefacts");
				json_dumpf(r, stdout, JSON_COMPACT);
				putchar('\n');
				json_decref(r);
			}
			rc = rc == EXIT_RELEASED ? EXIT_NOT_RELEASED : rc;
			continue;
		}
		memset(&jo, 0, sizeof(jo));
		jo.mode = mode;
		jo.password = password;
		jo.input = argv[i];
		r = job_process(&env, fd, argv[i], &jo, out_fd);
		close(fd);
		if (r == NULL) {
			log_warnx("%s: out of memory", argv[i]);
			rc = EXIT_USAGE;
			continue;
		}
		if (json) {
			json_dumpf(r, stdout, JSON_COMPACT);
			putchar('\n');
		} else {
			cli_print_human(r, outdir);
		}
		fflush(stdout);
		v = json_string_value(json_object_get(r, "verdict"));
		if (audit != NULL) {
			json_t *ev = json_pack("{s:s, s:s, s:s, s:O?, s:s, s:O, s:O, s:I}", "event",
				"verdict", "source", "cli", "name", argv[i], "sha256",
				json_object_get(r, "sha256"), "verdict", v, "reason",
				json_object_get(r, "reason"), "findings", json_object_get(r, "findings"),
				"artefacts", (json_int_t)json_array_size(json_object_get(r, "artefacts")));

			if (audit_append(audit, ev) != 0) {
				log_warnx("cannot write the audit record for %s", argv[i]);
				rc = EXIT_USAGE;
			}
			json_decref(ev);
		}
		if (strcmp(v, "released") != 0 && rc == EXIT_RELEASED)
			rc = EXIT_NOT_RELEASED;
		json_decref(r);
	}
	audit_close(audit);
	detect_close(env.detect);
	scan_engine_free(env.engine);
	close(out_fd);
	return rc;
}

int main(int argc, char **argv)
{
	log_init("mugai", LOG_LVL_WARN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "sanitize") == 0)
		return cmd_sanitize(argc - 1, argv + 1);
	if (strcmp(argv[1], "submit") == 0 || strcmp(argv[1], "status") == 0 ||
	    strcmp(argv[1], "fetch") == 0 || strcmp(argv[1], "password") == 0)
		return client_main(argv[1], argc - 1, argv + 1);
	if (strcmp(argv[1], "check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	if (strcmp(argv[1], "admin") == 0)
		return cmd_admin(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0) {
		printf("mugai %s (libclamav %s)\n", MUGAI_VERSION_STR, scan_engine_libversion());
		return 0;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	log_warnx("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
