/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/json.h"
#include "lib/json_lite.h"

/* A writer into memory; out() closes the stream and returns the text (freed by the test). */
struct sink {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer w;
};

static void sink_open(struct sink *s, int indent)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->buf, &s->len);
	cr_assert_not_null(s->f);
	json_init(&s->w, s->f, indent);
}

static char *sink_text(struct sink *s)
{
	cr_assert_eq(fclose(s->f), 0);
	return s->buf;
}

/* The escaped form of in[0..n) as one JSON string. */
static char *escaped(const char *in, size_t n)
{
	struct sink s;

	sink_open(&s, 0);
	json_strn(&s.w, in, n);
	return sink_text(&s);
}

Test(json, empty_containers, .description = "empty object and array")
{
	struct sink s;
	char *out;

	sink_open(&s, 0);
	json_arr_begin(&s.w);
	json_obj_begin(&s.w);
	json_obj_end(&s.w);
	json_arr_begin(&s.w);
	json_arr_end(&s.w);
	json_arr_end(&s.w);
	out = sink_text(&s);
	cr_expect_str_eq(out, "[{},[]]");
	cr_expect_not(s.w.error);
	free(out);
}

Test(json, nested_and_commas, .description = "commas between items at every level, none after")
{
	struct sink s;
	char *out;

	sink_open(&s, 0);
	json_obj_begin(&s.w);
	json_kv_u64(&s.w, "a", 1);
	json_key(&s.w, "b");
	json_arr_begin(&s.w);
	json_i64(&s.w, -2);
	json_str(&s.w, "x");
	json_obj_begin(&s.w);
	json_kv_bool(&s.w, "c", true);
	json_kv_null(&s.w, "d");
	json_obj_end(&s.w);
	json_arr_end(&s.w);
	json_key(&s.w, "e");
	json_obj_begin(&s.w);
	json_kv_bool(&s.w, "f", false);
	json_obj_end(&s.w);
	json_kv_str(&s.w, "g", NULL);
	json_obj_end(&s.w);
	out = sink_text(&s);
	cr_expect_str_eq(out, "{\"a\":1,\"b\":[-2,\"x\",{\"c\":true,\"d\":null}],"
			      "\"e\":{\"f\":false},\"g\":null}");
	cr_expect_not(s.w.error);
	free(out);
}

Test(json, pretty, .description = "indent > 0 puts one item per line")
{
	struct sink s;
	char *out;

	sink_open(&s, 2);
	json_obj_begin(&s.w);
	json_kv_u64(&s.w, "a", 1);
	json_key(&s.w, "b");
	json_arr_begin(&s.w);
	json_u64(&s.w, 2);
	json_arr_end(&s.w);
	json_key(&s.w, "c");
	json_arr_begin(&s.w);
	json_arr_end(&s.w);
	json_obj_end(&s.w);
	out = sink_text(&s);
	cr_expect_str_eq(out, "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ],\n  \"c\": []\n}");
	free(out);
}

struct esc_case {
	char in[16];
	size_t n; /* bytes of in to write */
	char out[64];
};

ParameterizedTestParameters(json, escaping)
{
	static struct esc_case cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "", 0, "\"\"" },
		{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
		{ "/", 1, "\"/\"" },
		{ "\n\t\r", 3, "\"\\u000a\\u0009\\u000d\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
		{ "\x1b[31m", 5, "\"\\u001b[31m\"" },
		/* valid UTF-8 passes through: é, €, U+1F600 */
		{ "\xc3\xa9", 2, "\"\xc3\xa9\"" },
		{ "\xe2\x82\xac", 3, "\"\xe2\x82\xac\"" },
		{ "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },
		/* invalid UTF-8: one U+FFFD per bad byte */
		{ "a\xff", 2, "\"a\\ufffd\"" },
		{ "\x80", 1, "\"\\ufffd\"" },
		{ "\xc0\x80", 2, "\"\\ufffd\\ufffd\"" },             /* overlong NUL */
		{ "\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"" },    /* overlong '/' */
		{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" },    /* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > U+10FFFF */
		{ "\xe2\x82", 2, "\"\\ufffd\\ufffd\"" },               /* truncated at the end */
		{ "\xe2\x82x", 3, "\"\\ufffd\\ufffdx\"" },             /* truncated mid-string */
		/* stops at n bytes, or at a NUL before that */
		{ "abcdef", 3, "\"abc\"" },
		{ "ab\0cd", 5, "\"ab\"" },
	};

	return cr_make_param_array(struct esc_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct esc_case *c, json, escaping,
		  .description = "quotes, backslashes, control bytes and invalid UTF-8 are escaped")
{
	char *out = escaped(c->in, c->n);

	cr_expect_str_eq(out, c->out);
	free(out);
}

Test(json, escaped_strings_parse_back, .description = "any byte string gives a valid string")
{
	unsigned int seed = 12345;
	char in[32], err[128];
	int round, i;

	/* every single byte, then random byte strings */
	for (round = 0; round < 256 + 2000; round++) {
		size_t n = round < 256 ? 1 : (size_t)(rand_r(&seed) % (int)sizeof(in));
		struct jl_value *v;
		char *out;

		for (i = 0; i < (int)n; i++)
			in[i] = (char)(round < 256 ? round : rand_r(&seed) % 255 + 1);
		out = escaped(in, n);
		v = jl_parse(out, strlen(out), err, sizeof(err));
		cr_assert_not_null(v, "round %d: %s: %s", round, out, err);
		cr_assert_eq(v->type, JL_STRING);
		jl_free(v);
		free(out);
	}
}

Test(json, valid_utf8_round_trips, .description = "valid text comes back byte for byte")
{
	const char *in = "comm \"x\"\\ \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \x01 end";
	char *out = escaped(in, strlen(in));
	struct jl_value *v = jl_parse(out, strlen(out), NULL, 0);

	cr_assert_not_null(v);
	cr_expect_str_eq(jl_str(v), in);
	jl_free(v);
	free(out);
}

struct num_case {
	double v;
	int decimals;
	char out[32];
};

ParameterizedTestParameters(json, doubles)
{
	static struct num_case cases[] = {
		{ 0.99934, 4, "0.9993" },
		{ 5.0021, 3, "5.002" },
		{ 1.0, 4, "1.0000" },
		{ 2.5, 0, "2" },
		{ -1.25, 2, "-1.25" },
		{ -0.00001, 4, "0.0000" }, /* no "-0.0000" */
		{ NAN, 4, "null" },
		{ INFINITY, 3, "null" },
		{ -INFINITY, 3, "null" },
		{ 1e20, 1, "100000000000000000000.0" },
	};

	return cr_make_param_array(struct num_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct num_case *c, json, doubles,
		  .description = "fixed decimals; NaN and infinities become null")
{
	struct sink s;
	char *out;

	sink_open(&s, 0);
	json_double(&s.w, c->v, c->decimals);
	out = sink_text(&s);
	cr_expect_str_eq(out, c->out);
	free(out);
}

Test(json, integers, .description = "full 64-bit range")
{
	struct sink s;
	char *out;

	sink_open(&s, 0);
	json_arr_begin(&s.w);
	json_u64(&s.w, UINT64_MAX);
	json_i64(&s.w, INT64_MIN);
	json_u64(&s.w, 0);
	json_arr_end(&s.w);
	out = sink_text(&s);
	cr_expect_str_eq(out, "[18446744073709551615,-9223372036854775808,0]");
	free(out);
}

Test(json, escaped_keys, .description = "keys are escaped like values")
{
	struct sink s;
	char *out;

	sink_open(&s, 0);
	json_obj_begin(&s.w);
	json_kv_u64(&s.w, "a\"\n", 1);
	json_obj_end(&s.w);
	out = sink_text(&s);
	cr_expect_str_eq(out, "{\"a\\\"\\u000a\":1}");
	free(out);
}

Test(json, misuse_flagged, .description = "too deep or unbalanced nesting sets the error flag")
{
	struct sink s;
	int i;

	sink_open(&s, 0);
	json_arr_end(&s.w);
	cr_expect(s.w.error);
	free(sink_text(&s));

	sink_open(&s, 0);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_begin(&s.w);
	cr_expect_not(s.w.error);
	json_arr_begin(&s.w);
	cr_expect(s.w.error);
	free(sink_text(&s));
}
