/* SPDX-License-Identifier: MIT */
/* BPF side of the histogram layout in include/kprof/hist.h. */
#ifndef KPROF_HIST_BPF_H
#define KPROF_HIST_BPF_H

#include "kprof/hist.h"

/* Index of the most significant set bit of x > 0, by binary search. */
static __always_inline __u32 kprof_msb64(__u64 x)
{
	__u32 r = 0;

	if (x >> 32) {
		x >>= 32;
		r += 32;
	}
	if (x >> 16) {
		x >>= 16;
		r += 16;
	}
	if (x >> 8) {
		x >>= 8;
		r += 8;
	}
	if (x >> 4) {
		x >>= 4;
		r += 4;
	}
	if (x >> 2) {
		x >>= 2;
		r += 2;
	}
	if (x >> 1)
		r += 1;
	return r;
}

/*
 * Slot of a duration: 0 for 0 ns, else 1 + ceil(4 * log2(ns / 1e9)) + 119.
 * Integers only: scale ns to units of 2^-30 s with 21 fractional bits, then
 * the most significant bit gives the octave and three comparisons of the
 * normalised mantissa against 2^(1/4), 2^(1/2), 2^(3/4) give the quarter.
 */
static __always_inline __u32 kprof_hist_slot(__u64 ns)
{
	__u64 x, y;
	__u32 m, slot;

	if (!ns)
		return 0;
	if (ns >= KPROF_HIST_CLAMP_NS)
		return KPROF_HIST_SLOTS - 1;
	x = ns * KPROF_HIST_NS_SCALE;
	m = kprof_msb64(x);
	y = x << (63 - m);
	/* ceil(4 * log2(x / 2^21)) + 120 = 4 * (m - 21) + ceil(4 * mantissa) */
	slot = 4 * (m - KPROF_HIST_SCALE_BITS) + (y > (1ULL << 63)) + (y > KPROF_HIST_T1) +
	       (y > KPROF_HIST_T2) + (y > KPROF_HIST_T3);
	if (slot > KPROF_HIST_SLOTS - 1)
		slot = KPROF_HIST_SLOTS - 1;
	return slot;
}

/* Per-CPU histograms: plain increments, no atomics needed. */
static __always_inline void kprof_hist_add(struct kprof_hist *h, __u64 ns)
{
	__u32 slot = kprof_hist_slot(ns);

	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (slot < KPROF_HIST_SLOTS)
		h->slots[slot]++;
}

#endif /* KPROF_HIST_BPF_H */
