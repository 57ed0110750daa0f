// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "pb_walk.h"
#include "pprof_decode.h"

/* Grow *arr (of elem-size elements, *n used) by one zeroed element; NULL when out of memory. */
static void *push(void **arr, size_t *n, size_t elem)
{
	char *grown = realloc(*arr, (*n + 1) * elem);

	if (!grown)
		return NULL;
	*arr = grown;
	memset(grown + *n * elem, 0, elem);
	return grown + (*n)++ * elem;
}

static int sub_fields(const struct pb_field *f, uint64_t *vals, int max)
{
	struct pb_reader r;
	struct pb_field g;

	memset(vals, 0, (size_t)max * sizeof(*vals));
	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g))
		if (g.wire == 0 && g.num >= 1 && (int)g.num <= max)
			vals[g.num - 1] = g.v;
	return r.err ? -1 : 0;
}

static int decode_sample(const struct pb_field *f, struct ppd_sample *s)
{
	struct pb_reader r;
	struct pb_field g;
	uint64_t lv[4];

	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g)) {
		if (g.num == 1 && (s->n_locs = pb_unpack(&g, s->locs, PPD_MAX_FRAMES)) < 0)
			return -1;
		if (g.num == 2 && (s->n_values = pb_unpack(&g, s->values, 4)) < 0)
			return -1;
		if (g.num == 3) {
			if (s->n_labels == PPD_MAX_LABELS || sub_fields(&g, lv, 4))
				return -1;
			s->labels[s->n_labels++] = (struct ppd_label){ lv[0], lv[1], lv[2] };
		}
	}
	return r.err ? -1 : 0;
}

static int decode_location(const struct pb_field *f, struct ppd_loc *l)
{
	struct pb_reader r, lr;
	struct pb_field g, h;

	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g)) {
		if (g.num == 1)
			l->id = g.v;
		else if (g.num == 2)
			l->mapping = g.v;
		else if (g.num == 3)
			l->address = g.v;
		else if (g.num == 4) {
			struct ppd_line line = { 0, 0 };

			pb_reader_init(&lr, g.data, g.len);
			while (pb_next(&lr, &h)) {
				if (h.num == 1)
					line.func = h.v;
				else if (h.num == 2)
					line.line = h.v;
			}
			if (lr.err || l->n_lines == PPD_MAX_LINES)
				return -1;
			if (!l->n_lines)
				l->func = line.func;
			l->lines[l->n_lines++] = line;
		}
	}
	return r.err ? -1 : 0;
}

int ppd_decode(const uint8_t *data, size_t len, struct ppd_profile *p, char *err, size_t n)
{
	struct pb_reader r;
	struct pb_field f;
	uint64_t v[10];
	int bad = 0;

	memset(p, 0, sizeof(*p));
	pb_reader_init(&r, data, len);
	while (!bad && pb_next(&r, &f)) {
		void *e = NULL;

		switch (f.num) {
		case 1:
			if (p->n_sample_types == 4 || sub_fields(&f, v, 2))
				bad = 1;
			else
				memcpy(p->sample_type[p->n_sample_types++], v, 2 * sizeof(v[0]));
			break;
		case 2:
			e = push((void **)&p->samples, &p->n_samples, sizeof(*p->samples));
			bad = !e || decode_sample(&f, e);
			break;
		case 4:
			e = push((void **)&p->locs, &p->n_locs, sizeof(*p->locs));
			bad = !e || decode_location(&f, e);
			break;
		case 5:
			e = push((void **)&p->funcs, &p->n_funcs, sizeof(*p->funcs));
			bad = !e || sub_fields(&f, v, 4);
			if (!bad)
				*(struct ppd_func *)e = (struct ppd_func){ v[0], v[1], v[2], v[3] };
			break;
		case 3:
			e = push((void **)&p->mappings, &p->n_mappings, sizeof(*p->mappings));
			bad = !e || sub_fields(&f, v, 10);
			if (!bad)
				*(struct ppd_mapping *)e = (struct ppd_mapping){
					v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]
				};
			break;
		case 13:
			if (p->n_comments < PPD_MAX_COMMENTS)
				p->comments[p->n_comments++] = f.v;
			break;
		case 14:
			p->default_sample_type = f.v;
			break;
		case 6:
			e = push((void **)&p->strings, &p->n_strings, sizeof(*p->strings));
			bad = !e || f.wire != 2 ||
			      !(*(char **)e = strndup((const char *)f.data, f.len));
			break;
		case 9:
			p->time_nanos = f.v;
			break;
		case 10:
			p->duration = f.v;
			break;
		case 11:
			bad = sub_fields(&f, p->period_type, 2);
			break;
		case 12:
			p->period = f.v;
			break;
		}
	}
	if (bad || r.err) {
		snprintf(err, n, "malformed profile near byte %zu", (size_t)(r.p - data));
		ppd_free(p);
		return -1;
	}
	return 0;
}

int ppd_gunzip(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
	size_t cap = 1 << 16;
	z_stream z;
	int rc;

	*out = NULL;
	if (len < 2 || data[0] != 0x1f || data[1] != 0x8b)
		return -1; /* not gzip */
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	*out_len = 0;
	do {
		uint8_t *grown = realloc(*out, cap);

		if (!grown) {
			rc = Z_MEM_ERROR;
			break;
		}
		*out = grown;
		z.next_out = *out + *out_len;
		z.avail_out = (uInt)(cap - *out_len);
		rc = inflate(&z, Z_FINISH);
		*out_len = cap - z.avail_out;
		cap *= 2;
	} while ((rc == Z_OK || rc == Z_BUF_ERROR) && z.avail_out == 0);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.avail_in) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void ppd_free(struct ppd_profile *p)
{
	for (size_t i = 0; i < p->n_strings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->samples);
	free(p->locs);
	free(p->funcs);
	free(p->mappings);
	memset(p, 0, sizeof(*p));
}

const char *ppd_str(const struct ppd_profile *p, uint64_t i)
{
	return i < p->n_strings ? p->strings[i] : NULL;
}

const char *ppd_loc_name(const struct ppd_profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_locs; i++) {
		if (p->locs[i].id != id)
			continue;
		for (size_t j = 0; j < p->n_funcs; j++)
			if (p->funcs[j].id == p->locs[i].func)
				return ppd_str(p, p->funcs[j].name);
	}
	return NULL;
}

const char *ppd_label(const struct ppd_profile *p, const struct ppd_sample *s, const char *key,
		      uint64_t *num)
{
	for (int i = 0; i < s->n_labels; i++) {
		const char *k = ppd_str(p, s->labels[i].key);

		if (!k || strcmp(k, key))
			continue;
		if (num)
			*num = s->labels[i].num;
		return ppd_str(p, s->labels[i].str);
	}
	return NULL;
}

int ppd_sample_type(const struct ppd_profile *p, const char *type)
{
	for (int i = 0; i < p->n_sample_types; i++) {
		const char *t = ppd_str(p, p->sample_type[i][0]);

		if (t && !strcmp(t, type))
			return i;
	}
	return -1;
}

const struct ppd_loc *ppd_loc(const struct ppd_profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_locs; i++)
		if (p->locs[i].id == id)
			return &p->locs[i];
	return NULL;
}

const struct ppd_func *ppd_func(const struct ppd_profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_funcs; i++)
		if (p->funcs[i].id == id)
			return &p->funcs[i];
	return NULL;
}
