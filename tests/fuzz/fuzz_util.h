/* fuzz_util.h - what the filter harnesses share */
#ifndef MUGAI_FUZZ_UTIL_H
#define MUGAI_FUZZ_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* remove every file of the output directory dfd (filters write no
 * subdirectories): the next run starts from an empty directory */
static inline void fuzz_empty_dir(int dfd)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *e;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dfd, e->d_name, 0);
	closedir(d);
}

#endif
