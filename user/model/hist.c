/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <math.h>
#include <stdint.h>
#include "model/hist.h"

__u64 hist_count(const __u64 *slots, int n_slots)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < n_slots; i++)
		sum += slots[i];
	return sum;
}

__u64 hist_slot_low(int slot)
{
	if (slot <= 0)
		return 0;
	if (slot >= 64)
		return UINT64_MAX;
	return 1ULL << slot;
}

__u64 hist_slot_high(int slot)
{
	if (slot < 0)
		return 0;
	if (slot >= 63)
		return UINT64_MAX;
	return 1ULL << (slot + 1);
}

double hist_percentile(const __u64 *slots, int n_slots, double q)
{
	__u64 total = hist_count(slots, n_slots), cum = 0;
	double rank, low, high;
	int i;

	if (!total || isnan(q))
		return 0;
	if (q > 1)
		q = 1;
	if (q < 0)
		q = 0;
	rank = q * (double)total;
	/* 0.9 * 10 is 9.000000000000002: rounding noise must not move the rank to the next slot */
	if (fabs(rank - round(rank)) < 1e-9 * (double)total)
		rank = round(rank);

	for (i = 0; i < n_slots; i++) {
		if (!slots[i])
			continue;
		/* the slot where the cumulative count reaches the rank (ceil(rank) <= cum) */
		if ((double)(cum + slots[i]) >= rank)
			break;
		cum += slots[i];
	}
	low = (double)hist_slot_low(i);
	high = (double)hist_slot_high(i);
	/* (0, 1]: the n-th of k samples in a slot sits at n/k of its width */
	return low + (high - low) * (rank - (double)cum) / (double)slots[i];
}
