// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include "pb_walk.h"
#include "report/protobuf.h"

struct varint_case {
	uint64_t v;
	size_t size;
	uint8_t bytes[10];
};

ParameterizedTestParameters(protobuf, varint_encoding)
{
	static struct varint_case cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 127, 1, { 0x7f } },
		{ 128, 2, { 0x80, 0x01 } },
		{ 300, 2, { 0xac, 0x02 } },
		{ 16383, 2, { 0xff, 0x7f } },
		{ 16384, 3, { 0x80, 0x80, 0x01 } },
		{ UINT64_MAX, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } },
	};

	return cr_make_param_array(struct varint_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct varint_case *c, protobuf, varint_encoding,
		  .description = "varints are base-128, low group first, MSB = more")
{
	struct pb_buf b;
	const uint8_t *p;
	uint64_t back;

	pb_init(&b);
	pb_varint(&b, c->v);
	cr_assert(!b.oom);
	cr_assert_eq(b.len, c->size);
	cr_assert_eq(pb_varint_size(c->v), c->size);
	cr_assert_arr_eq(b.data, c->bytes, c->size);
	p = b.data;
	cr_assert(pb_read_varint(&p, b.data + b.len, &back));
	cr_assert_eq(back, c->v);
	pb_free(&b);
}

Test(protobuf, fields_round_trip, .description = "varint, int64, string and bytes fields decode")
{
	struct pb_buf b;
	struct pb_reader r;
	struct pb_field f;

	pb_init(&b);
	pb_uint(&b, 1, 150);
	pb_int(&b, 2, -2);
	pb_string(&b, 3, "testing");
	pb_bytes(&b, 4, "", 0);
	pb_uint(&b, 536870911, 7); /* the largest field number */
	/* The encoding guide's example: field 1 = 150 is 08 96 01. */
	cr_assert_eq(b.data[0], 0x08);
	cr_assert_eq(b.data[1], 0x96);
	cr_assert_eq(b.data[2], 0x01);

	pb_reader_init(&r, b.data, b.len);
	cr_assert(pb_next(&r, &f));
	cr_assert(f.num == 1 && f.wire == 0 && f.v == 150);
	cr_assert(pb_next(&r, &f));
	cr_assert(f.num == 2 && f.wire == 0 && (int64_t)f.v == -2);
	cr_assert(pb_next(&r, &f));
	cr_assert(f.num == 3 && f.wire == 2 && f.len == 7 && !memcmp(f.data, "testing", 7));
	cr_assert(pb_next(&r, &f));
	cr_assert(f.num == 4 && f.wire == 2 && f.len == 0);
	cr_assert(pb_next(&r, &f));
	cr_assert(f.num == 536870911 && f.v == 7);
	cr_assert(!pb_next(&r, &f));
	cr_assert(!r.err);
	pb_free(&b);
}

Test(protobuf, nested_and_packed, .description = "pb_begin/pb_end prefix the right length")
{
	struct pb_buf b;
	struct pb_reader r, inner;
	struct pb_field f, g;
	uint64_t vals[300];
	size_t outer, packed;
	int i;

	pb_init(&b);
	outer = pb_begin(&b, 2);
	pb_uint(&b, 1, 42);
	packed = pb_begin(&b, 3);
	for (i = 0; i < 200; i++) /* > 127 bytes: a two-byte length moves the content */
		pb_varint(&b, (uint64_t)i * 1000);
	pb_end(&b, packed);
	pb_string(&b, 4, "after");
	pb_end(&b, outer);
	pb_uint(&b, 5, 1);

	pb_reader_init(&r, b.data, b.len);
	cr_assert(pb_next(&r, &f));
	cr_assert(f.num == 2 && f.wire == 2);
	pb_reader_init(&inner, f.data, f.len);
	cr_assert(pb_next(&inner, &g) && g.num == 1 && g.v == 42);
	cr_assert(pb_next(&inner, &g) && g.num == 3);
	cr_assert_eq(pb_unpack(&g, vals, 300), 200);
	for (i = 0; i < 200; i++)
		cr_assert_eq(vals[i], (uint64_t)i * 1000);
	cr_assert(pb_next(&inner, &g) && g.num == 4 && g.len == 5);
	cr_assert(!pb_next(&inner, &g) && !inner.err);
	cr_assert(pb_next(&r, &f) && f.num == 5 && f.v == 1);
	cr_assert(!pb_next(&r, &f) && !r.err);
	pb_free(&b);
}

Test(protobuf, empty_nested_message, .description = "an empty nested message is tag + 0")
{
	struct pb_buf b;
	size_t m;

	pb_init(&b);
	m = pb_begin(&b, 1);
	pb_end(&b, m);
	cr_assert_eq(b.len, 2);
	cr_assert_eq(b.data[0], 0x0a);
	cr_assert_eq(b.data[1], 0x00);
	pb_free(&b);
}

Test(protobuf, reader_rejects_truncation,
     .description = "the test walker itself fails on bad input")
{
	static const uint8_t truncated[] = { 0x1a, 0x05, 'a', 'b' }; /* says 5 bytes, has 2 */
	struct pb_reader r;
	struct pb_field f;

	pb_reader_init(&r, truncated, sizeof(truncated));
	cr_assert(!pb_next(&r, &f));
	cr_assert(r.err);
}
