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
	const char *filter;       /* filter name, NULL for ACTION_BLOCK and ACTION_SCAN */
	const char *then;         /* a second filter run on the first one's output
				   * (office-pdf -> pdf-image), or NULL */
	char reason[POLICY_REASON_MAX]; /* why blocked, or a note */
};

/* requested_mode: 0 (auto), ACTION_TEXT, ACTION_IMAGE_PDF, ACTION_CDR or ACTION_SCAN */
void policy_decide(const struct mugai_config *cfg, const struct detect_result *d,
		   int requested_mode, struct policy_decision *out);

#endif
