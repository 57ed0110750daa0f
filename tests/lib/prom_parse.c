// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prom_parse.h"

struct parser {
	struct prom_doc *doc;
	const char *p; /* the current line */
	int line;
	char *err;
	size_t err_size;
	size_t cap_samples, cap_families;
	int open_family; /* index of the family whose samples are being read, -1 none */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(ps->err, ps->err_size, "line %d: ", ps->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->err_size)
		vsnprintf(ps->err + n, ps->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool name_char(char c, bool colon)
{
	return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* A metric (colon true) or label name at *s into out; advances *s. */
static int read_name(struct parser *ps, const char **s, char *out, size_t size, bool colon)
{
	size_t n = 0;

	if (!name_start(**s, colon))
		return fail(ps, "expected a %s name at '%.20s'", colon ? "metric" : "label", *s);
	while (name_char((*s)[n], colon))
		n++;
	if (n >= size)
		return fail(ps, "name too long");
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	return 0;
}

static size_t utf8_seq(const unsigned char *s)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* A quoted label value at *s (escapes \\ \" \n only), unescaped into out. */
static int read_label_value(struct parser *ps, const char **s, char *out, size_t size)
{
	const char *q = *s;
	size_t n = 0, k;

	if (*q++ != '"')
		return fail(ps, "label value must be quoted");
	while (*q != '"') {
		char c = *q;

		if (c == '\0' || c == '\n')
			return fail(ps, "unterminated label value");
		if (c == '\\') {
			q++;
			if (*q == 'n')
				c = '\n';
			else if (*q == '\\' || *q == '"')
				c = *q;
			else
				return fail(ps, "invalid escape '\\%c' in label value", *q);
			q++;
			if (n + 1 >= size)
				return fail(ps, "label value too long");
			out[n++] = c;
			continue;
		}
		k = utf8_seq((const unsigned char *)q);
		if (!k)
			return fail(ps, "label value is not UTF-8");
		if (n + k >= size)
			return fail(ps, "label value too long");
		memcpy(out + n, q, k);
		n += k;
		q += k;
	}
	out[n] = '\0';
	*s = q + 1;
	return 0;
}

/* A float as Go's strconv.ParseFloat takes it, plus +Inf/-Inf/NaN; the whole token. */
static int read_value(struct parser *ps, const char **s, double *v)
{
	const char *start = *s;
	char tok[64], *end;
	size_t n = strcspn(start, " \t\n");

	if (n == 0 || n >= sizeof(tok))
		return fail(ps, "missing or overlong value");
	memcpy(tok, start, n);
	tok[n] = '\0';
	if (!strcmp(tok, "+Inf") || !strcmp(tok, "Inf"))
		*v = INFINITY;
	else if (!strcmp(tok, "-Inf"))
		*v = -INFINITY;
	else if (!strcmp(tok, "NaN"))
		*v = NAN;
	else {
		errno = 0;
		*v = strtod(tok, &end);
		if (*end || end == tok || isnan(*v) || isinf(*v))
			return fail(ps, "invalid value '%s'", tok);
	}
	*s += n;
	return 0;
}

static struct prom_family *find_family(struct prom_doc *doc, const char *name)
{
	for (size_t i = 0; i < doc->n_families; i++)
		if (!strcmp(doc->families[i].name, name))
			return &doc->families[i];
	return NULL;
}

static struct prom_family *add_family(struct parser *ps, const char *name)
{
	struct prom_doc *doc = ps->doc;
	struct prom_family *f = find_family(doc, name);

	if (f)
		return f;
	if (doc->n_families == ps->cap_families) {
		size_t cap = ps->cap_families ? ps->cap_families * 2 : 32;
		struct prom_family *g = realloc(doc->families, cap * sizeof(*g));

		if (!g)
			return NULL;
		doc->families = g;
		ps->cap_families = cap;
	}
	f = &doc->families[doc->n_families++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

/* "# HELP name text", "# TYPE name type", or a comment. */
static int comment_line(struct parser *ps, const char *s)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "summary",
					      "untyped" };
	bool help = !strncmp(s, "# HELP ", 7), type = !strncmp(s, "# TYPE ", 7);
	struct prom_family *f;
	char name[128];
	size_t i;

	if (!help && !type)
		return 0;
	s += 7;
	if (read_name(ps, &s, name, sizeof(name), true))
		return -1;
	f = find_family(ps->doc, name);
	if (f && ps->open_family >= 0 && f != &ps->doc->families[ps->open_family])
		return fail(ps, "%s for %s after its samples", help ? "HELP" : "TYPE", name);
	for (i = 0; i < ps->doc->n_samples; i++)
		if (!strcmp(ps->doc->samples[i].family, name))
			return fail(ps, "%s for %s after its samples", help ? "HELP" : "TYPE",
				    name);
	f = add_family(ps, name);
	if (!f)
		return fail(ps, "out of memory");
	ps->open_family = (int)(f - ps->doc->families);
	if (help) {
		if (f->help)
			return fail(ps, "second HELP for %s", name);
		f->help = true;
		if (*s == '\n')
			return 0;
		if (*s != ' ')
			return fail(ps, "expected a blank after the HELP name");
		for (s++; *s != '\n'; s++)
			if (*s == '\\' && s[1] != '\\' && s[1] != 'n')
				return fail(ps, "invalid escape in HELP");
			else if (*s == '\\')
				s++;
		return 0;
	}
	if (f->type[0])
		return fail(ps, "second TYPE for %s", name);
	if (*s != ' ')
		return fail(ps, "expected a blank after the TYPE name");
	s++;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i]);

		if (!strncmp(s, types[i], n) && s[n] == '\n') {
			snprintf(f->type, sizeof(f->type), "%s", types[i]);
			return 0;
		}
	}
	return fail(ps, "invalid TYPE '%.*s'", (int)strcspn(s, "\n"), s);
}

/* The family a sample name belongs to, given the TYPE lines seen. */
static struct prom_family *family_of(struct prom_doc *doc, const char *name)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	struct prom_family *f = find_family(doc, name);
	char base[128];
	size_t i, n = strlen(name);

	if (f && strcmp(f->type, "histogram"))
		return f;
	for (i = 0; i < 3; i++) {
		size_t k = strlen(suffixes[i]);

		if (n <= k || strcmp(name + n - k, suffixes[i]))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(n - k), name);
		f = find_family(doc, base);
		if (f && (!strcmp(f->type, "histogram") ||
			  (!strcmp(f->type, "summary") && i > 0)))
			return f;
	}
	return NULL;
}

static bool same_labels(const struct prom_sample *a, const struct prom_sample *b,
			const char *skip)
{
	int i, j, na = 0, nb = 0;

	for (i = 0; i < a->n_labels; i++) {
		if (skip && !strcmp(a->labels[i].name, skip))
			continue;
		na++;
		for (j = 0; j < b->n_labels; j++)
			if (!strcmp(a->labels[i].name, b->labels[j].name) &&
			    !strcmp(a->labels[i].value, b->labels[j].value))
				break;
		if (j == b->n_labels)
			return false;
	}
	for (j = 0; j < b->n_labels; j++)
		nb += !(skip && !strcmp(b->labels[j].name, skip));
	return na == nb;
}

static int sample_line(struct parser *ps, const char *s)
{
	struct prom_doc *doc = ps->doc;
	struct prom_sample smp = { .line = ps->line };
	struct prom_family *f;
	size_t i;
	int j;

	if (read_name(ps, &s, smp.name, sizeof(smp.name), true))
		return -1;
	if (*s == '{') {
		s++;
		while (*s != '}') {
			struct prom_label *l;

			if (smp.n_labels == PROM_MAX_LABELS)
				return fail(ps, "too many labels");
			l = &smp.labels[smp.n_labels];
			if (read_name(ps, &s, l->name, sizeof(l->name), false))
				return -1;
			if (!strncmp(l->name, "__", 2))
				return fail(ps, "label name %s is reserved", l->name);
			for (j = 0; j < smp.n_labels; j++)
				if (!strcmp(smp.labels[j].name, l->name))
					return fail(ps, "duplicate label %s", l->name);
			if (*s++ != '=')
				return fail(ps, "expected '=' after label %s", l->name);
			if (read_label_value(ps, &s, l->value, sizeof(l->value)))
				return -1;
			smp.n_labels++;
			if (*s == ',')
				s++;
			else if (*s != '}')
				return fail(ps, "expected ',' or '}' after a label");
		}
		s++;
	}
	if (*s != ' ' && *s != '\t')
		return fail(ps, "expected a blank before the value");
	while (*s == ' ' || *s == '\t')
		s++;
	if (read_value(ps, &s, &smp.value))
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\n') { /* optional timestamp: an integer (ms) */
		char *end;

		strtoll(s, &end, 10);
		if (end == s)
			return fail(ps, "invalid timestamp");
		s = end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '\n')
			return fail(ps, "trailing characters after the sample");
	}

	f = family_of(doc, smp.name);
	if (!f || !f->type[0])
		return fail(ps, "sample %s has no TYPE", smp.name);
	if (ps->open_family >= 0 && &doc->families[ps->open_family] != f) {
		for (i = 0; i < doc->n_samples; i++)
			if (!strcmp(doc->samples[i].family, f->name))
				return fail(ps, "samples of %s are not together", f->name);
	}
	ps->open_family = (int)(f - doc->families);
	snprintf(smp.family, sizeof(smp.family), "%s", f->name);
	if (!strcmp(f->type, "histogram") && !strcmp(smp.name + strlen(f->name), "_bucket")) {
		for (j = 0; j < smp.n_labels; j++)
			if (!strcmp(smp.labels[j].name, "le"))
				break;
		if (j == smp.n_labels)
			return fail(ps, "bucket without le");
	}
	if ((!strcmp(f->type, "counter") || !strcmp(f->type, "histogram")) &&
	    !(smp.value >= 0))
		return fail(ps, "negative or NaN %s value", f->type);
	for (i = 0; i < doc->n_samples; i++)
		if (!strcmp(doc->samples[i].name, smp.name) &&
		    same_labels(&doc->samples[i], &smp, NULL))
			return fail(ps, "duplicate series %s (line %d)", smp.name,
				    doc->samples[i].line);
	if (doc->n_samples == ps->cap_samples) {
		size_t cap = ps->cap_samples ? ps->cap_samples * 2 : 128;
		struct prom_sample *g = realloc(doc->samples, cap * sizeof(*g));

		if (!g)
			return fail(ps, "out of memory");
		doc->samples = g;
		ps->cap_samples = cap;
	}
	doc->samples[doc->n_samples++] = smp;
	return 0;
}

static const char *label_of(const struct prom_sample *s, const char *name)
{
	for (int i = 0; i < s->n_labels; i++)
		if (!strcmp(s->labels[i].name, name))
			return s->labels[i].value;
	return NULL;
}

static double le_of(const struct prom_sample *s)
{
	const char *le = label_of(s, "le");

	if (!strcmp(le, "+Inf"))
		return INFINITY;
	return strtod(le, NULL);
}

/* Buckets of each series sorted by le, cumulative, ending in +Inf equal to _count; a _sum. */
static int check_histograms(struct parser *ps)
{
	struct prom_doc *doc = ps->doc;
	char name[160];
	size_t i, j;

	for (i = 0; i < doc->n_samples; i++) {
		const struct prom_sample *first = &doc->samples[i];
		const struct prom_family *f = find_family(doc, first->family);
		bool first_of_series = true, inf = false, sum = false, count = false;
		double prev_le = -INFINITY, prev_count = 0, inf_count = 0, count_v = 0;

		snprintf(name, sizeof(name), "%s_bucket", first->family);
		if (strcmp(f->type, "histogram") || strcmp(first->name, name))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(doc->samples[j].name, name) &&
			    same_labels(&doc->samples[j], first, "le"))
				first_of_series = false;
		if (!first_of_series)
			continue;
		ps->line = first->line;
		for (j = i; j < doc->n_samples; j++) {
			const struct prom_sample *s = &doc->samples[j];

			if (strcmp(s->family, first->family) || !same_labels(s, first, "le"))
				continue;
			if (!strcmp(s->name, name)) {
				double le = le_of(s);

				if (isnan(le) || le <= prev_le)
					return fail(ps, "%s buckets not in increasing le order",
						    first->family);
				if (s->value < prev_count)
					return fail(ps, "%s buckets not cumulative", first->family);
				prev_le = le;
				prev_count = s->value;
				if (isinf(le)) {
					inf = true;
					inf_count = s->value;
				}
			} else if (!strcmp(s->name + strlen(first->family), "_sum")) {
				sum = true;
			} else if (!strcmp(s->name + strlen(first->family), "_count")) {
				count = true;
				count_v = s->value;
			}
		}
		if (!inf)
			return fail(ps, "%s has no +Inf bucket", first->family);
		if (!sum || !count)
			return fail(ps, "%s lacks _sum or _count", first->family);
		if (count_v != inf_count)
			return fail(ps, "%s_count differs from its +Inf bucket", first->family);
	}
	return 0;
}

int prom_parse(const char *text, struct prom_doc *doc, char *err, size_t err_size)
{
	struct parser ps = { .doc = doc, .err = err, .err_size = err_size, .open_family = -1 };
	const char *s = text;

	memset(doc, 0, sizeof(*doc));
	if (*text && text[strlen(text) - 1] != '\n') {
		ps.line = 0;
		fail(&ps, "the text does not end with a newline");
		goto bad;
	}
	while (*s) {
		const char *nl = strchr(s, '\n');

		ps.line++;
		if (memchr(s, '\r', (size_t)(nl - s))) {
			fail(&ps, "carriage return");
			goto bad;
		}
		if (*s == '#') {
			if (comment_line(&ps, s))
				goto bad;
		} else if (*s != '\n') {
			if (sample_line(&ps, s))
				goto bad;
		}
		s = nl + 1;
	}
	if (check_histograms(&ps))
		goto bad;
	return 0;
bad:
	prom_doc_free(doc);
	return -1;
}

void prom_doc_free(struct prom_doc *doc)
{
	free(doc->samples);
	free(doc->families);
	memset(doc, 0, sizeof(*doc));
}

const struct prom_family *prom_family_of(const struct prom_doc *doc, const char *name)
{
	for (size_t i = 0; i < doc->n_families; i++)
		if (!strcmp(doc->families[i].name, name))
			return &doc->families[i];
	return NULL;
}

const struct prom_sample *prom_find(const struct prom_doc *doc, const char *name, ...)
{
	const struct prom_sample *found = NULL;
	size_t i;

	for (i = 0; i < doc->n_samples; i++) {
		const struct prom_sample *s = &doc->samples[i];
		const char *k, *v, *have;
		bool match = !strcmp(s->name, name);
		va_list ap;

		va_start(ap, name);
		while (match && (k = va_arg(ap, const char *)) != NULL) {
			v = va_arg(ap, const char *);
			have = label_of(s, k);
			match = have && !strcmp(have, v);
		}
		va_end(ap);
		if (!match)
			continue;
		if (found)
			return NULL; /* ambiguous */
		found = s;
	}
	return found;
}
