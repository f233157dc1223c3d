/*
 * admin.c - mugai admin: the administrator's side of mugaid, over its admin
 * socket (HTTP on a unix socket; whoever may open the socket is an admin).
 *
 *   mugai admin list    [--socket PATH] [--json]
 *   mugai admin show    [--socket PATH] ID
 *   mugai admin release [--socket PATH] --approver NAME --reason TEXT ID
 *   mugai admin purge   [--socket PATH]
 *
 * --socket defaults to $MUGAI_ADMIN_SOCKET, else $STATE_DIRECTORY/admin.sock,
 * else /var/lib/mugai/admin.sock when it exists (the systemd unit), else
 * $XDG_STATE_HOME/mugai/spool/admin.sock (mugaid's own default).
 * Exit status: 0 done, 1 refused by mugaid (403, 404, 409, 400), 2 usage or
 * transport error.
 */
#include "client.h"
#include "mugai/jobid.h"
#include "mugai/log.h"

#include <curl/curl.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ADMIN_SYSTEMD_SOCKET "/var/lib/mugai/admin.sock"

static void admin_usage(FILE *f)
{
	fprintf(f, "usage: mugai admin list [--socket PATH] [--json]\n"
		   "       mugai admin show [--socket PATH] ID\n"
		   "       mugai admin release [--socket PATH] --approver NAME --reason TEXT ID\n"
		   "       mugai admin purge [--socket PATH]\n"
		   "       mugai admin verify-audit [--key FILE] [--anchors FILE] LOG\n");
}

/* the default socket (to be freed) */
static char *admin_default_socket(void)
{
	const char *env = getenv("MUGAI_ADMIN_SOCKET");

	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	env = getenv("STATE_DIRECTORY");
	if (env != NULL && env[0] != '\0')
		return g_build_filename(env, "admin.sock", NULL);
	if (access(ADMIN_SYSTEMD_SOCKET, F_OK) == 0)
		return g_strdup(ADMIN_SYSTEMD_SOCKET);
	return g_build_filename(g_get_user_state_dir(), "mugai", "spool", "admin.sock", NULL);
}

/* exit status for an answer that is not the expected one */
static int admin_refused(long status, json_t *j)
{
	if (status < 0)
		return 2;
	client_print_error(status, j);
	return status >= 400 && status < 500 ? 1 : 2;
}

static const char *admin_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static int admin_list(const struct client *c, int as_json)
{
	json_t *j = NULL, *row;
	long status = client_request(c, "GET", "/v1/admin/jobs", NULL, &j);
	size_t i;
	int rc = 0;

	if (status != 200 || !json_is_array(json_object_get(j, "jobs"))) {
		rc = admin_refused(status, j);
		json_decref(j);
		return rc ? rc : 2;
	}
	if (as_json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-32s  %-10s  %-8s  %-20s  %s\n", "ID", "STATE", "VERDICT", "RECEIVED",
		       "NAME / REASON");
		json_array_foreach(json_object_get(j, "jobs"), i, row) {
			const char *reason = admin_str(row, "reason");

			printf("%-32s  %-10s  %-8s  %-20s  %s%s%s%s\n", admin_str(row, "id"),
			       admin_str(row, "state"), admin_str(row, "verdict"),
			       admin_str(row, "received"), admin_str(row, "name"),
			       *reason && strcmp(reason, "-") != 0 ? ": " : "",
			       strcmp(reason, "-") != 0 ? reason : "",
			       json_is_true(json_object_get(row, "original_released")) ?
			       " [original released]" : "");
		}
		if (json_is_true(json_object_get(j, "truncated")))
			printf("(the list is truncated)\n");
	}
	json_decref(j);
	return 0;
}

static int admin_show(const struct client *c, const char *id)
{
	char path[64];
	json_t *j = NULL;
	long status;
	int rc = 0;

	snprintf(path, sizeof(path), "/v1/jobs/%s", id);
	status = client_request(c, "GET", path, NULL, &j);
	if (status == 200 && j != NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		rc = admin_refused(status, j);
	}
	json_decref(j);
	return rc;
}

static int admin_release(const struct client *c, const char *id, const char *approver,
			 const char *reason)
{
	char path[80];
	json_t *body = json_pack("{s:s, s:s}", "approver", approver, "reason", reason);
	json_t *j = NULL, *a;
	long status;
	size_t i;
	int rc = 2;

	if (body == NULL) {
		log_warnx("--approver and --reason must be UTF-8");
		return 2;
	}
	snprintf(path, sizeof(path), "/v1/jobs/%s/release-original", id);
	status = client_request(c, "POST", path, body, &j);
	json_decref(body);
	if (status != 200) {
		rc = admin_refused(status, j);
		json_decref(j);
		return rc;
	}
	json_array_foreach(json_object_get(j, "artefacts"), i, a)
		if (json_is_true(json_object_get(a, "original"))) {
			printf("%s\toriginal released as %s\t%lld bytes\tsha256 %s\t%s\n", id,
			       admin_str(a, "path"),
			       (long long)json_integer_value(json_object_get(a, "size")),
			       admin_str(a, "sha256"), admin_str(a, "url"));
			rc = 0;
		}
	if (rc != 0)
		log_warnx("mugaid answered 200 without the released original");
	json_decref(j);
	return rc;
}

static int admin_purge(const struct client *c)
{
	json_t *j = NULL;
	long status = client_request(c, "POST", "/v1/admin/purge", NULL, &j);
	int rc = 0;

	if (status == 200) {
		printf("purged %lld finished job(s) older than %lld day(s)\n",
		       (long long)json_integer_value(json_object_get(j, "purged")),
		       (long long)json_integer_value(json_object_get(j, "retention_days")));
	} else {
		rc = admin_refused(status, j);
	}
	json_decref(j);
	return rc;
}

int admin_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "approver", required_argument, NULL, 'a' },
		{ "reason", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd, *approver = NULL, *reason = NULL, *id = NULL;
	char *sock = NULL;
	struct client c = { "http://localhost", NULL, NULL };
	int o, as_json = 0, rc, nargs;

	if (argc < 2) {
		admin_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	argc--;
	argv++;
	while ((o = getopt_long(argc, argv, "s:a:r:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's': g_free(sock); sock = g_strdup(optarg); break;
		case 'a': approver = optarg; break;
		case 'r': reason = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': admin_usage(stdout); g_free(sock); return 0;
		default: admin_usage(stderr); g_free(sock); return 2;
		}
	}
	nargs = argc - optind;
	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "release") == 0) {
		if (nargs != 1 || !jobid_valid(argv[optind])) {
			log_warnx("admin %s: want one job id (32 hex digits)", cmd);
			g_free(sock);
			return 2;
		}
		id = argv[optind];
	} else if ((strcmp(cmd, "list") != 0 && strcmp(cmd, "purge") != 0) || nargs != 0) {
		admin_usage(stderr);
		g_free(sock);
		return 2;
	}
	if (strcmp(cmd, "release") == 0 &&
	    (approver == NULL || reason == NULL || !*approver || !*reason)) {
		log_warnx("admin release: --approver NAME and --reason TEXT are required");
		g_free(sock);
		return 2;
	}
	if (sock == NULL)
		sock = admin_default_socket();
	c.unix_socket = sock;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(cmd, "list") == 0)
		rc = admin_list(&c, as_json);
	else if (strcmp(cmd, "show") == 0)
		rc = admin_show(&c, id);
	else if (strcmp(cmd, "release") == 0)
		rc = admin_release(&c, id, approver, reason);
	else
		rc = admin_purge(&c);
	curl_global_cleanup();
	g_free(sock);
	return rc;
}
