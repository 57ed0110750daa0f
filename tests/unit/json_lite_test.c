/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_lite.h"

static struct jl_value *parse(const char *text)
{
	char err[128];
	struct jl_value *v = jl_parse(text, strlen(text), err, sizeof(err));

	cr_assert_not_null(v, "%s: %s", text, err);
	return v;
}

struct doc_case {
	char text[48];
	enum jl_type type;
};

ParameterizedTestParameters(json_lite, accepts)
{
	static struct doc_case cases[] = {
		{ "{}", JL_OBJECT },
		{ " \t\r\n[] \n", JL_ARRAY },
		{ "[[[]]]", JL_ARRAY },
		{ "{\"a\":[1,2,{\"b\":null}],\"c\":\"\"}", JL_OBJECT },
		{ "\"\\u00e9\\ud83d\\ude00\"", JL_STRING },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", JL_STRING },
		{ "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", JL_STRING },
		{ "0", JL_NUMBER },
		{ "-0", JL_NUMBER },
		{ "-12.5e+3", JL_NUMBER },
		{ "1E-2", JL_NUMBER },
		{ "true", JL_BOOL },
		{ "false", JL_BOOL },
		{ "null", JL_NULL },
	};

	return cr_make_param_array(struct doc_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct doc_case *c, json_lite, accepts, .description = "valid JSON texts")
{
	struct jl_value *v = parse(c->text);

	cr_expect_eq(v->type, c->type, "%s: %s", c->text, jl_type_name(v->type));
	jl_free(v);
}

struct text_case {
	char text[48];
};

ParameterizedTestParameters(json_lite, rejects)
{
	static struct text_case cases[] = {
		{ "" },
		{ "   " },
		{ "{" },
		{ "[1,]" },
		{ "[,1]" },
		{ "{\"a\":1,}" },
		{ "{\"a\" 1}" },
		{ "{\"a\":1 \"b\":2}" },
		{ "{a:1}" },
		{ "{\"a\":1,\"a\":2}" },
		{ "{\"a\":1}}" },
		{ "[1] x" },
		{ "[1][2]" },
		{ "01" },
		{ "1." },
		{ ".5" },
		{ "+1" },
		{ "-" },
		{ "1e" },
		{ "NaN" },
		{ "Infinity" },
		{ "tru" },
		{ "nul" },
		{ "True" },
		{ "\"abc" },
		{ "\"\\x\"" },
		{ "\"\\u12\"" },
		{ "\"\\ud800\"" },
		{ "\"\\udc00\"" },
		{ "\"\\ud800\\u0041\"" },
		{ "\"a\nb\"" },
		{ "\"a\tb\"" },
		{ "\"\xff\"" },
		{ "\"\xc0\x80\"" },
		{ "\"\xed\xa0\x80\"" },
		{ "\"\xf4\x90\x80\x80\"" },
		{ "\"\xe2\x82\"" },
		{ "'a'" },
		{ "[1 2]" },
		{ "/* c */ 1" },
	};

	return cr_make_param_array(struct text_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct text_case *c, json_lite, rejects,
		  .description = "invalid or non-strict JSON fails with a message")
{
	char err[128] = "unset";
	struct jl_value *v = jl_parse(c->text, strlen(c->text), err, sizeof(err));

	cr_expect_null(v, "accepted: %s", c->text);
	cr_expect_neq(strlen(err), 0);
	cr_expect_not_null(strstr(err, "line 1, column "), "%s", err);
	jl_free(v);
}

Test(json_lite, rejects_embedded_nul, .description = "a NUL byte inside the text is an error")
{
	cr_expect_null(jl_parse("\"a\0b\"", 5, NULL, 0));
	cr_expect_null(jl_parse("1\0", 2, NULL, 0));
	cr_expect_null(jl_parse(NULL, 3, NULL, 0));
}

Test(json_lite, parses_only_len_bytes, .description = "the text need not be NUL-terminated")
{
	struct jl_value *v = jl_parse("[1]garbage", 3, NULL, 0);

	cr_assert_not_null(v);
	cr_expect_eq(jl_len(v), 1);
	jl_free(v);
}

Test(json_lite, error_position, .description = "errors name the line and column")
{
	char err[128];

	cr_expect_null(jl_parse("{\n  \"a\" 1}", 10, err, sizeof(err)));
	cr_expect_str_eq(err, "line 2, column 7: expected ':'");
	cr_expect_null(jl_parse("{\"k\":1,\"k\":2}", 13, err, sizeof(err)));
	cr_expect_str_eq(err, "line 1, column 8: duplicate key \"k\"");
}

Test(json_lite, depth_limit, .description = "nesting up to JL_MAX_DEPTH, not beyond")
{
	char text[2 * (JL_MAX_DEPTH + 1) + 1];
	struct jl_value *v;
	int i;

	for (i = 0; i < JL_MAX_DEPTH; i++) {
		text[i] = '[';
		text[JL_MAX_DEPTH + i] = ']';
	}
	v = jl_parse(text, 2 * JL_MAX_DEPTH, NULL, 0);
	cr_expect_not_null(v);
	jl_free(v);
	for (i = 0; i <= JL_MAX_DEPTH; i++) {
		text[i] = '[';
		text[JL_MAX_DEPTH + 1 + i] = ']';
	}
	cr_expect_null(jl_parse(text, 2 * (JL_MAX_DEPTH + 1), NULL, 0));
}

Test(json_lite, numbers, .description = "integers exact to 64 bits, the rest as doubles")
{
	struct jl_value *v = parse("[18446744073709551615, -9223372036854775808, "
				   "18446744073709551616, -0, 2.5, 1e3, 9007199254740993, -1]");
	uint64_t u;
	int64_t i;
	double d;

	cr_assert(jl_u64(jl_at(v, 0), &u));
	cr_expect_eq(u, UINT64_MAX);
	cr_expect_not(jl_i64(jl_at(v, 0), &i));
	cr_assert(jl_i64(jl_at(v, 1), &i));
	cr_expect_eq(i, INT64_MIN);
	cr_expect_not(jl_u64(jl_at(v, 1), &u));
	cr_expect_not(jl_u64(jl_at(v, 2), &u), "2^64 does not fit");
	cr_assert(jl_double(jl_at(v, 2), &d));
	cr_expect_float_eq(d, 18446744073709551616.0, 1);
	cr_assert(jl_u64(jl_at(v, 3), &u));
	cr_expect_eq(u, 0);
	cr_expect_not(jl_u64(jl_at(v, 4), &u), "2.5 is not an integer");
	cr_assert(jl_double(jl_at(v, 4), &d));
	cr_expect_float_eq(d, 2.5, 1e-12);
	cr_expect_not(jl_u64(jl_at(v, 5), &u), "1e3 is written as a float");
	cr_assert(jl_u64(jl_at(v, 6), &u));
	cr_expect_eq(u, 9007199254740993ULL, "beyond double precision, still exact");
	cr_assert(jl_i64(jl_at(v, 7), &i));
	cr_expect_eq(i, -1);
	jl_free(v);
}

Test(json_lite, strings_decoded, .description = "escapes decode to UTF-8; \\u0000 keeps its length")
{
	struct jl_value *v = parse("[\"a\\\"b\\\\c\\/\\n\", "
				   "\"\\u00e9\\u20ac\\ud83d\\ude00\", \"x\\u0000y\"]");

	cr_expect_str_eq(jl_str(jl_at(v, 0)), "a\"b\\c/\n");
	cr_expect_str_eq(jl_str(jl_at(v, 1)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	cr_expect_eq(jl_at(v, 2)->len, 3);
	cr_expect_eq(memcmp(jl_str(jl_at(v, 2)), "x\0y", 3), 0);
	jl_free(v);
}

Test(json_lite, paths, .description = "dotted names, [N] and .N indexes")
{
	struct jl_value *v = parse("{\"a\":{\"b\":[10,{\"c\":\"deep\"}]},\"t\":true,\"n\":null,"
				   "\"x.y\":1}");
	uint64_t u;
	bool b;

	cr_expect_eq(jl_get(v, ""), v);
	cr_expect_str_eq(jl_get_str(v, "a.b[1].c"), "deep");
	cr_expect_str_eq(jl_get_str(v, "a.b.1.c"), "deep");
	cr_assert(jl_get_u64(v, "a.b[0]", &u));
	cr_expect_eq(u, 10);
	cr_assert(jl_get_bool(v, "t", &b));
	cr_expect(b);
	cr_expect(jl_is_null(jl_get(v, "n")));
	cr_expect_not(jl_is_null(jl_get(v, "missing")));
	cr_expect_eq(jl_len(jl_get(v, "a.b")), 2);
	cr_expect_eq(jl_len(v), 4);
	cr_expect_not_null(jl_member(v, "x.y"));
	cr_expect_null(jl_get(v, "x.y"), "'.' always separates");
	jl_free(v);
}

ParameterizedTestParameters(json_lite, bad_paths)
{
	static struct text_case cases[] = {
		{ "missing" }, { "a.missing" }, { "a.b[2]" },  { "a.b[x]" }, { "a.b[1" },
		{ "a..b" },    { "a." },	{ ".a" },      { "a.b[]" }, { "a.b[0]x" },
		{ "a[0]" },    { "t.x" },	{ "a.b.-1" }, { "a.b.c" },
	};

	return cr_make_param_array(struct text_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct text_case *c, json_lite, bad_paths,
		  .description = "a path that does not lead to a value gives NULL")
{
	struct jl_value *v = parse("{\"a\":{\"b\":[10,{\"c\":\"deep\"}]},\"t\":true}");

	cr_expect_null(jl_get(v, c->text), "%s", c->text);
	jl_free(v);
}

Test(json_lite, typed_reads_check_type, .description = "typed reads fail on the wrong type")
{
	struct jl_value *v = parse("{\"s\":\"1\",\"n\":1,\"b\":false}");
	uint64_t u = 7;
	double d = 7;
	bool b = true;

	cr_expect_not(jl_get_u64(v, "s", &u));
	cr_expect_eq(u, 7, "untouched on failure");
	cr_expect_not(jl_get_double(v, "b", &d));
	cr_expect_not(jl_get_bool(v, "n", &b));
	cr_expect_null(jl_get_str(v, "n"));
	cr_expect_not(jl_get_u64(v, "nothing", &u));
	cr_assert(jl_get_bool(v, "b", &b));
	cr_expect_not(b);
	cr_expect_null(jl_at(v, 0), "an object is not an array");
	cr_expect_null(jl_member(jl_get(v, "n"), "x"));
	cr_expect_eq(jl_len(jl_get(v, "s")), 0);
	jl_free(v);
}

Test(json_lite, free_null, .description = "jl_free(NULL) is a no-op")
{
	jl_free(NULL);
}
