/*
 * audit.c - append-only audit log: JSON lines, each keyed with HMAC-SHA-256
 * and chained to the one before it, with anchors of the head kept elsewhere.
 *
 * A line is the record's compact JSON (keys sorted) holding "seq" (its
 * 1-based number) and "prev" (the MAC of the line before it, 64 zeros for
 * the first), followed by ',"mac":"<HMAC-SHA-256 of that JSON>"}'.  The MAC
 * covers the exact bytes, so nothing is re-serialised to check it.
 *
 * The key makes the chain unforgeable without it; it cannot show a removed
 * tail or a chain rewritten by someone holding the key.  Anchors do: the
 * head (seq + MAC) is written to syslog, where operators already ship logs
 * off the box, and to [audit] anchor_file if set, at open, every
 * [audit] anchor_every records once they are durable, and at close.
 * An anchor line:  mugai-audit-anchor chain=<first 32 hex of line 1's MAC>
 *                  seq=<N> mac=<MAC of line N>
 *
 * At open, a torn last line (no newline: a crash or a full disk cut the
 * write) is removed and recorded ("audit repaired" with its length and
 * SHA-256) once the line before it verifies.  A complete last line that does
 * not verify with the key (edited, or of another key) is not chained onto:
 * audit_open fails.  So does an anchor file that knows more records than the
 * log has.
 */
#include "mugai/audit.h"
#include "mugai/log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_ZERO "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_HEX 64
#define AUDIT_CHAIN_HEX 32
/* what follows a record's JSON body: ,"mac":"<64 hex>"} */
#define AUDIT_MAC_PREFIX ",\"mac\":\""
#define AUDIT_MAC_SUFFIX_LEN (sizeof(AUDIT_MAC_PREFIX) - 1 + AUDIT_HEX + 2)
#define AUDIT_ANCHOR_TAG "mugai-audit-anchor"
#define AUDIT_SYSLOG_FACILITY LOG_AUTHPRIV
#define AUDIT_PATH_MAX 4096

struct audit {
	int fd;
	pthread_mutex_t mu;
	unsigned char key[AUDIT_KEY_LEN];
	char prev[AUDIT_HEX + 1];     /* MAC of the last line */
	char chain[AUDIT_CHAIN_HEX + 1]; /* "" until line 1 exists */
	uint64_t seq;                 /* lines in the file */
	uint64_t synced_seq;          /* lines known durable */
	char synced_mac[AUDIT_HEX + 1];
	uint64_t anchored_seq;        /* head of the last anchor */
	off_t size;                   /* bytes of complete lines */
	int unsynced;                 /* lines written since the last fdatasync */
	int broken;                   /* a partial write could not be undone */
	unsigned anchor_every;
	int to_syslog;
	char anchor_file[CONFIG_PATH_MAX];
};

static void audit_sha256(const void *data, size_t len, char out[AUDIT_HEX + 1])
{
	gchar *h = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);

	g_strlcpy(out, h, AUDIT_HEX + 1);
	g_free(h);
}

static void audit_mac(const unsigned char *key, const char *body, size_t len,
		      char out[AUDIT_HEX + 1])
{
	gchar *h = g_compute_hmac_for_data(G_CHECKSUM_SHA256, key, AUDIT_KEY_LEN,
					   (const guchar *)body, len);

	g_strlcpy(out, h, AUDIT_HEX + 1);
	g_free(h);
}

/* equal without an early exit */
static int audit_mac_equal(const char *a, const char *b)
{
	unsigned char d = 0;

	for (size_t i = 0; i < AUDIT_HEX; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int audit_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isxdigit(s[i]) || g_ascii_isupper(s[i]))
			return 0;
	return 1;
}

int audit_key_path(const char *audit_path, const char *key_file, char *out, size_t len)
{
	int n;

	if (key_file != NULL && key_file[0] != '\0')
		n = snprintf(out, len, "%s", key_file);
	else
		n = snprintf(out, len, "%s.key", audit_path);
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* read the key: a regular file of 64 hex digits (and a newline), readable by
 * its owner only; 1 when there is none */
static int audit_key_load(const char *path, unsigned char key[AUDIT_KEY_LEN], char *err,
			  size_t errlen)
{
	char buf[AUDIT_KEY_LEN * 2 + 2];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "audit key %s: %s", path, strerror(errno));
		return errno == ENOENT ? 1 : -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "audit key %s: not a regular file of mode 0600 or 0400", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < AUDIT_KEY_LEN * 2 || n > AUDIT_KEY_LEN * 2 + 1 ||
	    (n == AUDIT_KEY_LEN * 2 + 1 && buf[n - 1] != '\n') ||
	    !audit_is_hex(buf, AUDIT_KEY_LEN * 2)) {
		snprintf(err, errlen, "audit key %s: want %d lower-case hex digits", path,
			 AUDIT_KEY_LEN * 2);
		return -1;
	}
	for (int i = 0; i < AUDIT_KEY_LEN; i++)
		key[i] = (unsigned char)(g_ascii_xdigit_value(buf[2 * i]) << 4 |
					 g_ascii_xdigit_value(buf[2 * i + 1]));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* a new random key, written durably with mode 0600; never over a file */
static int audit_key_create(const char *path, unsigned char key[AUDIT_KEY_LEN], char *err,
			    size_t errlen)
{
	char hex[AUDIT_KEY_LEN * 2 + 2];
	char *dir = g_path_get_dirname(path);
	int fd, dfd, rc = -1;

	if (getrandom(key, AUDIT_KEY_LEN, 0) != AUDIT_KEY_LEN) {
		snprintf(err, errlen, "audit key: no random bytes: %s", strerror(errno));
		g_free(dir);
		return -1;
	}
	for (int i = 0; i < AUDIT_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[AUDIT_KEY_LEN * 2] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && write(fd, hex, AUDIT_KEY_LEN * 2 + 1) == AUDIT_KEY_LEN * 2 + 1 &&
	    fsync(fd) == 0)
		rc = 0;
	if (rc != 0)
		snprintf(err, errlen, "audit key %s: cannot create it: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc != 0 && fd >= 0)
		unlink(path);
	dfd = rc == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rc == 0 && (dfd < 0 || fsync(dfd) != 0)) {
		snprintf(err, errlen, "audit key %s: cannot make it durable", path);
		rc = -1;
	}
	if (dfd >= 0)
		close(dfd);
	explicit_bzero(hex, sizeof(hex));
	g_free(dir);
	return rc;
}

/*
 * Split a line (without its newline) into body and MAC and check both:
 * 0 with mac (and *seq, prev when not NULL) filled, else -1 and why.
 */
static int audit_check_line(const unsigned char *key, const char *line, size_t len,
			    char mac[AUDIT_HEX + 1], uint64_t *seq, char prev[AUDIT_HEX + 1],
			    const char **why)
{
	const char *m;
	char want[AUDIT_HEX + 1], *body;
	json_t *j;
	json_int_t s;
	const char *p;

	*why = "not an audit record of this format (no MAC)";
	if (len < AUDIT_MAC_SUFFIX_LEN + 2 || line[len - 1] != '}' || line[len - 2] != '"')
		return -1;
	m = line + len - AUDIT_MAC_SUFFIX_LEN;
	if (memcmp(m, AUDIT_MAC_PREFIX, sizeof(AUDIT_MAC_PREFIX) - 1) != 0 ||
	    !audit_is_hex(m + sizeof(AUDIT_MAC_PREFIX) - 1, AUDIT_HEX))
		return -1;
	memcpy(mac, m + sizeof(AUDIT_MAC_PREFIX) - 1, AUDIT_HEX);
	mac[AUDIT_HEX] = '\0';
	/* the body is the line up to the MAC, closed again */
	body = g_malloc((size_t)(m - line) + 2);
	memcpy(body, line, (size_t)(m - line));
	body[m - line] = '}';
	body[m - line + 1] = '\0';
	audit_mac(key, body, (size_t)(m - line) + 1, want);
	if (!audit_mac_equal(want, mac)) {
		*why = "its MAC does not verify with the key (the line was edited, or "
		       "written with another key)";
		g_free(body);
		return -1;
	}
	j = json_loads(body, 0, NULL);
	g_free(body);
	s = j != NULL ? json_integer_value(json_object_get(j, "seq")) : 0;
	p = j != NULL ? json_string_value(json_object_get(j, "prev")) : NULL;
	if (s <= 0 || p == NULL || strlen(p) != AUDIT_HEX) {
		*why = "not an audit record (no seq or prev)";
		json_decref(j);
		return -1;
	}
	if (seq != NULL)
		*seq = (uint64_t)s;
	if (prev != NULL)
		g_strlcpy(prev, p, AUDIT_HEX + 1);
	json_decref(j);
	return 0;
}

/* The anchor file's word on chain: the highest seq it names and its MAC
 * (*seq 0 when none); lines that are not anchors are skipped. */
static void audit_anchor_scan(FILE *f, const char *chain, uint64_t *seq, char mac[AUDIT_HEX + 1],
			      GHashTable *all, unsigned long *other)
{
	char *line = NULL;
	size_t cap = 0;

	*seq = 0;
	while (getline(&line, &cap, f) > 0) {
		const char *t = strstr(line, AUDIT_ANCHOR_TAG " chain=");
		char c[AUDIT_CHAIN_HEX + 1], m[AUDIT_HEX + 1];
		uint64_t s;

		if (t == NULL ||
		    sscanf(t, AUDIT_ANCHOR_TAG " chain=%32[0-9a-f] seq=%" SCNu64 " mac=%64[0-9a-f]",
			   c, &s, m) != 3 || strlen(c) != AUDIT_CHAIN_HEX || strlen(m) != AUDIT_HEX)
			continue;
		if (chain[0] != '\0' && strcmp(c, chain) != 0) {
			if (other != NULL)
				(*other)++;
			continue;
		}
		if (all != NULL)
			g_hash_table_insert(all, g_strdup_printf("%s:%" PRIu64, c, s), g_strdup(m));
		if (s >= *seq) {
			*seq = s;
			g_strlcpy(mac, m, AUDIT_HEX + 1);
		}
	}
	free(line);
}

static void audit_anchor(struct audit *a, const char *when)
{
	char line[256];

	if (a->synced_seq == 0 || a->chain[0] == '\0')
		return;
	snprintf(line, sizeof(line), AUDIT_ANCHOR_TAG " chain=%s seq=%" PRIu64 " mac=%s (%s)",
		 a->chain, a->synced_seq, a->synced_mac, when);
	syslog(AUDIT_SYSLOG_FACILITY | LOG_NOTICE, "%s", line);
	if (a->anchor_file[0] != '\0') {
		int fd = open(a->anchor_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

		g_strlcat(line, "\n", sizeof(line));
		if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
			log_warn("audit anchor file %s", a->anchor_file);
		if (fd >= 0)
			close(fd);
	}
	a->anchored_seq = a->synced_seq;
}

/* the lines written so far are durable: anchor them when it is time */
static void audit_synced(struct audit *a)
{
	a->unsynced = 0;
	a->synced_seq = a->seq;
	g_strlcpy(a->synced_mac, a->prev, sizeof(a->synced_mac));
	if (a->synced_seq >= a->anchored_seq + a->anchor_every)
		audit_anchor(a, "every");
}

/* the first line's MAC names the chain */
static int audit_read_chain(struct audit *a)
{
	char *buf = g_malloc(AUDIT_LINE_MAX + 1), *nl;
	ssize_t n = pread(a->fd, buf, AUDIT_LINE_MAX + 1, 0);
	char mac[AUDIT_HEX + 1];
	const char *why;
	int rc = -1;

	if (n > 0 && (nl = memchr(buf, '\n', (size_t)n)) != NULL &&
	    audit_check_line(a->key, buf, (size_t)(nl - buf), mac, NULL, NULL, &why) == 0) {
		g_strlcpy(a->chain, mac, sizeof(a->chain));
		rc = 0;
	}
	g_free(buf);
	return rc;
}

/*
 * Read the tail: the last complete line must verify; a torn line after it
 * is cut off (*torn_len, torn_sha).  0, or -1 with err.
 */
static int audit_read_tail(struct audit *a, const char *path, size_t *torn_len,
			   char torn_sha[AUDIT_HEX + 1], char *err, size_t errlen)
{
	struct stat st;
	off_t start;
	size_t len;
	char *buf, *end, *last;
	const char *why;
	uint64_t seq;

	*torn_len = 0;
	g_strlcpy(a->prev, AUDIT_ZERO, sizeof(a->prev));
	a->seq = 0;
	if (fstat(a->fd, &st) != 0) {
		snprintf(err, errlen, "audit log %s: %s", path, strerror(errno));
		return -1;
	}
	a->size = st.st_size;
	if (st.st_size == 0)
		return 0;
	start = st.st_size > 2 * (AUDIT_LINE_MAX + 1) ? st.st_size - 2 * (AUDIT_LINE_MAX + 1) : 0;
	len = (size_t)(st.st_size - start);
	buf = g_malloc(len + 1);
	if (pread(a->fd, buf, len, start) != (ssize_t)len) {
		snprintf(err, errlen, "audit log %s: cannot read its tail", path);
		g_free(buf);
		return -1;
	}
	buf[len] = '\0';
	end = buf + len;
	if (end[-1] != '\n') {
		/* a torn write: what follows the last newline */
		char *nl = memrchr(buf, '\n', len);
		char *frag = nl != NULL ? nl + 1 : buf;

		*torn_len = (size_t)(end - frag);
		if (*torn_len > AUDIT_LINE_MAX || (nl == NULL && start != 0)) {
			snprintf(err, errlen, "audit log %s ends with %zu bytes that are no line "
				 "of ours: not chaining onto it (keep the file for inspection, "
				 "move it away, start again)", path, *torn_len);
			g_free(buf);
			return -1;
		}
		audit_sha256(frag, *torn_len, torn_sha);
		end = frag;
		a->size = st.st_size - (off_t)*torn_len;
	}
	if (end == buf) { /* nothing but a torn first line */
		g_free(buf);
		return 0;
	}
	end--; /* the newline of the last complete line */
	*end = '\0';
	last = memrchr(buf, '\n', (size_t)(end - buf));
	last = last != NULL ? last + 1 : buf;
	if ((last == buf && start != 0) ||
	    audit_check_line(a->key, last, (size_t)(end - last), a->prev, &seq, NULL, &why) != 0) {
		snprintf(err, errlen, "audit log %s: its last complete line does not verify: %s. "
			 "mugaid does not chain onto a tail it cannot trust: keep the file for "
			 "inspection (mugai admin verify-audit), move it away, start again",
			 path, last == buf && start != 0 ? "longer than the maximum" : why);
		g_free(buf);
		return -1;
	}
	a->seq = seq;
	g_free(buf);
	return 0;
}

/* the anchors we wrote must not know more than the file has */
static int audit_check_anchor_file(struct audit *a, const char *path, char *err, size_t errlen)
{
	FILE *f;
	uint64_t seq;
	char mac[AUDIT_HEX + 1];

	if (a->anchor_file[0] == '\0' || a->chain[0] == '\0')
		return 0;
	f = fopen(a->anchor_file, "re");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "audit anchor file %s: %s", a->anchor_file, strerror(errno));
		return -1;
	}
	audit_anchor_scan(f, a->chain, &seq, mac, NULL, NULL);
	fclose(f);
	if (seq > a->seq || (seq == a->seq && seq > 0 && !audit_mac_equal(mac, a->prev))) {
		snprintf(err, errlen, "audit log %s has %" PRIu64 " records but its anchor file %s "
			 "names record %" PRIu64 "%s: the tail was removed or rewritten; not "
			 "chaining onto it", path, a->seq, a->anchor_file, seq,
			 seq > a->seq ? "" : " with another MAC");
		return -1;
	}
	return 0;
}

static int audit_write(struct audit *a, json_t *event, int sync);

struct audit *audit_open(const char *path, const struct mugai_config *cfg, char *err,
			 size_t errlen)
{
	struct audit *a = calloc(1, sizeof(*a));
	char kpath[AUDIT_PATH_MAX], torn_sha[AUDIT_HEX + 1];
	size_t torn_len = 0;
	struct stat st;
	int have_log, krc;

	if (a == NULL) {
		snprintf(err, errlen, "audit log %s: out of memory", path);
		return NULL;
	}
	a->anchor_every = cfg->audit_anchor_every > 0 ? cfg->audit_anchor_every : 1;
	a->to_syslog = cfg->audit_syslog;
	g_strlcpy(a->anchor_file, cfg->audit_anchor_file, sizeof(a->anchor_file));
	if (audit_key_path(path, cfg->audit_key_file, kpath, sizeof(kpath)) != 0) {
		snprintf(err, errlen, "audit log %s: key file path too long", path);
		free(a);
		return NULL;
	}
	have_log = stat(path, &st) == 0 && st.st_size > 0;
	krc = audit_key_load(kpath, a->key, err, errlen);
	if (krc != 0) {
		/* a key is made only for a new log: one with records and no key
		 * could not be verified */
		if (krc < 0 || have_log) {
			if (krc > 0)
				snprintf(err, errlen, "audit log %s has records but no key %s: "
					 "not chaining onto a log that cannot be verified (move it "
					 "away to start a new one)", path, kpath);
			free(a);
			return NULL;
		}
		if (audit_key_create(kpath, a->key, err, errlen) != 0) {
			free(a);
			return NULL;
		}
		log_info("audit key %s created", kpath);
	}
	a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (a->fd < 0) {
		snprintf(err, errlen, "audit log %s: %s", path, strerror(errno));
		goto fail;
	}
	if (audit_read_tail(a, path, &torn_len, torn_sha, err, errlen) != 0)
		goto fail;
	if (a->seq > 0 && audit_read_chain(a) != 0) {
		snprintf(err, errlen, "audit log %s: its first line does not verify", path);
		goto fail;
	}
	if (audit_check_anchor_file(a, path, err, errlen) != 0)
		goto fail;
	pthread_mutex_init(&a->mu, NULL);
	if (torn_len > 0) {
		json_t *ev;

		if (ftruncate(a->fd, a->size) != 0 || fdatasync(a->fd) != 0) {
			snprintf(err, errlen, "audit log %s: cannot cut its torn last line: %s", path,
				 strerror(errno));
			pthread_mutex_destroy(&a->mu);
			goto fail;
		}
		log_warnx("audit log %s: its last line was torn (%zu bytes, a crash or a full "
			  "disk during a write): removed and recorded", path, torn_len);
		ev = json_pack("{s:s, s:s, s:I, s:s}", "event", "audit repaired", "reason",
			       "torn last line removed (a crash or a full disk during a write)",
			       "torn_bytes", (json_int_t)torn_len, "torn_sha256", torn_sha);
		if (ev == NULL || audit_write(a, ev, 1) != 0) {
			json_decref(ev);
			snprintf(err, errlen, "audit log %s: cannot record the repair", path);
			pthread_mutex_destroy(&a->mu);
			goto fail;
		}
		json_decref(ev);
	}
	a->synced_seq = a->seq;
	g_strlcpy(a->synced_mac, a->prev, sizeof(a->synced_mac));
	audit_anchor(a, "open");
	return a;
fail:
	if (a->fd >= 0)
		close(a->fd);
	explicit_bzero(a->key, sizeof(a->key));
	free(a);
	return NULL;
}

void audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	if (!a->unsynced || fdatasync(a->fd) == 0) {
		audit_synced(a);
		audit_anchor(a, "close");
	}
	pthread_mutex_unlock(&a->mu);
	close(a->fd);
	pthread_mutex_destroy(&a->mu);
	explicit_bzero(a->key, sizeof(a->key));
	free(a);
}

/* called with a->mu held */
static int audit_write_locked(struct audit *a, json_t *e, int sync)
{
	char mac[AUDIT_HEX + 1], *body;
	GString *s;
	size_t len;
	ssize_t n;
	int rc = -1;

	if (a->broken)
		return -1;
	json_object_set_new(e, "seq", json_integer((json_int_t)(a->seq + 1)));
	json_object_set_new(e, "prev", json_string(a->prev));
	body = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	if (body == NULL || (len = strlen(body)) + AUDIT_MAC_SUFFIX_LEN >= AUDIT_LINE_MAX) {
		free(body);
		return -1;
	}
	if (body[len - 1] != '}')
		panic("audit: a JSON object dumped as '%.20s...'", body);
	audit_mac(a->key, body, len, mac);
	s = g_string_new_len(body, (gssize)len - 1);
	g_string_append_printf(s, AUDIT_MAC_PREFIX "%s\"}\n", mac);
	n = write(a->fd, s->str, s->len);
	if (n == (ssize_t)s->len) {
		a->size += (off_t)n;
		a->seq++;
		g_strlcpy(a->prev, mac, sizeof(a->prev));
		if (a->seq == 1)
			g_strlcpy(a->chain, mac, sizeof(a->chain));
		a->unsynced = 1;
		rc = 0;
		if (a->to_syslog)
			syslog(AUDIT_SYSLOG_FACILITY | LOG_INFO, "mugai-audit %.*s",
			       (int)s->len - 1, s->str);
	} else if (n > 0 && ftruncate(a->fd, a->size) != 0) {
		/* a partial line stays: appending after it would break the
		 * chain; the next start repairs it */
		log_warn("audit log: cannot remove a partial line; no more records until a restart");
		a->broken = 1;
	}
	if (rc == 0 && sync) {
		rc = fdatasync(a->fd);
		if (rc == 0)
			audit_synced(a);
	}
	g_string_free(s, TRUE);
	free(body);
	return rc;
}

static int audit_write(struct audit *a, json_t *event, int sync)
{
	json_t *e = json_deep_copy(event);
	char when[64];
	struct timespec ts;
	struct tm tm;
	int rc;

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
	rc = audit_write_locked(a, e, sync);
	pthread_mutex_unlock(&a->mu);
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
		if (rc == 0)
			audit_synced(a);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

static int audit_fail(struct audit_report *r, unsigned long line, char *err, size_t errlen,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int audit_fail(struct audit_report *r, unsigned long line, char *err, size_t errlen,
		      const char *fmt, ...)
{
	va_list ap;

	r->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* the anchors of chain naming records beyond the last line: the tail was
 * removed (the highest such seq, else 0); *last the highest anchored seq */
static uint64_t audit_anchors_beyond(GHashTable *anchors, const char *chain, uint64_t lines,
				     uint64_t *last)
{
	GHashTableIter it;
	gpointer k, v;
	size_t clen = strlen(chain);
	uint64_t beyond = 0;

	*last = 0;
	g_hash_table_iter_init(&it, anchors);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *key = k;
		uint64_t seq;

		if (strncmp(key, chain, clen) != 0 || key[clen] != ':')
			continue;
		seq = g_ascii_strtoull(key + clen + 1, NULL, 10);
		if (seq > *last)
			*last = seq;
		if (seq > lines && seq > beyond)
			beyond = seq;
	}
	return beyond;
}

int audit_verify(const char *path, const char *key_file, const char *anchors,
		 struct audit_report *r, char *err, size_t errlen)
{
	unsigned char key[AUDIT_KEY_LEN];
	char kpath[AUDIT_PATH_MAX], prev[AUDIT_HEX + 1] = AUDIT_ZERO, *line = NULL;
	GHashTable *want = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (audit_key_path(path, key_file, kpath, sizeof(kpath)) != 0) {
		snprintf(err, errlen, "%s: key file path too long", path);
		return -1;
	}
	if (audit_key_load(kpath, key, err, errlen) != 0)
		return -1;
	if (anchors != NULL) {
		FILE *af = fopen(anchors, "re");
		uint64_t top;
		char m[AUDIT_HEX + 1];

		if (af == NULL) {
			snprintf(err, errlen, "%s: %s", anchors, strerror(errno));
			return -1;
		}
		want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		audit_anchor_scan(af, "", &top, m, want, NULL);
		fclose(af);
	}
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
		goto out;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char mac[AUDIT_HEX + 1], lprev[AUDIT_HEX + 1];
		uint64_t seq;
		const char *why;

		if (line[n - 1] != '\n') {
			rc = audit_fail(r, r->lines + 1, err, errlen, "line %lu is not terminated "
					"(a torn write: mugaid removes and records it at its next "
					"start; or the file was cut)", r->lines + 1);
			break;
		}
		line[--n] = '\0';
		r->lines++;
		if (audit_check_line(key, line, (size_t)n, mac, &seq, lprev, &why) != 0) {
			rc = audit_fail(r, r->lines, err, errlen, "line %lu: %s", r->lines, why);
			break;
		}
		if (seq != r->lines || strcmp(lprev, prev) != 0) {
			rc = audit_fail(r, r->lines, err, errlen, "line %lu: the chain is broken (a "
					"line before it was removed or inserted, or lines were "
					"reordered)", r->lines);
			break;
		}
		if (r->lines == 1)
			g_strlcpy(r->chain, mac, sizeof(r->chain));
		if (strstr(line, "\"event\":\"audit repaired\"") != NULL)
			r->repaired++;
		if (want != NULL) {
			char k[AUDIT_CHAIN_HEX + 24];
			const char *am;

			snprintf(k, sizeof(k), "%s:%" PRIu64, r->chain, seq);
			am = g_hash_table_lookup(want, k);
			if (am != NULL && !audit_mac_equal(am, mac)) {
				rc = audit_fail(r, r->lines, err, errlen, "line %lu is not the "
						"one anchored (it, or the chain up to it, was "
						"rewritten)", r->lines);
				break;
			}
			r->anchors_checked += am != NULL;
		}
		g_strlcpy(prev, mac, sizeof(prev));
	}
	fclose(f);
	if (rc == 0 && want != NULL) {
		uint64_t beyond = audit_anchors_beyond(want, r->chain, r->lines, &r->last_anchor);

		if (beyond > 0)
			rc = audit_fail(r, r->lines + 1, err, errlen, "an anchor names record %"
					PRIu64 " but the log has %lu: its tail was removed", beyond,
					r->lines);
		else if (r->anchors_checked == 0)
			rc = audit_fail(r, r->lines ? 1 : 0, err, errlen, "no anchor names this log "
					"(chain %s): it was rewritten from its first line, or the "
					"anchors are of another log", r->lines ? r->chain : "empty");
	}
out:
	if (want != NULL)
		g_hash_table_destroy(want);
	explicit_bzero(key, sizeof(key));
	free(line);
	return rc;
}
