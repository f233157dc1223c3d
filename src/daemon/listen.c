/*
 * listen.c - mugaid's listeners (libmicrohttpd, internal polling thread
 * pool: no thread per connection): the intake and the release listener on
 * IPv4 addresses, plain or TLS (never falling back to plain), and the
 * admin socket.
 */
#include "http.h"
#include "mugai/numparse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_POOL_THREADS 8
/* connections beside the parked ?wait requests ([daemon] max_waiters) */
#define LISTEN_CONN_HEADROOM 256
#define LISTEN_ADMIN_THREADS 2
#define LISTEN_ADMIN_BACKLOG 16
/* a PEM certificate chain or private key file */
#define LISTEN_PEM_MAX (1024 * 1024)
/* GnuTLS priorities of the TLS listeners: TLS 1.2 and 1.3 only */
#define LISTEN_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static int listen_parse_addr(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	uint64_t port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	if (numparse_whole(colon + 1, &port, 65535) != 0 || port == 0)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* The admin socket: a stale socket (nobody answers) is replaced, a live one
 * or anything that is not a socket is refused.  Mode 0660 is set before
 * listen(), so nobody connects through a wider mode. */
int listen_admin_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "admin socket '%s': want a path shorter than %zu bytes",
			 path, sizeof(sa.sun_path));
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "admin socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "admin socket %s: exists and is not a socket", path);
			close(fd);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			snprintf(err, errlen, "admin socket %s: another mugaid is listening", path);
			close(fd);
			return -1;
		}
		close(fd);
		unlink(path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "admin socket: %s", strerror(errno));
			return -1;
		}
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0660) != 0 ||
	    listen(fd, LISTEN_ADMIN_BACKLOG) != 0) {
		snprintf(err, errlen, "admin socket %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* a PEM file into memory (at most LISTEN_PEM_MAX bytes); NULL + err */
static char *listen_read_pem(const char *key, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "[daemon] %s %s: %s", key, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 1 || st.st_size > LISTEN_PEM_MAX) {
		snprintf(err, errlen, "[daemon] %s %s: want a PEM file of 1 to %d bytes", key, path,
			 LISTEN_PEM_MAX);
		close(fd);
		return NULL;
	}
	buf = calloc(1, (size_t)st.st_size + 1);
	if (buf == NULL || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size ||
	    strstr(buf, "-----BEGIN ") == NULL) {
		snprintf(err, errlen, "[daemon] %s %s: cannot read a PEM file", key, path);
		if (buf != NULL)
			explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

int listen_tls_paths(const struct daemon *d, enum listener_kind kind, const char **cert,
		     const char **key, char *err, size_t errlen)
{
	const struct mugai_config *cfg = &d->cfg;

	*cert = *key = NULL;
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0') ||
	    (cfg->release_tls_cert[0] == '\0') != (cfg->release_tls_key[0] == '\0')) {
		snprintf(err, errlen, "[daemon] tls_cert and tls_key (and release_tls_cert and "
			 "release_tls_key) go together: set both or neither");
		return -1;
	}
	if (kind == LISTEN_RELEASE && cfg->release_tls_cert[0] != '\0') {
		*cert = cfg->release_tls_cert;
		*key = cfg->release_tls_key;
	} else if (kind != LISTEN_ADMIN && cfg->tls_cert[0] != '\0') {
		*cert = cfg->tls_cert;
		*key = cfg->tls_key;
	}
	return 0;
}

struct MHD_Daemon *listen_start(struct daemon *d, const char *addr, enum listener_kind kind,
				int fd, char *err, size_t errlen)
{
	static struct listener ls[3];
	struct listener *l = &ls[kind];
	struct sockaddr_in sa;
	struct MHD_Daemon *m;
	const char *cert_path, *key_path;
	char *cert = NULL, *key = NULL;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
	};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;

	l->d = d;
	l->kind = kind;
	l->release_only = kind == LISTEN_RELEASE;
	if (kind == LISTEN_ADMIN) {
		m = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
				     http_handler, l,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)LISTEN_ADMIN_THREADS,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)d->cfg.connection_memory,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				     MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
				     MHD_OPTION_END);
		if (m == NULL) {
			snprintf(err, errlen, "cannot serve the admin socket %s", addr);
			close(fd);
			unlink(addr);
		}
		return m;
	}
	if (listen_parse_addr(addr, &sa) != 0) {
		snprintf(err, errlen, "bad listen address '%s' (want IPv4ADDR:PORT)", addr);
		return NULL;
	}
	if (d->open_access && (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "refusing to listen on %s without tokens: configure "
			 "--tokens or listen on 127.0.0.1", addr);
		return NULL;
	}
	if (listen_tls_paths(d, kind, &cert_path, &key_path, err, errlen) != 0)
		return NULL;
	if (cert_path != NULL) {
		/* fail closed: never fall back to plain HTTP */
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "[daemon] tls_cert is set but this libmicrohttpd has "
				 "no TLS support (MHD_FEATURE_TLS)");
			return NULL;
		}
		cert = listen_read_pem(kind == LISTEN_RELEASE && d->cfg.release_tls_cert[0] ?
				       "release_tls_cert" : "tls_cert", cert_path, err, errlen);
		key = cert == NULL ? NULL :
		      listen_read_pem(kind == LISTEN_RELEASE && d->cfg.release_tls_key[0] ?
				      "release_tls_key" : "tls_key", key_path, err, errlen);
		if (key == NULL) {
			free(cert);
			return NULL;
		}
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						  (void *)LISTEN_TLS_PRIORITIES };
	}
	/* parked ?wait requests hold their connection: room for them all
	 * beside LISTEN_CONN_HEADROOM others */
	m = MHD_start_daemon(flags, 0, NULL, NULL, http_handler, l,
			     MHD_OPTION_ARRAY, tls,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)LISTEN_POOL_THREADS,
			     MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned)(d->cfg.max_waiters + LISTEN_CONN_HEADROOM),
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)d->cfg.connection_memory,
			     /* one client cannot take every connection, nor hold one
			      * by sending nothing (a parked ?wait is suspended: no
			      * timeout runs for it) */
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned)d->cfg.per_address_connections,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)d->cfg.connection_timeout,
			     MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
			     MHD_OPTION_END);
	if (m == NULL && cert != NULL)
		snprintf(err, errlen, "cannot listen on %s with TLS: check the certificate %s and "
			 "the key %s (PEM, matching)", addr, cert_path, key_path);
	else if (m == NULL)
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
	/* GnuTLS holds its own copy once the daemon started */
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	return m;
}
