/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests of --prom. It
 * rejects what Prometheus or node_exporter's textfile collector would, and some more: every
 * sample needs a TYPE, families are contiguous, no duplicate series, histogram buckets sorted
 * and cumulative with a +Inf bucket equal to _count, label values valid UTF-8.
 */
#ifndef WS_PROM_PARSE_H
#define WS_PROM_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define PROM_MAX_LABELS 8

struct prom_label {
	char name[64];
	char value[256]; /* unescaped */
};

struct prom_sample {
	char name[128];
	char family[128];
	struct prom_label labels[PROM_MAX_LABELS];
	int n_labels;
	double value;
	int line;
};

struct prom_family {
	char name[128];
	char type[16];
	bool help;
};

struct prom_doc {
	struct prom_sample *samples;
	size_t n_samples;
	struct prom_family *families;
	size_t n_families;
};

/* Parse text (NUL-terminated). 0 on success; -1 with "line N: why" in err. */
int prom_parse(const char *text, struct prom_doc *doc, char *err, size_t err_size);
void prom_doc_free(struct prom_doc *doc);

/*
 * The sample called name whose labels include the given name/value pairs (NULL-terminated
 * varargs: "state", "on_cpu", NULL); NULL when none or more than one match.
 */
const struct prom_sample *prom_find(const struct prom_doc *doc, const char *name, ...);
const struct prom_family *prom_family_of(const struct prom_doc *doc, const char *name);

#endif /* WS_PROM_PARSE_H */
