// SPDX-License-Identifier: MIT
/*
 * Test workload: waits for a line on stdin (so the tracer can attach first),
 * then makes exactly N getppid and N failing openat calls, and exits.
 * Usage: syscalls N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	char c;

	if (read(0, &c, 1) != 1)
		return 3;
	for (int i = 0; i < n; i++) {
		syscall(SYS_getppid);
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/kprof-test", O_RDONLY);
	}
	return 0;
}
