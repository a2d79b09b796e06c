// SPDX-License-Identifier: MIT
#include <math.h>
#include <stdbool.h>
#include "hist.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "../bpf/hist.bpf.h"

int hist_index_of_seconds(double seconds)
{
	return (int)ceil(4.0 * log2(seconds));
}

__u32 hist_slot_of_ns(__u64 ns)
{
	return kprof_hist_slot(ns);
}

double hist_slot_upper(int slot)
{
	if (slot <= 0)
		return 0.0;
	return exp2(hist_index_of_slot(slot) / 4.0);
}

double hist_slot_lower(int slot)
{
	if (slot <= 0)
		return 0.0;
	return exp2((hist_index_of_slot(slot) - 1) / 4.0);
}

void hist_merge(struct kprof_hist *dst, const struct kprof_hist *src)
{
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (int i = 0; i < KPROF_HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
}

__u64 hist_total(const struct kprof_hist *h)
{
	__u64 total = 0;

	for (int i = 0; i < KPROF_HIST_SLOTS; i++)
		total += h->slots[i];
	return total;
}

double hist_quantile(const struct kprof_hist *h, double q)
{
	__u64 total = hist_total(h), cum = 0;
	double rank, max_s = h->max_ns / 1e9, v;

	if (!total)
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * (double)total;
	for (int i = 0; i < KPROF_HIST_SLOTS; i++) {
		double lo, hi;

		if (!h->slots[i])
			continue;
		if ((double)(cum + h->slots[i]) < rank) {
			cum += h->slots[i];
			continue;
		}
		if (i == 0)
			return 0.0;
		lo = hist_slot_lower(i);
		hi = hist_slot_upper(i);
		/* The clamped last bucket ends at the observed maximum. */
		if (i == KPROF_HIST_SLOTS - 1 || hi > max_s)
			hi = max_s > lo ? max_s : hi;
		v = lo + (hi - lo) * (rank - (double)cum) / (double)h->slots[i];
		return v > max_s && max_s > 0 ? max_s : v;
	}
	return max_s;
}
