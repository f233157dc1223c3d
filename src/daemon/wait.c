/*
 * wait.c - ?wait=SECONDS: requests parked until their job is done or their
 * deadline passes.  A parked request's connection is suspended
 * (MHD_suspend_connection): no pool thread is held while it waits.  The
 * worker tells us a job is done through wait_job_done (its notify
 * callback); a thread of our own resumes the requests whose deadline
 * passed.  What the resumed request answers is its handler's business.
 */
#include "daemon.h"
#include "mugai/clock.h"

#include <microhttpd.h>
#include <string.h>
#include <time.h>

/* how often the deadlines of parked requests are checked */
#define WAIT_TICK_MS 100
/* at stop, how long resumed requests may take to get their answer */
#define WAIT_STOP_GRACE_MS 2000

/* under wl->mu: take a parked waiter off the list */
static void wait_unlink_locked(struct waitlist *wl, struct waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		wl->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	wl->n--;
}

/* under wl->mu: unlink a parked waiter and resume its connection */
static void wait_wake_locked(struct waitlist *wl, struct waiter *w)
{
	wait_unlink_locked(wl, w);
	w->phase = WAIT_RESUMED;
	wl->answering++;
	MHD_resume_connection(w->c);
}

void wait_forget(struct waitlist *wl, struct waiter *w)
{
	pthread_mutex_lock(&wl->mu);
	if (w->phase == WAIT_PARKED) {
		/* a connection that ends while parked (only at shutdown) */
		wait_unlink_locked(wl, w);
		w->phase = WAIT_NONE;
	} else if (w->phase == WAIT_RESUMED) {
		/* answered (or gone): wait_stop() may be counting */
		w->phase = WAIT_NONE;
		wl->answering--;
		pthread_cond_broadcast(&wl->cv);
	}
	pthread_mutex_unlock(&wl->mu);
}

void wait_job_done(void *arg, const char *id)
{
	struct waitlist *wl = arg;
	struct waiter *w, *next;

	pthread_mutex_lock(&wl->mu);
	for (w = wl->head; w != NULL; w = next) {
		next = w->next;
		if (strcmp(w->id, id) == 0)
			wait_wake_locked(wl, w);
	}
	pthread_mutex_unlock(&wl->mu);
}

int wait_park(struct waitlist *wl, struct waiter *w, struct MHD_Connection *c,
	      const char *id, int seconds, int (*pending)(void *arg, const char *id), void *arg)
{
	int parked = 0;

	pthread_mutex_lock(&wl->mu);
	/* asked under mu: a job finishing now resumes us after this */
	if (pending(arg, id) && !wl->stopping) {
		if (wl->n < wl->max) {
			g_strlcpy(w->id, id, sizeof(w->id));
			w->c = c;
			w->deadline_ms = mugai_now_ms() + (int64_t)seconds * 1000;
			w->prev = NULL;
			w->next = wl->head;
			if (wl->head != NULL)
				wl->head->prev = w;
			wl->head = w;
			wl->n++;
			w->phase = WAIT_PARKED;
			/* under mu, so no resume can come before it */
			MHD_suspend_connection(c);
			pthread_cond_signal(&wl->cv);
			parked = 1;
		} else {
			wl->refused++;
		}
	}
	pthread_mutex_unlock(&wl->mu);
	return parked;
}

void wait_gauges(struct waitlist *wl, unsigned *waiters, uint64_t *refused)
{
	pthread_mutex_lock(&wl->mu);
	*waiters = wl->n;
	*refused = wl->refused;
	pthread_mutex_unlock(&wl->mu);
}

/* wait on cv (mu held) for a signal or one tick, whichever comes first */
static void wait_tick_locked(struct waitlist *wl)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += WAIT_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&wl->cv, &wl->mu, &ts);
}

/* resumes the waiters whose deadline passed, every WAIT_TICK_MS while there
 * are any */
static void *wait_thread(void *arg)
{
	struct waitlist *wl = arg;

	pthread_mutex_lock(&wl->mu);
	while (!wl->stopping) {
		struct waiter *w, *next;
		int64_t now;

		if (wl->head == NULL)
			pthread_cond_wait(&wl->cv, &wl->mu);
		else
			wait_tick_locked(wl);
		now = mugai_now_ms();
		for (w = wl->head; w != NULL; w = next) {
			next = w->next;
			if (now >= w->deadline_ms)
				wait_wake_locked(wl, w);
		}
	}
	pthread_mutex_unlock(&wl->mu);
	return NULL;
}

int wait_start(struct waitlist *wl, unsigned max)
{
	pthread_condattr_t ca;

	memset(wl, 0, sizeof(*wl));
	wl->max = max;
	pthread_mutex_init(&wl->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wl->cv, &ca);
	pthread_condattr_destroy(&ca);
	return pthread_create(&wl->thread, NULL, wait_thread, wl) == 0 ? 0 : -1;
}

void wait_stop(struct waitlist *wl)
{
	int64_t until = mugai_now_ms() + WAIT_STOP_GRACE_MS;

	pthread_mutex_lock(&wl->mu);
	wl->stopping = 1;
	while (wl->head != NULL)
		wait_wake_locked(wl, wl->head);
	pthread_cond_broadcast(&wl->cv);
	pthread_mutex_unlock(&wl->mu);
	pthread_join(wl->thread, NULL);
	/* the resumed requests get their 202 before the listeners close */
	pthread_mutex_lock(&wl->mu);
	while (wl->answering > 0 && mugai_now_ms() < until)
		wait_tick_locked(wl);
	pthread_mutex_unlock(&wl->mu);
}
