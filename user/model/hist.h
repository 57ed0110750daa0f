/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* log2 histograms filled in kernel: slot 0 = [0,2) ns, slot i>=1 = [2^i, 2^(i+1)) ns. */
#ifndef WS_HIST_H
#define WS_HIST_H

#include <linux/types.h>

__u64 hist_count(const __u64 *slots, int n_slots);

/*
 * Estimate the q-quantile (0 < q <= 1) in ns, interpolating linearly inside the slot that holds
 * it. Returns 0 for an empty histogram.
 */
double hist_percentile(const __u64 *slots, int n_slots, double q);

/* Lower and upper bound (ns) of slot i. */
__u64 hist_slot_low(int slot);
__u64 hist_slot_high(int slot);

#endif /* WS_HIST_H */
