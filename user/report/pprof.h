/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pprof profiles (github.com/google/pprof proto/profile.proto, gzip-compressed) of the off- and
 * on-CPU stacks, for `go tool pprof`, Pyroscope and Grafana. Pure: a ws_profile in, bytes out.
 */
#ifndef WS_PPROF_H
#define WS_PPROF_H

#include <stdio.h>
#include "report/folded.h"
#include "model/profile.h"
#include "report/protobuf.h"

/* Index of each value in a sample, and the sample types in the profile. */
enum { PPROF_VALUE_OFFCPU = 0, PPROF_VALUE_ONCPU = 1 };

/*
 * Encode p's stacks as an uncompressed Profile message into out (initialised by the caller).
 * Sample types off-cpu/nanoseconds and on-cpu/nanoseconds; period type cpu/nanoseconds with
 * the on-CPU sampling period. Each sample's locations run leaf first: kernel frames, user
 * frames, then a root frame named after the process's comm; labels "pid" (number), "comm",
 * and for off-CPU time "cause". time_nanos: wall-clock start of the window (0: unknown).
 * Returns 0 or -ENOMEM.
 */
int pprof_encode(struct pb_buf *out, const struct ws_profile *p, const struct frame_resolver *r,
		 __u64 time_nanos);

/* gzip (RFC 1952) data into f. Returns 0, -EIO on a write error, -ENOMEM or -EFBIG. */
int gzip_write(FILE *f, const void *data, size_t len);

/* pprof_encode, then gzip_write. Returns 0 or -errno. */
int pprof_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r,
		__u64 time_nanos);

#endif /* WS_PPROF_H */
