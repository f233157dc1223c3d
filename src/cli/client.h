/* client.h - mugai submit/status/fetch (src/cli/client.c) */
#ifndef MUGAI_CLIENT_H
#define MUGAI_CLIENT_H

/* cmd: "submit", "status" or "fetch"; argv[0] is the command */
int client_main(const char *cmd, int argc, char **argv);

#endif
