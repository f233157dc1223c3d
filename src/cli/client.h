/* client.h - mugai submit/status/fetch (src/cli/client.c), mugai admin (admin.c) */
#ifndef MUGAI_CLIENT_H
#define MUGAI_CLIENT_H

#include <jansson.h>

struct client {
	const char *server;       /* http://host:port, or http://localhost with a socket */
	const char *token;        /* bearer token or NULL */
	const char *unix_socket;  /* talk HTTP over this unix socket, or NULL */
	const char *cacert;       /* PEM CA bundle for https:// servers, or NULL (system CAs) */
};

/* cmd: "submit", "status" or "fetch"; argv[0] is the command */
int client_main(const char *cmd, int argc, char **argv);
/* method "GET" or "POST" (body sent as JSON, none when NULL); the JSON
 * answer in *out (NULL when none).  The HTTP status, -1 on transport error. */
long client_request(const struct client *c, const char *method, const char *path,
		    json_t *body, json_t **out);
void client_print_error(long status, json_t *j);

/* mugai admin list|show|release|purge (src/cli/admin.c); argv[0] is "admin" */
int admin_main(int argc, char **argv);

#endif
