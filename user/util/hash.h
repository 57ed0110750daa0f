/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Hashes for the open-addressing tables (symbolizer frame cache, pprof ids). */
#ifndef WS_HASH_H
#define WS_HASH_H

#include <linux/types.h>

/* Two 64-bit words into one well-mixed hash (boost hash_combine, then splitmix64's finaliser). */
static inline __u64 hash_words(__u64 a, __u64 b)
{
	__u64 h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

#endif /* WS_HASH_H */
