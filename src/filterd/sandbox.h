/* sandbox.h - the layers mugai-filter puts itself in before reading input */
#ifndef MUGAI_SANDBOX_H
#define MUGAI_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h" /* FILTER_SANDBOX_WORK */

struct sandbox_params {
	uint32_t cpu_seconds;
	uint32_t open_files;
	uint64_t address_space;
	uint64_t file_size;
	int out_dir_fd;   /* the only place writes are allowed */
	int allow_exec;   /* FILTER_SANDBOX_EXEC: exec/fork/AF_UNIX allowed */
	int strict;       /* a missing layer is an error */
};

/* 0 with the active layers named in layers ("netns,rlimits,..."); -1 when a
 * mandatory layer (pdeathsig, rlimits, uid drop, no_new_privs, seccomp) or,
 * when strict, any layer could not be set up, with why naming it: the filter
 * must then not run */
int sandbox_enter(const struct sandbox_params *p, char *layers, size_t len, char *why,
		  size_t whylen);

#endif
