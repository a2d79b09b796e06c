/* SPDX-License-Identifier: MIT */
/* BPF side of the histogram layout in include/kprof/hist.h. */
#ifndef KPROF_HIST_BPF_H
#define KPROF_HIST_BPF_H

#include "kprof/hist.h"

/*
 * One octave step of the binary search, without a branch: b is 1 when x has
 * a bit at or above `bits` (x < 2^(2*bits) on entry, so the sum cannot
 * overflow). Branches here would give the verifier 2^6 paths with a distinct
 * constant in r each, at every histogram update of a program: branch-free,
 * it walks one path, and the loads of the sched collector take tens of
 * milliseconds less.
 */
#define KPROF_MSB_STEP(x, r, bits)                                                                 \
	do {                                                                                       \
		__u64 b = (((x) >> (bits)) + ((1ULL << (bits)) - 1)) >> (bits);                    \
		(x) >>= b * (bits);                                                                \
		(r) += b * (bits);                                                                 \
	} while (0)

/* Index of the most significant set bit of x > 0, by binary search. */
static __always_inline __u32 kprof_msb64(__u64 x)
{
	__u64 r = 0;

	KPROF_MSB_STEP(x, r, 32);
	KPROF_MSB_STEP(x, r, 16);
	KPROF_MSB_STEP(x, r, 8);
	KPROF_MSB_STEP(x, r, 4);
	KPROF_MSB_STEP(x, r, 2);
	KPROF_MSB_STEP(x, r, 1);
	return r;
}

/* y > t for y, t >= 2^63, as 0 or 1 without a branch: t - y wraps iff y > t. */
static __always_inline __u32 kprof_above(__u64 y, __u64 t)
{
	return (t - y) >> 63;
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
	slot = 4 * (m - KPROF_HIST_SCALE_BITS) + kprof_above(y, 1ULL << 63) +
	       kprof_above(y, KPROF_HIST_T1) + kprof_above(y, KPROF_HIST_T2) +
	       kprof_above(y, KPROF_HIST_T3);
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
