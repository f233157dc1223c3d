/* engine.c - the shared ClamAV engine, swapped without downtime on reload */
#include "daemon.h"
#include "mugai/log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct engine_ref *engine_acquire(struct daemon *d)
{
	struct engine_ref *r;

	pthread_mutex_lock(&d->emu);
	r = d->engine;
	if (r != NULL)
		r->refs++;
	pthread_mutex_unlock(&d->emu);
	return r;
}

void engine_release(struct daemon *d, struct engine_ref *r)
{
	int free_it;

	if (r == NULL)
		return;
	pthread_mutex_lock(&d->emu);
	free_it = --r->refs == 0;
	pthread_mutex_unlock(&d->emu);
	if (free_it) {
		scan_engine_free(r->eng);
		free(r);
	}
}

/* newest mtime of the database directory and the files in it */
time_t engine_db_mtime(const char *dir)
{
	struct stat st;
	time_t t = 0;
	DIR *dp = opendir(dir);
	struct dirent *e;

	if (stat(dir, &st) == 0)
		t = st.st_mtime;
	while (dp != NULL && (e = readdir(dp)) != NULL) {
		char path[2048];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && st.st_mtime > t)
			t = st.st_mtime;
	}
	if (dp != NULL)
		closedir(dp);
	return t;
}

/* Compile the new engine beside the old one, then swap; a failure keeps the
 * old engine (and says so). */
int engine_reload(struct daemon *d)
{
	char err[512];
	struct engine_ref *r, *old;
	time_t mt = engine_db_mtime(d->cfg.database_dir);
	struct scan_engine *eng = scan_engine_load(&d->cfg, d->cfg.database_dir, err, sizeof(err));

	if (eng == NULL) {
		metrics_reload(&d->metrics, 0);
		pthread_mutex_lock(&d->emu);
		snprintf(d->engine_error, sizeof(d->engine_error), "%s", err);
		pthread_mutex_unlock(&d->emu);
		log_warnx("signature reload failed, %s: %s", d->engine ? "keeping the loaded engine"
			  : "no engine loaded", err);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		scan_engine_free(eng);
		return -1;
	}
	r->eng = eng;
	r->refs = 1; /* the daemon's own reference */
	pthread_mutex_lock(&d->emu);
	old = d->engine;
	d->engine = r;
	d->db_mtime = mt;
	d->engine_error[0] = '\0';
	pthread_mutex_unlock(&d->emu);
	engine_release(d, old);
	metrics_reload(&d->metrics, 1);
	log_info("signatures loaded from %s: %u signatures", d->cfg.database_dir,
		 scan_engine_signatures(eng));
	return 0;
}
