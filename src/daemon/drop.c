/*
 * drop.c - the inbox side of the drop folder (see drop.h).
 *
 * One thread watches every inbox tree with inotify: each folder is watched
 * first and read after, so a file written between its mkdir and its watch
 * is seen by the read; IN_Q_OVERFLOW (and a folder moved) rebuilds every
 * watch and reads every tree again.  A file becomes pending when it is
 * seen; it is taken once it was closed after writing (IN_CLOSE_WRITE),
 * moved in (IN_MOVED_TO) or found by a read, and then quiet for
 * [drop] settle_ms: size and mtime unchanged.
 *
 * Taking: the file is opened with O_NOFOLLOW below folders opened with
 * O_NOFOLLOW, must still be the file that settled (dev, ino, size, mtime),
 * is copied into a new job of the spool and must not have changed while
 * it was; the job is then made durable and queued (worker_submit_from:
 * fsync'ed and renamed, as an upload), and only then is the inbox name
 * removed (if it is still that file).  A crash after the job is durable
 * and before the removal leaves a file whose identity a job's meta holds:
 * at the next start it is removed, not taken twice.
 *
 * Ignored and left in place: names beginning with "~$", ".~lock." or "."
 * and ending in ".tmp", ".part" or ".crdownload".  Symlinks, FIFOs,
 * sockets, devices and files with more than one link are never read; each
 * is logged once.  Everything is bounded: [drop] max_watches folders,
 * max_pending files seen at once (more are found by a read of the trees
 * once there is room), max_depth folder levels, max_queued jobs waiting
 * for a worker before the inboxes wait.
 */
#include "drop.h"
#include "mugai/clock.h"
#include "mugai/log.h"
#include "mugai/release.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define DROP_TICK_MS 100          /* pending files are looked at this often */
#define DROP_IDLE_MS 1000         /* ... and the stop flag when none is pending */
#define DROP_NOTED_MAX 4096       /* names logged once, remembered */
#define DROP_EVENT_BUF 65536      /* bytes of inotify events read at once */
#define DROP_COPY_BUF 65536

#define DROP_MASK (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
		   IN_DELETE | IN_ATTRIB | IN_ONLYDIR)

struct drop_watch {
	unsigned pair;
	char *rel;                    /* "" for the inbox itself */
	unsigned depth;
};

struct drop_pending {
	unsigned pair;
	char *rel;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int64_t quiet_since;          /* mugai_now_ms() of the last change */
	int closed;                   /* written and closed, moved in, or found */
};

struct drop {
	struct daemon *d;
	struct drop_pair pairs[CONFIG_DROP_PAIRS_MAX];
	unsigned npairs;
	struct drop_outbox_opts oo;
	int ifd;                      /* inotify */
	int stop[2];                  /* a byte on stop[1] stops the thread */
	pthread_t th;
	int running;
	GHashTable *watches;          /* wd -> struct drop_watch */
	GHashTable *pending;          /* "pair/rel" -> struct drop_pending */
	GHashTable *noted;            /* "pair/rel" logged once */
	GHashTable *taken;            /* inbox identities of the spool's drop jobs */
	int rescan;                   /* rebuild the watches and read every tree */
	int pending_full;             /* some file was not made pending: read again */
	int watches_full;             /* logged once */
};

/* names that staff's programs use for files being written, and hidden ones */
static int drop_ignored(const char *name)
{
	static const char *const suffixes[] = { ".tmp", ".part", ".crdownload" };
	size_t len = strlen(name);

	if (name[0] == '.' || strncmp(name, "~$", 2) == 0 || strncmp(name, ".~lock.", 7) == 0)
		return 1;
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (len >= sl && g_ascii_strcasecmp(name + len - sl, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

static void drop_watch_free(void *p)
{
	struct drop_watch *w = p;

	g_free(w->rel);
	g_free(w);
}

static void drop_pending_free(void *p)
{
	struct drop_pending *pe = p;

	g_free(pe->rel);
	g_free(pe);
}

/* log something about pair/rel once */
static void drop_note(struct drop *dr, unsigned pair, const char *rel, const char *what)
{
	gchar *key = g_strdup_printf("%u/%s", pair, rel);

	if (g_hash_table_contains(dr->noted, key)) {
		g_free(key);
		return;
	}
	log_warnx("drop %s: %s: %s", dr->pairs[pair].name, rel, what);
	if (g_hash_table_size(dr->noted) < DROP_NOTED_MAX)
		g_hash_table_add(dr->noted, key);
	else
		g_free(key);
}

/* the folder rel ("" = the inbox) of pair, opened without following a
 * link anywhere below the inbox: its fd, -1 */
static int drop_open_dir(struct drop *dr, unsigned pair, const char *rel)
{
	gchar **parts = g_strsplit(rel, "/", -1);
	/* opened anew, not dup'ed: a dup would share the read offset of the
	 * folder with every earlier read of it */
	int fd = openat(dr->pairs[pair].inbox_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (size_t i = 0; fd >= 0 && parts[i] != NULL; i++) {
		int next;

		if (parts[i][0] == '\0')
			continue;
		next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	g_strfreev(parts);
	return fd;
}

static gchar *drop_join(const char *dir, const char *name)
{
	return dir[0] == '\0' ? g_strdup(name) : g_strdup_printf("%s/%s", dir, name);
}

/* the identity a job's meta keeps of the inbox file it came from */
static gchar *drop_identity(const struct drop *dr, unsigned pair, const char *rel,
			    const struct stat *st)
{
	return g_strdup_printf("%s|%s|%ju|%ju|%jd|%jd.%09ld", dr->pairs[pair].name, rel,
			       (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
			       (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
			       st->st_mtim.tv_nsec);
}

/* a file seen (st from lstat): pending, or its change noted */
static void drop_seen(struct drop *dr, unsigned pair, const char *rel, const struct stat *st,
		      int closed)
{
	gchar *key = g_strdup_printf("%u/%s", pair, rel);
	struct drop_pending *pe = g_hash_table_lookup(dr->pending, key);

	if (pe != NULL) {
		if (pe->dev != st->st_dev || pe->ino != st->st_ino || pe->size != st->st_size ||
		    pe->mtime.tv_sec != st->st_mtim.tv_sec ||
		    pe->mtime.tv_nsec != st->st_mtim.tv_nsec) {
			pe->dev = st->st_dev;
			pe->ino = st->st_ino;
			pe->size = st->st_size;
			pe->mtime = st->st_mtim;
			pe->quiet_since = mugai_now_ms();
		}
		pe->closed |= closed;
		g_free(key);
		return;
	}
	if (g_hash_table_size(dr->pending) >= dr->d->cfg.drop_max_pending) {
		dr->pending_full = 1; /* found again by a read once there is room */
		g_free(key);
		return;
	}
	pe = g_new0(struct drop_pending, 1);
	pe->pair = pair;
	pe->rel = g_strdup(rel);
	pe->dev = st->st_dev;
	pe->ino = st->st_ino;
	pe->size = st->st_size;
	pe->mtime = st->st_mtim;
	pe->quiet_since = mugai_now_ms();
	pe->closed = closed;
	g_hash_table_insert(dr->pending, key, pe);
}

/* a name in folder dirfd (rel its path) looked at: a folder is watched and
 * read, a file made pending, anything else noted */
static void drop_scan_dir(struct drop *dr, unsigned pair, const char *rel, unsigned depth);

static void drop_look(struct drop *dr, unsigned pair, int dirfd, const char *dirrel,
		      const char *name, unsigned depth, int closed)
{
	gchar *rel;
	struct stat st;

	if (drop_ignored(name))
		return;
	rel = drop_join(dirrel, name);
	if (strlen(rel) >= RELEASE_PATH_MAX - CONFIG_PATH_MAX / 4 ||
	    strlen(name) > RELEASE_COMPONENT_MAX - 16) {
		drop_note(dr, pair, rel, "name too long: left in the inbox");
	} else if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		/* gone meanwhile */
	} else if (S_ISDIR(st.st_mode)) {
		if (depth + 1 > dr->d->cfg.drop_max_depth)
			drop_note(dr, pair, rel, "folder deeper than [drop] max_depth: not watched");
		else
			drop_scan_dir(dr, pair, rel, depth + 1);
	} else if (!S_ISREG(st.st_mode)) {
		drop_note(dr, pair, rel, S_ISLNK(st.st_mode) ? "a symbolic link: never followed" :
			  "not a regular file (FIFO, socket or device): never read");
	} else if (st.st_nlink != 1) {
		drop_note(dr, pair, rel, "a file with more than one link: never read");
	} else if (!g_utf8_validate(name, -1, NULL)) {
		drop_note(dr, pair, rel, "name not UTF-8: left in the inbox");
	} else {
		drop_seen(dr, pair, rel, &st, closed);
	}
	g_free(rel);
}

/* watch the folder, then read it (and below) */
static void drop_scan_dir(struct drop *dr, unsigned pair, const char *rel, unsigned depth)
{
	int fd = drop_open_dir(dr, pair, rel), wd;
	char proc[64];
	DIR *dp;
	struct dirent *e;

	if (fd < 0)
		return;
	if (g_hash_table_size(dr->watches) >= dr->d->cfg.drop_max_watches) {
		if (!dr->watches_full)
			log_warnx("drop: more than [drop] max_watches = %u folders: %s/%s and "
				  "others not watched", dr->d->cfg.drop_max_watches,
				  dr->pairs[pair].name, rel);
		dr->watches_full = 1;
	} else {
		/* the folder just opened, not whatever the path names now */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		wd = inotify_add_watch(dr->ifd, proc, DROP_MASK);
		if (wd < 0) {
			gchar *path = g_strdup_printf("%s/%s", dr->pairs[pair].inbox, rel);

			wd = inotify_add_watch(dr->ifd, path, DROP_MASK | IN_DONT_FOLLOW);
			g_free(path);
		}
		if (wd < 0) {
			log_warn("drop %s: cannot watch %s", dr->pairs[pair].name,
				 rel[0] ? rel : "the inbox");
		} else {
			struct drop_watch *w = g_new0(struct drop_watch, 1);

			w->pair = pair;
			w->rel = g_strdup(rel);
			w->depth = depth;
			g_hash_table_replace(dr->watches, GINT_TO_POINTER(wd), w);
		}
	}
	dp = fdopendir(fd);
	if (dp == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			drop_look(dr, pair, dirfd(dp), rel, e->d_name, depth, 1);
	closedir(dp);
}

/* every watch rebuilt, every tree read */
static void drop_scan_all(struct drop *dr)
{
	GHashTableIter it;
	gpointer wd;

	g_hash_table_iter_init(&it, dr->watches);
	while (g_hash_table_iter_next(&it, &wd, NULL))
		inotify_rm_watch(dr->ifd, GPOINTER_TO_INT(wd));
	g_hash_table_remove_all(dr->watches);
	dr->rescan = 0;
	dr->pending_full = 0;
	dr->watches_full = 0;
	for (unsigned i = 0; i < dr->npairs; i++)
		drop_scan_dir(dr, i, "", 0);
}

static void drop_event(struct drop *dr, const struct inotify_event *ev)
{
	struct drop_watch *w;
	gchar *rel, *key;
	int fd;

	if (ev->mask & IN_Q_OVERFLOW) {
		log_warnx("drop: inotify queue overflow: reading every inbox again");
		dr->rescan = 1;
		return;
	}
	w = g_hash_table_lookup(dr->watches, GINT_TO_POINTER(ev->wd));
	if (w == NULL)
		return;
	if (ev->mask & IN_IGNORED) {
		g_hash_table_remove(dr->watches, GINT_TO_POINTER(ev->wd));
		return;
	}
	if (ev->len == 0 || drop_ignored(ev->name))
		return;
	if (ev->mask & IN_ISDIR) {
		if (ev->mask & IN_MOVED_FROM)
			dr->rescan = 1; /* the watches below it name the old path */
		else if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
			fd = drop_open_dir(dr, w->pair, w->rel);
			if (fd >= 0) {
				drop_look(dr, w->pair, fd, w->rel, ev->name, w->depth, 1);
				close(fd);
			}
		}
		return;
	}
	rel = drop_join(w->rel, ev->name);
	if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		key = g_strdup_printf("%u/%s", w->pair, rel);
		g_hash_table_remove(dr->pending, key);
		g_free(key);
	} else {
		fd = drop_open_dir(dr, w->pair, w->rel);
		if (fd >= 0) {
			drop_look(dr, w->pair, fd, w->rel, ev->name, w->depth,
				  (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0);
			close(fd);
		}
	}
	g_free(rel);
}

static int drop_same(const struct stat *st, const struct drop_pending *pe)
{
	return st->st_dev == pe->dev && st->st_ino == pe->ino && st->st_size == pe->size &&
	       st->st_mtim.tv_sec == pe->mtime.tv_sec && st->st_mtim.tv_nsec == pe->mtime.tv_nsec;
}

/* copy in to out, at most size bytes: -1 when more are there (it grew) */
static int drop_copy(int in, int out, off_t size)
{
	char buf[DROP_COPY_BUF];
	ssize_t n;
	off_t done = 0;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		char *p = buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (done += n) > size)
			return -1;
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			p += w;
			n -= w;
		}
	}
	return 0;
}

/* remove the inbox name if it is still the file that was taken */
static void drop_unlink_taken(int dir, const char *base, const struct stat *st)
{
	struct stat now;

	if (fstatat(dir, base, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == st->st_dev &&
	    now.st_ino == st->st_ino && unlinkat(dir, base, 0) != 0)
		log_warn("drop: cannot remove %s from the inbox", base);
}

enum { TAKE_DONE, TAKE_AGAIN };

/* take a settled file: TAKE_DONE (taken, or gone, or left for good),
 * TAKE_AGAIN (it changed, or the spool failed: settle again) */
static int drop_take(struct drop *dr, struct drop_pending *pe)
{
	struct daemon *d = dr->d;
	const char *slash = strrchr(pe->rel, '/');
	const char *base = slash != NULL ? slash + 1 : pe->rel;
	gchar *dirrel = slash != NULL ? g_strndup(pe->rel, (gsize)(slash - pe->rel)) : g_strdup("");
	gchar *ident = NULL;
	char id[JOBID_LEN + 1];
	struct stat st, after;
	int dir = drop_open_dir(dr, pe->pair, dirrel), fd = -1, ofd = -1, rc = TAKE_DONE;
	json_t *from = NULL;

	if (dir < 0)
		goto out;
	fd = openat(dir, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			drop_note(dr, pe->pair, pe->rel, "a symbolic link: never followed");
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		drop_note(dr, pe->pair, pe->rel, "not a regular file: never read");
		goto out;
	}
	if (!drop_same(&st, pe)) {
		rc = TAKE_AGAIN; /* replaced or written since it settled */
		goto out;
	}
	if (st.st_nlink != 1) {
		drop_note(dr, pe->pair, pe->rel, "a file with more than one link: never read");
		goto out;
	}
	ident = drop_identity(dr, pe->pair, pe->rel, &st);
	if (g_hash_table_remove(dr->taken, ident)) {
		/* durable in the spool before a stop, not yet removed */
		log_info("drop %s: %s was taken before the stop: removed from the inbox",
			 dr->pairs[pe->pair].name, pe->rel);
		drop_unlink_taken(dir, base, &st);
		goto out;
	}
	if ((uint64_t)st.st_size > d->cfg.input_max_size) {
		drop_note(dr, pe->pair, pe->rel,
			  "larger than [limits] input_max_size: left in the inbox");
		goto out;
	}
	if (spool_intake_create(d->spool, id, &ofd) != 0) {
		log_warnx("drop %s: %s: cannot create a job in the spool; tried again",
			  dr->pairs[pe->pair].name, pe->rel);
		rc = TAKE_AGAIN;
		goto out;
	}
	if (drop_copy(fd, ofd, st.st_size) != 0 || fstat(fd, &after) != 0 || !drop_same(&after, pe)) {
		/* a writer came back while it was copied: settle again */
		spool_intake_abort(d->spool, id);
		rc = TAKE_AGAIN;
		goto out;
	}
	from = json_pack("{s:s, s:s, s:s, s:s}", "source", "drop", "drop",
			 dr->pairs[pe->pair].name, "path", pe->rel, "inbox", ident);
	if (from == NULL || worker_submit_from(d, id, base, 0, ofd, from) != 0) {
		/* worker_submit_from removed the job */
		if (from == NULL)
			spool_intake_abort(d->spool, id);
		log_warnx("drop %s: %s: cannot queue the job; tried again",
			  dr->pairs[pe->pair].name, pe->rel);
		rc = TAKE_AGAIN;
		goto out;
	}
	/* durable and queued: only now does it leave the inbox */
	drop_unlink_taken(dir, base, &st);
	log_info("drop %s: %s taken as job %s", dr->pairs[pe->pair].name, pe->rel, id);
out:
	if (ofd >= 0)
		close(ofd);
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	json_decref(from);
	g_free(ident);
	g_free(dirrel);
	return rc;
}

/* the pending files that settled are taken, as far as the queue has room */
static void drop_tick(struct drop *dr)
{
	struct daemon *d = dr->d;
	int64_t now = mugai_now_ms();
	GHashTableIter it;
	gpointer key, val;

	g_hash_table_iter_init(&it, dr->pending);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		struct drop_pending *pe = val;
		unsigned depth, active;
		struct stat st;
		gchar *dirrel;
		const char *slash;
		int dir, lrc;

		if (!pe->closed || now - pe->quiet_since < (int64_t)d->cfg.drop_settle_ms)
			continue;
		worker_gauges(d, &depth, &active);
		if (depth >= d->cfg.drop_max_queued)
			break; /* the workers are behind: the inbox waits */
		slash = strrchr(pe->rel, '/');
		dirrel = slash != NULL ? g_strndup(pe->rel, (gsize)(slash - pe->rel)) : g_strdup("");
		dir = drop_open_dir(dr, pe->pair, dirrel);
		lrc = dir >= 0 ? fstatat(dir, slash != NULL ? slash + 1 : pe->rel, &st,
					 AT_SYMLINK_NOFOLLOW) : -1;
		if (dir >= 0)
			close(dir);
		g_free(dirrel);
		if (lrc != 0 || !S_ISREG(st.st_mode)) {
			g_hash_table_iter_remove(&it); /* gone, or replaced by something else */
			continue;
		}
		if (!drop_same(&st, pe)) {
			drop_seen(dr, pe->pair, pe->rel, &st, 0);
			continue;
		}
		if (drop_take(dr, pe) == TAKE_AGAIN) {
			pe->quiet_since = mugai_now_ms();
			continue;
		}
		g_hash_table_iter_remove(&it);
	}
	/* files not made pending for want of room: read the trees again */
	if (dr->pending_full && g_hash_table_size(dr->pending) < d->cfg.drop_max_pending / 2)
		dr->rescan = 1;
}

static void *drop_thread(void *arg)
{
	struct drop *dr = arg;
	char *buf = g_malloc(DROP_EVENT_BUF);

	drop_scan_all(dr);
	for (;;) {
		struct pollfd pfd[2] = { { dr->ifd, POLLIN, 0 }, { dr->stop[0], POLLIN, 0 } };
		int timeout = g_hash_table_size(dr->pending) > 0 ? DROP_TICK_MS : DROP_IDLE_MS;

		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			log_warn("drop: poll");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents & POLLIN) {
			ssize_t n;

			while ((n = read(dr->ifd, buf, DROP_EVENT_BUF)) > 0) {
				for (char *p = buf; p < buf + n;) {
					const struct inotify_event *ev = (const void *)p;

					drop_event(dr, ev);
					p += sizeof(*ev) + ev->len;
				}
			}
		}
		if (dr->rescan)
			drop_scan_all(dr);
		drop_tick(dr);
	}
	g_free(buf);
	return NULL;
}

/* what the spool already holds of the drop folders (spool_list) */
struct drop_known {
	struct drop *dr;
	GPtrArray *undelivered;
};

static void drop_known_job(void *arg, const char *id, enum spool_state state, json_t *meta,
			   json_t *result, time_t received)
{
	struct drop_known *k = arg;
	const char *source = json_string_value(json_object_get(meta, "source"));
	const char *ident = json_string_value(json_object_get(meta, "inbox"));

	(void)received;
	if (source == NULL || strcmp(source, "drop") != 0)
		return;
	if (ident != NULL)
		g_hash_table_add(k->dr->taken, g_strdup(ident));
	if (state == SPOOL_DONE && result != NULL &&
	    !json_is_true(json_object_get(result, "drop_delivered")))
		g_ptr_array_add(k->undelivered, g_strdup(id));
	else if (state == SPOOL_DONE && result != NULL)
		drop_outbox_sweep(&k->dr->oo, id, result);
}

static int drop_open_pair(struct drop *dr, const char *name, const char *inbox,
			  const char *outbox, char *err, size_t errlen)
{
	struct drop_pair *p = &dr->pairs[dr->npairs];
	struct stat a, b;

	g_strlcpy(p->name, name, sizeof(p->name));
	g_strlcpy(p->inbox, inbox, sizeof(p->inbox));
	g_strlcpy(p->outbox, outbox, sizeof(p->outbox));
	p->inbox_fd = open(inbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	p->outbox_fd = open(outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dr->npairs++;
	if (p->inbox_fd < 0 || p->outbox_fd < 0) {
		snprintf(err, errlen, "[drop%s%s] %s %s: %s", strcmp(name, "drop") ? "." : "",
			 strcmp(name, "drop") ? name : "", p->inbox_fd < 0 ? "inbox" : "outbox",
			 p->inbox_fd < 0 ? inbox : outbox, strerror(errno));
		return -1;
	}
	if (fstat(p->inbox_fd, &a) == 0 && fstat(p->outbox_fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		snprintf(err, errlen, "[drop] %s: inbox and outbox are the same folder", name);
		return -1;
	}
	return 0;
}

struct drop *drop_start(struct daemon *d, char *err, size_t errlen)
{
	const struct mugai_config *c = &d->cfg;
	struct drop *dr;
	struct drop_known k;

	err[0] = '\0';
	if (c->drop_inbox[0] == '\0' && c->drop_outbox[0] == '\0' && c->drop_npairs == 0)
		return NULL;
	if ((c->drop_inbox[0] == '\0') != (c->drop_outbox[0] == '\0')) {
		snprintf(err, errlen, "[drop] wants both inbox and outbox");
		return NULL;
	}
	dr = g_new0(struct drop, 1);
	dr->d = d;
	dr->ifd = -1;
	dr->stop[0] = dr->stop[1] = -1;
	for (unsigned i = 0; i < CONFIG_DROP_PAIRS_MAX; i++)
		dr->pairs[i].inbox_fd = dr->pairs[i].outbox_fd = -1;
	dr->watches = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, drop_watch_free);
	dr->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, drop_pending_free);
	dr->noted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	dr->taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	dr->oo.d = d;
	dr->oo.pairs = dr->pairs;
	dr->oo.report_suffix = c->drop_report_suffix;
	dr->oo.mode = (mode_t)c->drop_outbox_mode;
	dr->oo.gid = (gid_t)-1;
	if (c->drop_outbox_group[0] != '\0') {
		struct group *g = getgrnam(c->drop_outbox_group);

		if (g == NULL) {
			snprintf(err, errlen, "[drop] outbox_group %s: no such group",
				 c->drop_outbox_group);
			goto fail;
		}
		dr->oo.gid = g->gr_gid;
	}
	if (c->drop_inbox[0] != '\0' &&
	    drop_open_pair(dr, "drop", c->drop_inbox, c->drop_outbox, err, errlen) != 0)
		goto fail;
	for (unsigned i = 0; i < c->drop_npairs; i++)
		if (drop_open_pair(dr, c->drop_pairs[i].name, c->drop_pairs[i].inbox,
				   c->drop_pairs[i].outbox, err, errlen) != 0)
			goto fail;
	dr->oo.npairs = dr->npairs;
	/* jobs taken before the stop: their inbox files are not taken again,
	 * and the finished ones not yet in their outbox are written there now */
	k.dr = dr;
	k.undelivered = g_ptr_array_new_with_free_func(g_free);
	{
		int truncated = 0;

		spool_list(d->spool, SIZE_MAX, drop_known_job, &k, &truncated);
	}
	for (guint i = 0; i < k.undelivered->len; i++)
		drop_outbox_deliver(&dr->oo, k.undelivered->pdata[i]);
	if (k.undelivered->len > 0)
		log_info("drop: %u finished job%s written to the outbox after the stop",
			 k.undelivered->len, k.undelivered->len == 1 ? "" : "s");
	g_ptr_array_free(k.undelivered, TRUE);
	dr->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (dr->ifd < 0 || pipe2(dr->stop, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "drop: inotify: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&dr->th, NULL, drop_thread, dr) != 0) {
		snprintf(err, errlen, "drop: cannot start the inbox thread");
		goto fail;
	}
	dr->running = 1;
	for (unsigned i = 0; i < dr->npairs; i++)
		log_info("drop %s: inbox %s, outbox %s", dr->pairs[i].name, dr->pairs[i].inbox,
			 dr->pairs[i].outbox);
	return dr;
fail:
	drop_free(dr);
	return NULL;
}

void drop_stop(struct drop *dr)
{
	if (dr == NULL || !dr->running)
		return;
	if (write(dr->stop[1], "x", 1) != 1)
		log_warn("drop: cannot stop the inbox thread");
	pthread_join(dr->th, NULL);
	dr->running = 0;
}

void drop_free(struct drop *dr)
{
	if (dr == NULL)
		return;
	drop_stop(dr);
	for (unsigned i = 0; i < CONFIG_DROP_PAIRS_MAX; i++) {
		if (dr->pairs[i].inbox_fd >= 0)
			close(dr->pairs[i].inbox_fd);
		if (dr->pairs[i].outbox_fd >= 0)
			close(dr->pairs[i].outbox_fd);
	}
	if (dr->ifd >= 0)
		close(dr->ifd);
	if (dr->stop[0] >= 0) {
		close(dr->stop[0]);
		close(dr->stop[1]);
	}
	g_hash_table_destroy(dr->watches);
	g_hash_table_destroy(dr->pending);
	g_hash_table_destroy(dr->noted);
	g_hash_table_destroy(dr->taken);
	g_free(dr);
}

void drop_job_done(struct drop *dr, const char *id)
{
	if (dr != NULL && drop_outbox_deliver(&dr->oo, id) != 0)
		log_warnx("job %s: not written to the outbox; tried again at the next start", id);
}
