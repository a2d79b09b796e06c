/* SPDX-License-Identifier: MIT */
/*
 * The one histogram layout of kprof, shared by the BPF programs and userspace.
 *
 * Buckets are the Prometheus native-histogram buckets of schema 2: four per
 * power of two, upper-inclusive, in seconds. A duration of d ns > 0 falls in
 * bucket i = ceil(4 * log2(d / 1e9)): 1 s is bucket 0, 1 ns is bucket -119.
 * d = 0 goes to the zero bucket. Bucket i holds (2^((i-1)/4), 2^(i/4)] s.
 *
 * This header has no includes and only fixed-size types so that it can be
 * included after vmlinux.h on the BPF side and after <linux/types.h> in
 * userspace.
 */
#ifndef KPROF_HIST_H
#define KPROF_HIST_H

/* Smallest index: 1 ns. Nothing the kernel times is shorter. */
#define KPROF_HIST_MIN_INDEX (-119)
/*
 * Largest index: 2^12 s (68 min). Longer durations are clamped into it, so
 * the last bucket means "more than 2^(47/4) s"; _sum and _max stay exact.
 */
#define KPROF_HIST_MAX_INDEX 48
/* Slot 0 is the zero bucket, slot k (k >= 1) is index k - 1 + MIN_INDEX. */
#define KPROF_HIST_SLOTS (KPROF_HIST_MAX_INDEX - KPROF_HIST_MIN_INDEX + 2)
/* Durations above this many ns go to the last bucket without arithmetic. */
#define KPROF_HIST_CLAMP_NS 4096000000000ULL

/*
 * Fixed-point scale from ns to units of 2^-30 s with 21 fractional bits:
 * floor(2^51 / 1e9). Rounded down so that every duration that is exactly a
 * bucket boundary in whole ns (1e9 * 2^k ns) lands in its own bucket; the
 * relative error is 3.6e-7. d <= KPROF_HIST_CLAMP_NS < 2^42 keeps d * scale
 * below 2^63.
 */
#define KPROF_HIST_NS_SCALE   2251799ULL
#define KPROF_HIST_SCALE_BITS 21
/* round(2^(q/4) * 2^63) for q = 1, 2, 3: the mantissa thresholds. */
#define KPROF_HIST_T1 0x9837f0518db8a96fULL
#define KPROF_HIST_T2 0xb504f333f9de6484ULL
#define KPROF_HIST_T3 0xd744fccad69d6af4ULL

/* Exact count, sum and maximum next to the buckets. */
struct kprof_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 slots[KPROF_HIST_SLOTS];
};

#endif /* KPROF_HIST_H */
