/*
 * policy.h - maps a detected type to an action and the filter that does it.
 * The caller may ask for a mode (text or image-pdf); the policy decides
 * whether that is allowed and what it means for each type class.
 */
#ifndef MUGAI_POLICY_H
#define MUGAI_POLICY_H

#include <stddef.h>

#include "mugai/config.h"
#include "mugai/detect.h"

#define POLICY_REASON_MAX 256

struct policy_decision {
	int action;               /* enum policy_action */
	const char *filter;       /* filter name, NULL for ACTION_BLOCK */
	char reason[POLICY_REASON_MAX]; /* why blocked, or a note */
};

/* requested_mode: 0 (auto), ACTION_TEXT or ACTION_IMAGE_PDF */
void policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
		   int requested_mode, struct policy_decision *out);

#endif
