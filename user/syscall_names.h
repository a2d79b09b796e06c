/* SPDX-License-Identifier: MIT */
/* Syscall numbers to names (x86_64 table). */
#ifndef KPROF_SYSCALL_NAMES_H
#define KPROF_SYSCALL_NAMES_H

#include <stddef.h>

#define SYSCALL_NAMES_X86_64_LEN 512
extern const char *const syscall_names_x86_64[SYSCALL_NAMES_X86_64_LEN];

/* The name of syscall nr, or "syscall_NR" written to buf for unknown ones. */
const char *syscall_name(long nr, char *buf, size_t len);

#endif /* KPROF_SYSCALL_NAMES_H */
