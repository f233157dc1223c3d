/* audit.c - append-only, hash-chained JSON lines */
#include "mugai/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

struct audit {
	int fd;
	pthread_mutex_t mu;
	char prev[65];
	int unsynced;   /* lines written since the last fdatasync */
};

static void audit_hash(const char *line, size_t len, char out[65])
{
	gchar *h = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)line, len);

	g_strlcpy(out, h, 65);
	g_free(h);
}

/* hash of the last complete line of fd, or zeros for an empty file */
static int audit_last_hash(int fd, char out[65])
{
	struct stat st;
	off_t start;
	size_t len;
	char *buf, *end, *nl;

	if (fstat(fd, &st) != 0)
		return -1;
	g_strlcpy(out, AUDIT_ZERO, 65);
	if (st.st_size == 0)
		return 0;
	start = st.st_size > AUDIT_LINE_MAX + 1 ? st.st_size - AUDIT_LINE_MAX - 1 : 0;
	len = (size_t)(st.st_size - start);
	buf = malloc(len + 1);
	if (buf == NULL || pread(fd, buf, len, start) != (ssize_t)len) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	end = buf + len;
	if (end > buf && end[-1] == '\n')
		end--;
	*end = '\0';
	nl = strrchr(buf, '\n');
	nl = nl != NULL ? nl + 1 : buf;
	if (nl == buf && start != 0) {
		free(buf);
		return -1; /* last line longer than the maximum: not ours */
	}
	audit_hash(nl, (size_t)(end - nl), out);
	free(buf);
	return 0;
}

struct audit *audit_open(const char *path, char *err, size_t errlen)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (a->fd < 0 || audit_last_hash(a->fd, a->prev) != 0) {
		snprintf(err, errlen, "audit log %s: %s", path,
			 a->fd < 0 ? strerror(errno) : "cannot read its last line");
		if (a->fd >= 0)
			close(a->fd);
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	return a;
}

void audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	close(a->fd);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static int audit_write(struct audit *a, json_t *event, int sync)
{
	json_t *e = json_deep_copy(event);
	char when[64];
	struct timespec ts;
	struct tm tm;
	char *line;
	size_t len;
	int rc = -1;

	if (a == NULL || e == NULL) {
		json_decref(e);
		return a == NULL ? 0 : -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ", ts.tv_nsec / 1000000);
	json_object_set_new(e, "time", json_string(when));
	pthread_mutex_lock(&a->mu);
	json_object_set_new(e, "prev", json_string(a->prev));
	line = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	if (line != NULL && (len = strlen(line)) < AUDIT_LINE_MAX) {
		GString *s = g_string_new_len(line, (gssize)len);

		g_string_append_c(s, '\n');
		if (write(a->fd, s->str, s->len) == (ssize_t)s->len) {
			audit_hash(line, len, a->prev);
			a->unsynced = 1;
			rc = 0;
		}
		if (rc == 0 && sync) {
			rc = fdatasync(a->fd);
			a->unsynced = rc != 0;
		}
		g_string_free(s, TRUE);
	}
	pthread_mutex_unlock(&a->mu);
	free(line);
	json_decref(e);
	return rc;
}

int audit_append(struct audit *a, json_t *event)
{
	return audit_write(a, event, 1);
}

int audit_append_lazy(struct audit *a, json_t *event)
{
	return audit_write(a, event, 0);
}

int audit_sync(struct audit *a)
{
	int rc = 0;

	if (a == NULL)
		return 0;
	pthread_mutex_lock(&a->mu);
	if (a->unsynced) {
		rc = fdatasync(a->fd);
		a->unsynced = rc != 0;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int audit_verify(const char *path, unsigned long *bad_line, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char prev[65] = AUDIT_ZERO, *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long no = 0;
	int rc = 0;

	*bad_line = 0;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *j;
		const char *p;

		no++;
		if (line[n - 1] != '\n') {
			snprintf(err, errlen, "line %lu is not terminated (truncated file?)", no);
			rc = -1;
			break;
		}
		line[--n] = '\0';
		j = json_loads(line, 0, NULL);
		p = j != NULL ? json_string_value(json_object_get(j, "prev")) : NULL;
		if (p == NULL || strcmp(p, prev) != 0) {
			snprintf(err, errlen, "line %lu: %s", no, p == NULL ? "not an audit record" :
				 "the chain is broken (a line before it was edited, inserted or removed, "
				 "or this one was edited)");
			json_decref(j);
			rc = -1;
			break;
		}
		json_decref(j);
		audit_hash(line, (size_t)n, prev);
	}
	if (rc != 0)
		*bad_line = no;
	free(line);
	fclose(f);
	return rc;
}
