/* SPDX-License-Identifier: MIT */
/*
 * Slots: small dense indexes 1..max handed out at first sight of a key
 * (a syscall number, a port), so that per-CPU arrays indexed by slot replace
 * per-event hash updates. Slot 0 is "other": what came after every slot was
 * taken.
 */
#ifndef KPROF_SLOT_BPF_H
#define KPROF_SLOT_BPF_H

/*
 * The slot stored at *p (the key's entry in a key -> slot array), assigned
 * from *next when the key is new; 0 when all max slots are taken (the
 * caller counts that as lost).
 */
static __always_inline __u32 kprof_slot_get(__u32 *p, __u32 *next, __u32 max)
{
	__u32 slot, prev;

	if (*p)
		return *p;
	if (*next >= max)
		return 0;
	slot = __sync_fetch_and_add(next, 1) + 1;
	if (slot > max)
		return 0;
	/* Two CPUs may race for the same key: the first one wins. */
	prev = __sync_val_compare_and_swap(p, 0, slot);
	return prev ? prev : slot;
}

#endif /* KPROF_SLOT_BPF_H */
