/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A minimal protocol-buffers encoder (wire format only): varints, length-delimited fields and
 * nested messages, into a growing memory buffer. Enough for pprof's profile.proto.
 */
#ifndef WS_PROTOBUF_H
#define WS_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pb_wire {
	PB_VARINT = 0,
	PB_LEN = 2,
};

struct pb_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed: the content is incomplete (checked once at the end) */
};

void pb_init(struct pb_buf *b);
void pb_free(struct pb_buf *b);

/* Bytes as they are (already encoded fields). */
void pb_raw(struct pb_buf *b, const void *data, size_t len);
/* Raw base-128 varint, no tag. */
void pb_varint(struct pb_buf *b, uint64_t v);
void pb_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire);
/* Varint field (uint64, int64 as two's complement, bool, enum). Written even when 0. */
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_int(struct pb_buf *b, uint32_t field, int64_t v);
void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
void pb_string(struct pb_buf *b, uint32_t field, const char *s);

/*
 * Nested message or packed repeated field: pb_begin writes the tag and returns a mark, the
 * content follows, pb_end inserts its length before it.
 */
size_t pb_begin(struct pb_buf *b, uint32_t field);
void pb_end(struct pb_buf *b, size_t mark);

/* Bytes a varint of v takes. */
size_t pb_varint_size(uint64_t v);

#endif /* WS_PROTOBUF_H */
