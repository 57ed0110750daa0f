/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_lite.h"

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t err_size;
	bool failed;
};

/* A growing byte buffer for decoded strings. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

static bool fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error, with its line and column. Always returns false. */
static bool fail(struct parser *ps, const char *fmt, ...)
{
	size_t i, line = 1, col = 1;
	char msg[128];
	va_list ap;

	if (ps->failed)
		return false; /* the first error is the one that matters */
	ps->failed = true;
	if (!ps->err || !ps->err_size)
		return false;
	for (i = 0; i < ps->pos && i < ps->len; i++) {
		if (ps->s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->err_size, "line %zu, column %zu: %s", line, col, msg);
	return false;
}

static int peek(const struct parser *ps)
{
	return ps->pos < ps->len ? (unsigned char)ps->s[ps->pos] : -1;
}

static void skip_ws(struct parser *ps)
{
	int c;

	while ((c = peek(ps)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		ps->pos++;
}

static bool buf_put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static bool buf_put_cp(struct buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_put(b, u, n);
}

/* Four hex digits after "\u". */
static bool hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		c = peek(ps);
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
		ps->pos++;
	}
	*out = v;
	return true;
}

static bool escape(struct parser *ps, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	uint32_t cp, lo;
	int c = peek(ps);

	if (c > 0 && c != 'u' && (e = strchr(from, c))) {
		ps->pos++;
		return buf_put(b, &to[e - from], 1) || fail(ps, "out of memory");
	}
	if (c != 'u')
		return fail(ps, "bad escape");
	ps->pos++;
	if (!hex4(ps, &cp))
		return false;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(ps, "lone low surrogate \\u%04x", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->pos + 2 > ps->len || ps->s[ps->pos] != '\\' || ps->s[ps->pos + 1] != 'u')
			return fail(ps, "high surrogate \\u%04x without its low half", cp);
		ps->pos += 2;
		if (!hex4(ps, &lo))
			return false;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(ps, "high surrogate followed by \\u%04x", lo);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return buf_put_cp(b, cp) || fail(ps, "out of memory");
}

/* One raw UTF-8 sequence starting with a byte >= 0x80, checked by decoding it. */
static bool utf8_raw(struct parser *ps, struct buf *b)
{
	const unsigned char *u = (const unsigned char *)ps->s + ps->pos;
	size_t n, i, left = ps->len - ps->pos;
	uint32_t cp, min;

	if ((u[0] & 0xe0) == 0xc0) {
		n = 2, cp = u[0] & 0x1f, min = 0x80;
	} else if ((u[0] & 0xf0) == 0xe0) {
		n = 3, cp = u[0] & 0x0f, min = 0x800;
	} else if ((u[0] & 0xf8) == 0xf0) {
		n = 4, cp = u[0] & 0x07, min = 0x10000;
	} else {
		return fail(ps, "invalid UTF-8 byte 0x%02x", u[0]);
	}
	if (n > left)
		return fail(ps, "truncated UTF-8 sequence");
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return fail(ps, "invalid UTF-8 continuation byte 0x%02x", u[i]);
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if (cp < min)
		return fail(ps, "overlong UTF-8 sequence");
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return fail(ps, "UTF-8 encodes an invalid code point U+%04X", cp);
	ps->pos += n;
	return buf_put(b, u, n) || fail(ps, "out of memory");
}

/* A string at the opening quote; the decoded text goes to b. */
static bool string(struct parser *ps, struct buf *b)
{
	int c;

	if (peek(ps) != '"')
		return fail(ps, "expected a string");
	ps->pos++;
	if (!buf_put(b, "", 0))
		return fail(ps, "out of memory");
	for (;;) {
		c = peek(ps);
		if (c < 0)
			return fail(ps, "unterminated string");
		if (c == '"') {
			ps->pos++;
			return true;
		}
		if (c < 0x20)
			return fail(ps, "raw control byte 0x%02x in a string", c);
		if (c == '\\') {
			ps->pos++;
			if (!escape(ps, b))
				return false;
		} else if (c >= 0x80) {
			if (!utf8_raw(ps, b))
				return false;
		} else {
			char ch = (char)c;

			ps->pos++;
			if (!buf_put(b, &ch, 1))
				return fail(ps, "out of memory");
		}
	}
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool number(struct parser *ps, struct jl_value *v)
{
	size_t start = ps->pos;
	bool overflow = false;
	char tmp[512];

	v->type = JL_NUMBER;
	v->is_int = true;
	if (peek(ps) == '-') {
		v->negative = true;
		ps->pos++;
	}
	if (!is_digit(peek(ps)))
		return fail(ps, "expected a digit");
	if (peek(ps) == '0') {
		ps->pos++;
		if (is_digit(peek(ps)))
			return fail(ps, "leading zero in a number");
	} else {
		while (is_digit(peek(ps))) {
			uint64_t d = (uint64_t)(peek(ps) - '0');

			if (v->magnitude > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				v->magnitude = v->magnitude * 10 + d;
			ps->pos++;
		}
	}
	if (peek(ps) == '.') {
		v->is_int = false;
		ps->pos++;
		if (!is_digit(peek(ps)))
			return fail(ps, "expected a digit after '.'");
		while (is_digit(peek(ps)))
			ps->pos++;
	}
	if (peek(ps) == 'e' || peek(ps) == 'E') {
		v->is_int = false;
		ps->pos++;
		if (peek(ps) == '+' || peek(ps) == '-')
			ps->pos++;
		if (!is_digit(peek(ps)))
			return fail(ps, "expected a digit in the exponent");
		while (is_digit(peek(ps)))
			ps->pos++;
	}
	if (overflow)
		v->is_int = false;
	if (!v->is_int)
		v->magnitude = 0;
	if (ps->pos - start >= sizeof(tmp))
		return fail(ps, "number too long");
	memcpy(tmp, ps->s + start, ps->pos - start);
	tmp[ps->pos - start] = '\0';
	v->number = strtod(tmp, NULL); /* out of range gives +-HUGE_VAL or 0: fine for tests */
	return true;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n || memcmp(ps->s + ps->pos, word, n))
		return fail(ps, "unexpected character");
	ps->pos += n;
	return true;
}

static struct jl_value *value(struct parser *ps, int depth);

static bool append(struct parser *ps, struct jl_value *parent, struct jl_value *item, char *key)
{
	struct jl_value **items = realloc(parent->items, (parent->n + 1) * sizeof(*items));
	char **keys;

	if (items)
		parent->items = items;
	keys = items ? realloc(parent->keys, (parent->n + 1) * sizeof(*keys)) : NULL;
	if (!keys) {
		jl_free(item);
		free(key);
		return fail(ps, "out of memory");
	}
	parent->keys = keys;
	parent->items[parent->n] = item;
	parent->keys[parent->n] = key;
	parent->n++;
	return true;
}

static bool array(struct parser *ps, struct jl_value *v, int depth)
{
	struct jl_value *item;

	v->type = JL_ARRAY;
	ps->pos++; /* '[' */
	skip_ws(ps);
	if (peek(ps) == ']') {
		ps->pos++;
		return true;
	}
	for (;;) {
		item = value(ps, depth + 1);
		if (!item || !append(ps, v, item, NULL))
			return false;
		skip_ws(ps);
		if (peek(ps) == ']') {
			ps->pos++;
			return true;
		}
		if (peek(ps) != ',')
			return fail(ps, "expected ',' or ']'");
		ps->pos++;
	}
}

static bool object(struct parser *ps, struct jl_value *v, int depth)
{
	struct jl_value *item;
	struct buf key;
	size_t i, at;

	v->type = JL_OBJECT;
	ps->pos++; /* '{' */
	skip_ws(ps);
	if (peek(ps) == '}') {
		ps->pos++;
		return true;
	}
	for (;;) {
		skip_ws(ps);
		at = ps->pos;
		memset(&key, 0, sizeof(key));
		if (!string(ps, &key)) {
			free(key.p);
			return false;
		}
		for (i = 0; i < v->n; i++) {
			if (!strcmp(v->keys[i], key.p)) {
				ps->pos = at;
				fail(ps, "duplicate key \"%.64s\"", key.p);
				free(key.p);
				return false;
			}
		}
		skip_ws(ps);
		if (peek(ps) != ':') {
			free(key.p);
			return fail(ps, "expected ':'");
		}
		ps->pos++;
		item = value(ps, depth + 1);
		if (!item) {
			free(key.p);
			return false;
		}
		if (!append(ps, v, item, key.p))
			return false;
		skip_ws(ps);
		if (peek(ps) == '}') {
			ps->pos++;
			return true;
		}
		if (peek(ps) != ',')
			return fail(ps, "expected ',' or '}'");
		ps->pos++;
	}
}

static struct jl_value *value(struct parser *ps, int depth)
{
	struct jl_value *v;
	struct buf b = {};
	bool ok;
	int c;

	if (depth > JL_MAX_DEPTH) {
		fail(ps, "nested deeper than %d", JL_MAX_DEPTH);
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		fail(ps, "out of memory");
		return NULL;
	}
	skip_ws(ps);
	c = peek(ps);
	switch (c) {
	case '{':
		ok = object(ps, v, depth);
		break;
	case '[':
		ok = array(ps, v, depth);
		break;
	case '"':
		v->type = JL_STRING;
		ok = string(ps, &b);
		v->str = b.p;
		v->len = b.len;
		break;
	case 't':
	case 'f':
		v->type = JL_BOOL;
		v->boolean = c == 't';
		ok = literal(ps, c == 't' ? "true" : "false");
		break;
	case 'n':
		v->type = JL_NULL;
		ok = literal(ps, "null");
		break;
	case -1:
		ok = fail(ps, "unexpected end of input");
		break;
	default:
		if (c == '-' || is_digit(c))
			ok = number(ps, v);
		else
			ok = fail(ps, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
		break;
	}
	if (!ok) {
		jl_free(v);
		return NULL;
	}
	return v;
}

struct jl_value *jl_parse(const char *text, size_t len, char *err, size_t err_size)
{
	struct parser ps = { .s = text, .len = text ? len : 0, .err = err, .err_size = err_size };
	struct jl_value *v;

	if (err && err_size)
		err[0] = '\0';
	v = value(&ps, 1);
	if (!v)
		return NULL;
	skip_ws(&ps);
	if (ps.pos != ps.len) {
		fail(&ps, "trailing data after the value");
		jl_free(v);
		return NULL;
	}
	return v;
}

void jl_free(struct jl_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		jl_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const char *jl_type_name(enum jl_type t)
{
	static const char *const names[] = {
		[JL_NULL] = "null",	  [JL_BOOL] = "bool",	[JL_NUMBER] = "number",
		[JL_STRING] = "string", [JL_ARRAY] = "array", [JL_OBJECT] = "object",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Member whose name is key[0..n): keys hold no NUL a path could name. */
static const struct jl_value *member_n(const struct jl_value *obj, const char *key, size_t n)
{
	size_t i;

	if (!obj || obj->type != JL_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strncmp(obj->keys[i], key, n) && obj->keys[i][n] == '\0')
			return obj->items[i];
	return NULL;
}

const struct jl_value *jl_member(const struct jl_value *obj, const char *key)
{
	return member_n(obj, key, strlen(key));
}

const struct jl_value *jl_at(const struct jl_value *arr, size_t i)
{
	if (!arr || arr->type != JL_ARRAY || i >= arr->n)
		return NULL;
	return arr->items[i];
}

size_t jl_len(const struct jl_value *v)
{
	return v && (v->type == JL_ARRAY || v->type == JL_OBJECT) ? v->n : 0;
}

/* A decimal index of n digits at s; false if not all digits or too big. */
static bool index_n(const char *s, size_t n, size_t *out)
{
	size_t i, v = 0;

	if (!n || n > 9)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

const struct jl_value *jl_get(const struct jl_value *root, const char *path)
{
	const struct jl_value *v = root;
	const char *s = path;
	size_t n, idx;

	while (v && *s) {
		if (*s == '[') {
			n = strcspn(s + 1, "]");
			if (s[1 + n] != ']' || !index_n(s + 1, n, &idx))
				return NULL;
			v = jl_at(v, idx);
			s += n + 2;
		} else {
			n = strcspn(s, ".[");
			if (!n)
				return NULL;
			if (v->type == JL_ARRAY)
				v = index_n(s, n, &idx) ? jl_at(v, idx) : NULL;
			else
				v = member_n(v, s, n);
			s += n;
		}
		if (*s == '.') {
			s++;
			if (!*s || *s == '.' || *s == '[')
				return NULL;
		} else if (*s && *s != '[') {
			return NULL;
		}
	}
	return v;
}

bool jl_u64(const struct jl_value *v, uint64_t *out)
{
	if (!v || v->type != JL_NUMBER || !v->is_int || (v->negative && v->magnitude))
		return false;
	*out = v->magnitude;
	return true;
}

bool jl_i64(const struct jl_value *v, int64_t *out)
{
	if (!v || v->type != JL_NUMBER || !v->is_int)
		return false;
	if (v->negative) {
		if (v->magnitude > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v->magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v->magnitude;
	} else {
		if (v->magnitude > INT64_MAX)
			return false;
		*out = (int64_t)v->magnitude;
	}
	return true;
}

bool jl_double(const struct jl_value *v, double *out)
{
	if (!v || v->type != JL_NUMBER)
		return false;
	*out = v->number;
	return true;
}

bool jl_bool(const struct jl_value *v, bool *out)
{
	if (!v || v->type != JL_BOOL)
		return false;
	*out = v->boolean;
	return true;
}

const char *jl_str(const struct jl_value *v)
{
	return v && v->type == JL_STRING ? v->str : NULL;
}

bool jl_is_null(const struct jl_value *v)
{
	return v && v->type == JL_NULL;
}

bool jl_get_u64(const struct jl_value *root, const char *path, uint64_t *out)
{
	return jl_u64(jl_get(root, path), out);
}

bool jl_get_i64(const struct jl_value *root, const char *path, int64_t *out)
{
	return jl_i64(jl_get(root, path), out);
}

bool jl_get_double(const struct jl_value *root, const char *path, double *out)
{
	return jl_double(jl_get(root, path), out);
}

bool jl_get_bool(const struct jl_value *root, const char *path, bool *out)
{
	return jl_bool(jl_get(root, path), out);
}

const char *jl_get_str(const struct jl_value *root, const char *path)
{
	return jl_str(jl_get(root, path));
}
