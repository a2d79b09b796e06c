// SPDX-License-Identifier: MIT
#include <stdio.h>
#include "syscall_names.h"

const char *syscall_name(long nr, char *buf, size_t len)
{
	if (nr >= 0 && nr < SYSCALL_NAMES_X86_64_LEN && syscall_names_x86_64[nr])
		return syscall_names_x86_64[nr];
	snprintf(buf, len, "syscall_%ld", nr);
	return buf;
}
