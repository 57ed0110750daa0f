/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small streaming JSON writer: values go straight to a FILE *, commas and colons are placed by
 * the writer. Output is always valid JSON text as long as begin/end calls pair up: strings are
 * escaped (control bytes as \u00XX, invalid UTF-8 as \ufffd), non-finite doubles become null.
 * Compact (one line) by default; indent > 0 pretty-prints with that many spaces per level.
 */
#ifndef WS_JSON_H
#define WS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	int indent;
	int depth;
	bool first[JSON_MAX_DEPTH + 1]; /* nothing written yet at this depth */
	bool after_key;                 /* the next value completes a "key": pair */
	bool error;                     /* misuse (too deep, unbalanced end): output not valid */
};

void json_init(struct json_writer *w, FILE *f, int indent);

void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
/* Inside an object, every value is preceded by its key. */
void json_key(struct json_writer *w, const char *key);

void json_str(struct json_writer *w, const char *s);       /* NULL writes null */
void json_strn(struct json_writer *w, const char *s, size_t n); /* stops at n bytes or a NUL */
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
void json_double(struct json_writer *w, double v, int decimals); /* "%.*f", null if not finite */
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* key + value in one call */
void json_kv_str(struct json_writer *w, const char *key, const char *s);
void json_kv_u64(struct json_writer *w, const char *key, uint64_t v);
void json_kv_i64(struct json_writer *w, const char *key, int64_t v);
void json_kv_double(struct json_writer *w, const char *key, double v, int decimals);
void json_kv_bool(struct json_writer *w, const char *key, bool v);
void json_kv_null(struct json_writer *w, const char *key);

/* Write s (at most n bytes, up to a NUL) as a quoted, escaped JSON string. */
void json_write_escaped(FILE *f, const char *s, size_t n);

#endif /* WS_JSON_H */
