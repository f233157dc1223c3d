/* beside.h - run a function in a thread of its own, beside the caller */
#ifndef MUGAI_BESIDE_H
#define MUGAI_BESIDE_H

#include <pthread.h>

/* fn(arg) in a new thread: 1 (join *th); 0 when none could be made and it
 * ran here */
static inline int beside_run(pthread_t *th, void *(*fn)(void *), void *arg)
{
	if (pthread_create(th, NULL, fn, arg) == 0)
		return 1;
	fn(arg);
	return 0;
}

#endif
