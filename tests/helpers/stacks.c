// SPDX-License-Identifier: MIT
/*
 * Test workload with known call chains, built with frame pointers:
 *   stacks burn SECONDS THREADS   main -> outer -> hot_loop on THREADS threads,
 *                                 each until it has used SECONDS of CPU time
 *   stacks block N MS             main -> waiter -> block_here -> nanosleep, N times
 * It waits for a byte on stdin first, so the tracer can attach; when done it
 * writes "done" on stdout and waits for stdin to close before it exits, so
 * that its maps are still there to symbolize its frames.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double burn_seconds;
static volatile unsigned long sink;

/* CPU time of the calling thread: a busy machine stretches the wall time, not the work. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* noinline (and -fno-inline): the frames must exist for the test to find them. */
__attribute__((noinline)) void hot_loop(double end)
{
	unsigned long x = 1;

	while (now() < end)
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
}

__attribute__((noinline)) void outer(void)
{
	hot_loop(now() + burn_seconds);
	__asm__ volatile("" ::: "memory"); /* keeps the call from becoming a tail call */
}

__attribute__((noinline)) static void *thread_main(void *arg)
{
	(void)arg;
	outer();
	return NULL;
}

/*
 * The syscall is made right here, not through libc: Debian's libc has no
 * frame pointers, and a frame-pointer unwind from inside a libc function
 * skips its caller (block_here would vanish from the stack).
 */
__attribute__((noinline)) void block_here(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_nanosleep), "D"(&ts), "S"(0L)
			 : "rcx", "r11", "memory");
	(void)ret;
#else
	nanosleep(&ts, NULL);
#endif
}

__attribute__((noinline)) void waiter(int n, long ms)
{
	for (int i = 0; i < n; i++)
		block_here(ms);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	char c;

	if (argc != 4 || (strcmp(argv[1], "burn") && strcmp(argv[1], "block"))) {
		fprintf(stderr, "usage: stacks burn SECONDS THREADS | stacks block N MS\n");
		return 2;
	}
	if (read(0, &c, 1) != 1)
		return 3;
	if (!strcmp(argv[1], "burn")) {
		int n = atoi(argv[3]);
		pthread_t t[64];

		burn_seconds = atof(argv[2]);
		if (n < 1 || n > 64)
			return 2;
		for (int i = 1; i < n; i++)
			if (pthread_create(&t[i], NULL, thread_main, NULL))
				return 4;
		outer();
		for (int i = 1; i < n; i++)
			pthread_join(t[i], NULL);
	} else {
		waiter(atoi(argv[2]), atol(argv[3]));
	}
	if (write(1, "done\n", 5) != 5)
		return 5;
	while (read(0, &c, 1) == 1)
		;
	return 0;
}
