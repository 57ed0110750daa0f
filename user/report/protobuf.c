// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Protocol-buffers wire format: https://protobuf.dev/programming-guides/encoding/ */
#include <stdlib.h>
#include <string.h>
#include "report/protobuf.h"

void pb_init(struct pb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_free(struct pb_buf *b)
{
	free(b->data);
	pb_init(b);
}

/* Room for n more bytes; false (and oom set) when it cannot grow. */
static bool reserve(struct pb_buf *b, size_t n)
{
	size_t cap;
	uint8_t *grown;

	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	grown = realloc(b->data, cap);
	if (!grown) {
		b->oom = true;
		return false;
	}
	b->data = grown;
	b->cap = cap;
	return true;
}

size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

void pb_varint(struct pb_buf *b, uint64_t v)
{
	if (reserve(b, 10))
		b->len += put_varint(b->data + b->len, v);
}

void pb_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire)
{
	pb_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_tag(b, field, PB_VARINT);
	pb_varint(b, v);
}

void pb_int(struct pb_buf *b, uint32_t field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v); /* int64: negative numbers take ten bytes */
}

void pb_raw(struct pb_buf *b, const void *data, size_t len)
{
	if (len && reserve(b, len)) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
	}
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	pb_tag(b, field, PB_LEN);
	pb_varint(b, len);
	pb_raw(b, data, len);
}

void pb_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

size_t pb_begin(struct pb_buf *b, uint32_t field)
{
	pb_tag(b, field, PB_LEN);
	return b->len;
}

void pb_end(struct pb_buf *b, size_t mark)
{
	size_t body, k;

	if (b->oom || mark > b->len)
		return;
	body = b->len - mark;
	k = pb_varint_size(body);
	if (!reserve(b, k))
		return;
	memmove(b->data + mark + k, b->data + mark, body);
	put_varint(b->data + mark, body);
	b->len += k;
}
