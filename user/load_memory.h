/* SPDX-License-Identifier: MIT */
/* Allocator settings around collector loads (see load_memory.c). */
#ifndef KPROF_LOAD_MEMORY_H
#define KPROF_LOAD_MEMORY_H

void load_memory_begin(void);
void load_memory_end(void);

#endif
