/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The verdict's sentences: the model returns numbers and what to advise (model/model.h); the
 * words are chosen here, once, for the text and the JSON report alike.
 */
#ifndef WS_VERDICT_H
#define WS_VERDICT_H

#include "model/model.h"

struct verdict_prose {
	char evidence[WS_MODEL_CONDITIONS][160]; /* one per condition, in order */
	char advice[256];
	char latency[256]; /* the latency note */
};

/* Word the evidence, advice and latency note of pr. */
void verdict_prose(const struct ws_prediction *pr, struct verdict_prose *out);

/* The headline of an async_helps value: "async would raise throughput", ... */
const char *verdict_headline(const char *async_helps);

#endif /* WS_VERDICT_H */
