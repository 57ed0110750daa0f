/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_lite: a strict, minimal JSON (RFC 8259) parser into a DOM, for tests that check what
 * waitscope writes. Strict on purpose, so a writer bug shows up as a parse error: no trailing
 * commas, comments, NaN, leading zeros, raw control bytes or invalid UTF-8 in strings, duplicate
 * keys, or anything after the value but whitespace. Nesting is limited to JL_MAX_DEPTH.
 *
 *	char err[128];
 *	struct jl_value *root = jl_parse(buf, len, err, sizeof(err));
 *	uint64_t on_cpu;
 *
 *	if (!root) ... err says what and where ("line 1, column 42: expected ':'")
 *	if (jl_get_u64(root, "totals.on_cpu_ns", &on_cpu)) ...
 *	jl_get_str(root, "threads[0].comm");
 *	jl_free(root);
 *
 * Paths: member names separated by '.', array elements as "[N]" (or ".N"). A name containing
 * '.' or '[' cannot be reached by path: use jl_member() for it.
 */
#ifndef JSON_LITE_H
#define JSON_LITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JL_MAX_DEPTH 256

enum jl_type {
	JL_NULL,
	JL_BOOL,
	JL_NUMBER,
	JL_STRING,
	JL_ARRAY,
	JL_OBJECT,
};

struct jl_value {
	enum jl_type type;
	bool boolean;
	/* JL_NUMBER: always as a double; integers also exactly (is_int, negative, magnitude) */
	double number;
	bool is_int;       /* written without fraction or exponent, and fits 64 bits */
	bool negative;
	uint64_t magnitude;
	/* JL_STRING: decoded UTF-8, NUL-terminated; len counts embedded NULs from \u0000 */
	char *str;
	size_t len;
	/* JL_ARRAY and JL_OBJECT: n items; keys[i] names items[i] in an object (NULL in arrays) */
	struct jl_value **items;
	char **keys;
	size_t n;
};

/* Parse text[0..len). Returns NULL on error, with a message in err (may be NULL). */
struct jl_value *jl_parse(const char *text, size_t len, char *err, size_t err_size);
void jl_free(struct jl_value *v);

const char *jl_type_name(enum jl_type t);

/* Object member by exact name, array element by index; NULL when absent or wrong type. */
const struct jl_value *jl_member(const struct jl_value *obj, const char *key);
const struct jl_value *jl_at(const struct jl_value *arr, size_t i);
/* Items of an array or object, 0 for anything else. */
size_t jl_len(const struct jl_value *v);

/* Value at path below root (see above); "" is root itself. NULL when any step is missing. */
const struct jl_value *jl_get(const struct jl_value *root, const char *path);

/* Typed reads of v; false (out untouched) when v is NULL or of another type. */
bool jl_u64(const struct jl_value *v, uint64_t *out);   /* integers >= 0 only */
bool jl_i64(const struct jl_value *v, int64_t *out);    /* integers in int64 range only */
bool jl_double(const struct jl_value *v, double *out);  /* any number */
bool jl_bool(const struct jl_value *v, bool *out);
const char *jl_str(const struct jl_value *v);            /* NULL unless a string */
bool jl_is_null(const struct jl_value *v);               /* present and null */

/* The same at a path. */
bool jl_get_u64(const struct jl_value *root, const char *path, uint64_t *out);
bool jl_get_i64(const struct jl_value *root, const char *path, int64_t *out);
bool jl_get_double(const struct jl_value *root, const char *path, double *out);
bool jl_get_bool(const struct jl_value *root, const char *path, bool *out);
const char *jl_get_str(const struct jl_value *root, const char *path);

#endif /* JSON_LITE_H */
