/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A protocol-buffers wire-format reader for tests: walks the fields of one message. */
#ifndef WS_PB_WALK_H
#define WS_PB_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_field {
	uint32_t num;
	int wire;            /* 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 */
	uint64_t v;          /* varint and fixed values */
	const uint8_t *data; /* wire 2: the bytes */
	size_t len;
};

struct pb_reader {
	const uint8_t *p, *end;
	bool err; /* malformed input seen */
};

void pb_reader_init(struct pb_reader *r, const void *data, size_t len);
/* Next field; false at the end of the message or on malformed input (then r->err). */
bool pb_next(struct pb_reader *r, struct pb_field *f);
/* Decode one varint at *p, advancing it; false when truncated or longer than ten bytes. */
bool pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);
/* Decode a packed repeated varint field into out (at most max); returns the count, -1 if bad. */
int pb_unpack(const struct pb_field *f, uint64_t *out, int max);

#endif /* WS_PB_WALK_H */
