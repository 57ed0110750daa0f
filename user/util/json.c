/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "util/json.h"

void json_init(struct json_writer *w, FILE *f, int indent)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->indent = indent;
	w->first[0] = true;
}

static void newline_indent(struct json_writer *w)
{
	int i;

	if (w->indent <= 0)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth * w->indent; i++)
		fputc(' ', w->f);
}

/* Separator before a value or a key: a comma unless first at this level. */
static void before_item(struct json_writer *w)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->depth > 0)
		newline_indent(w);
}

static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	before_item(w);
}

void json_key(struct json_writer *w, const char *key)
{
	before_item(w);
	json_write_escaped(w->f, key, SIZE_MAX);
	fputs(w->indent > 0 ? ": " : ":", w->f);
	w->after_key = true;
}

static void open_level(struct json_writer *w, char c)
{
	before_value(w);
	fputc(c, w->f);
	if (w->depth == JSON_MAX_DEPTH) {
		w->error = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void close_level(struct json_writer *w, char c)
{
	if (w->depth == 0) {
		w->error = true;
		return;
	}
	w->depth--;
	if (!w->first[w->depth + 1])
		newline_indent(w);
	fputc(c, w->f);
}

void json_obj_begin(struct json_writer *w)
{
	open_level(w, '{');
}

void json_obj_end(struct json_writer *w)
{
	close_level(w, '}');
}

void json_arr_begin(struct json_writer *w)
{
	open_level(w, '[');
}

void json_arr_end(struct json_writer *w)
{
	close_level(w, ']');
}

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 if it is not one:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void json_write_escaped(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;

	n = strnlen(str, n);
	fputc('"', f);
	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, f);
			i++;
		} else if ((len = utf8_seq_len(s + i, n - i))) {
			fwrite(s + i, 1, len, f);
			i += len;
		} else {
			fputs("\\ufffd", f); /* one replacement per invalid byte */
			i++;
		}
	}
	fputc('"', f);
}

void json_strn(struct json_writer *w, const char *s, size_t n)
{
	if (!s) {
		json_null(w);
		return;
	}
	before_value(w);
	json_write_escaped(w->f, s, n);
}

void json_str(struct json_writer *w, const char *s)
{
	json_strn(w, s, SIZE_MAX);
}

void json_u64(struct json_writer *w, uint64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRIu64, v);
}

void json_i64(struct json_writer *w, int64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRId64, v);
}

void json_double(struct json_writer *w, double v, int decimals)
{
	char buf[400], *p;

	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	/* a locale with a decimal comma must not leak into JSON; "-0.0000" is just 0 */
	for (p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	p = buf;
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		p++;
	before_value(w);
	fputs(p, w->f);
}

void json_bool(struct json_writer *w, bool v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w)
{
	before_value(w);
	fputs("null", w->f);
}

void json_kv_str(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_str(w, s);
}

void json_kv_u64(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_u64(w, v);
}

void json_kv_i64(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_i64(w, v);
}

void json_kv_double(struct json_writer *w, const char *key, double v, int decimals)
{
	json_key(w, key);
	json_double(w, v, decimals);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}
