/*
 * tries.c - the password tries of held jobs.  Each try is a sandboxed
 * filter run and a guess: a job takes at most [daemon]
 * password_tries_per_minute in TRIES_WINDOW seconds and
 * password_tries_max in all; then it is locked until an administrator
 * resets it (POST /v1/jobs/{id}/password-reset).  The counts are kept in
 * memory, under the caller's lock (d->jmu): a restart of mugaid counts
 * from zero again.
 */
#include "daemon.h"

#include <stdlib.h>

void tries_init(struct tries *t, uint32_t per_minute, uint32_t max)
{
	t->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	t->per_minute = per_minute;
	t->max = max;
}

int tries_step(struct tries_count *c, time_t now, uint32_t per_minute, uint32_t max,
	       int *first)
{
	*first = 0;
	if (c->total >= max) {
		*first = !c->lock_told;
		c->lock_told = 1;
		return TRIES_LOCKED;
	}
	/* a new minute (or the clock went back) */
	if (now < c->window || now - c->window >= TRIES_WINDOW) {
		c->window = now;
		c->in_window = 0;
		c->rate_told = 0;
	}
	if (c->in_window >= per_minute) {
		*first = !c->rate_told;
		c->rate_told = 1;
		return TRIES_RATE;
	}
	c->in_window++;
	c->total++;
	return TRIES_OK;
}

static struct tries_count *tries_count(struct tries *t, const char *id, time_t now)
{
	struct tries_count *c = g_hash_table_lookup(t->jobs, id);

	if (c == NULL) {
		c = g_new0(struct tries_count, 1);
		c->window = now;
		g_hash_table_insert(t->jobs, g_strdup(id), c);
	}
	return c;
}

int tries_take(struct tries *t, const char *id, time_t now, int *first)
{
	return tries_step(tries_count(t, id, now), now, t->per_minute, t->max, first);
}

int tries_take_total(struct tries *t, const char *id, time_t now, int *first)
{
	return tries_step(tries_count(t, id, now), now, UINT32_MAX, t->max, first);
}

int tries_reset(struct tries *t, const char *id)
{
	return g_hash_table_remove(t->jobs, id) ? 1 : 0;
}
