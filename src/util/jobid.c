/* jobid.c - new job ids and the one check of their form */
#include "mugai/jobid.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

int jobid_new(char id[JOBID_LEN + 1])
{
	unsigned char r[JOBID_LEN / 2];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
	return 0;
}

int jobid_valid(const char *id)
{
	return id != NULL && strlen(id) == JOBID_LEN &&
	       strspn(id, "0123456789abcdef") == JOBID_LEN;
}
