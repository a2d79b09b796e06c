/* SPDX-License-Identifier: MIT */
/* Userspace view of the histogram layout: bounds, merging, quantiles. */
#ifndef KPROF_USER_HIST_H
#define KPROF_USER_HIST_H

#include <linux/types.h>
#include <stdbool.h>
#include "kprof/hist.h"

/* Schema-2 index of a duration in seconds > 0, by its definition. */
int hist_index_of_seconds(double seconds);
/* Slot of a duration in ns: the same integer arithmetic as the BPF side. */
__u32 hist_slot_of_ns(__u64 ns);
/* Bounds of a slot, in seconds: it holds (lower, upper]. */
double hist_slot_upper(int slot);
double hist_slot_lower(int slot);
/* Slot of the schema-2 bucket index i (KPROF_HIST_MIN_INDEX..MAX_INDEX). */
static inline int hist_slot_of_index(int i)
{
	return i - KPROF_HIST_MIN_INDEX + 1;
}
static inline int hist_index_of_slot(int slot)
{
	return slot - 1 + KPROF_HIST_MIN_INDEX;
}

void hist_merge(struct kprof_hist *dst, const struct kprof_hist *src);
/* Events in the buckets (equals count unless a read raced an update). */
__u64 hist_total(const struct kprof_hist *h);
/*
 * The q-quantile in seconds, interpolated linearly inside its bucket and
 * capped by the exact maximum; NaN for an empty histogram.
 */
double hist_quantile(const struct kprof_hist *h, double q);

#endif /* KPROF_USER_HIST_H */
