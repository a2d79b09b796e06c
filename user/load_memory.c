// SPDX-License-Identifier: MIT
/*
 * Every collector's bpf_object load makes libbpf (1.1) parse the kernel's
 * BTF again: a 5-6 MiB buffer read from /sys/kernel/btf/vmlinux 4 KiB per
 * read() and a copy of it, freed after the load. glibc serves such blocks
 * with mmap() and, once its threshold has grown, from a heap it trims: every
 * parse then faults in fresh zeroed pages, about a third of start-up. While
 * collectors load, keep freed memory in the heap so the next parse reuses the
 * warm pages, then go back to glibc's default thresholds and give the memory
 * back, so the steady footprint is unchanged.
 */
#include <malloc.h>
#include "load_memory.h"

#define LOAD_KEEP_BYTES		(64 << 20)
#define GLIBC_DEFAULT_THRESHOLD (128 << 10)

void load_memory_begin(void)
{
	mallopt(M_MMAP_THRESHOLD, LOAD_KEEP_BYTES);
	mallopt(M_TRIM_THRESHOLD, LOAD_KEEP_BYTES);
}

void load_memory_end(void)
{
	mallopt(M_MMAP_THRESHOLD, GLIBC_DEFAULT_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, GLIBC_DEFAULT_THRESHOLD);
	malloc_trim(0);
}
