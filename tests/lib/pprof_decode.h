/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decode a pprof Profile (profile.proto) for tests: the fields waitscope writes. */
#ifndef WS_PPROF_DECODE_H
#define WS_PPROF_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPD_MAX_FRAMES 512
#define PPD_MAX_LABELS 8
#define PPD_MAX_LINES 8
#define PPD_MAX_COMMENTS 64

struct ppd_sample {
	uint64_t locs[PPD_MAX_FRAMES]; /* location ids, leaf first */
	int n_locs;
	uint64_t values[4];
	int n_values;
	struct ppd_label {
		uint64_t key, str, num;
	} labels[PPD_MAX_LABELS];
	int n_labels;
};

struct ppd_profile {
	char **strings;
	size_t n_strings;
	uint64_t sample_type[4][2]; /* {type, unit} string indexes */
	int n_sample_types;
	struct ppd_sample *samples;
	size_t n_samples;
	struct ppd_loc {
		uint64_t id, func, address, mapping; /* func: the first (innermost) line's */
		struct ppd_line {
			uint64_t func, line;
		} lines[PPD_MAX_LINES];
		int n_lines;
	} *locs;
	size_t n_locs;
	struct ppd_func {
		uint64_t id, name, system_name, filename;
	} *funcs;
	size_t n_funcs;
	struct ppd_mapping {
		uint64_t id, start, limit, offset, filename, build_id;
		bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
	} *mappings;
	size_t n_mappings;
	uint64_t comments[PPD_MAX_COMMENTS]; /* string indexes */
	int n_comments;
	uint64_t time_nanos, duration, period, period_type[2], default_sample_type;
};

/* Decode an uncompressed Profile. 0, or -1 with the reason in err. */
int ppd_decode(const uint8_t *data, size_t len, struct ppd_profile *p, char *err, size_t n);
/* gunzip a whole gzip member (gzip only: not zlib, not raw deflate). 0, or -1. */
int ppd_gunzip(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);
void ppd_free(struct ppd_profile *p);

const char *ppd_str(const struct ppd_profile *p, uint64_t i); /* NULL when out of range */
/* Function name of location id; NULL when there is no such location or function. */
const char *ppd_loc_name(const struct ppd_profile *p, uint64_t id);
/* String value of label key on s (numeric value into *num if not NULL); NULL when absent. */
const char *ppd_label(const struct ppd_profile *p, const struct ppd_sample *s, const char *key,
		      uint64_t *num);
/* The location with that id, the function with that id; NULL when absent. */
const struct ppd_loc *ppd_loc(const struct ppd_profile *p, uint64_t id);
const struct ppd_func *ppd_func(const struct ppd_profile *p, uint64_t id);
/* Index of the sample type named type, -1 when absent. */
int ppd_sample_type(const struct ppd_profile *p, const char *type);

#endif /* WS_PPROF_DECODE_H */
