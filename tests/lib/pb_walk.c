// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "pb_walk.h"

void pb_reader_init(struct pb_reader *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
	r->err = false;
}

bool pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 70; shift += 7) {
		if (q >= end)
			return false;
		x |= (uint64_t)(*q & 0x7f) << shift;
		if (!(*q++ & 0x80)) {
			*p = q;
			*v = x;
			return true;
		}
	}
	return false;
}

bool pb_next(struct pb_reader *r, struct pb_field *f)
{
	uint64_t key;
	int i;

	if (r->err || r->p >= r->end)
		return false;
	if (!pb_read_varint(&r->p, r->end, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		goto bad;
	f->num = (uint32_t)(key >> 3);
	f->wire = (int)(key & 7);
	f->data = NULL;
	f->len = 0;
	f->v = 0;
	switch (f->wire) {
	case 0:
		if (!pb_read_varint(&r->p, r->end, &f->v))
			goto bad;
		return true;
	case 1:
	case 5: {
		int n = f->wire == 1 ? 8 : 4;

		if (r->end - r->p < n)
			goto bad;
		for (i = n - 1; i >= 0; i--)
			f->v = (f->v << 8) | r->p[i];
		r->p += n;
		return true;
	}
	case 2:
		if (!pb_read_varint(&r->p, r->end, &f->v) || f->v > (uint64_t)(r->end - r->p))
			goto bad;
		f->data = r->p;
		f->len = (size_t)f->v;
		r->p += f->len;
		return true;
	default:
		goto bad;
	}
bad:
	r->err = true;
	return false;
}

int pb_unpack(const struct pb_field *f, uint64_t *out, int max)
{
	const uint8_t *p = f->data, *end = f->data + f->len;
	int n = 0;

	if (f->wire != 2)
		return -1;
	while (p < end) {
		if (n == max || !pb_read_varint(&p, end, &out[n]))
			return -1;
		n++;
	}
	return n;
}
