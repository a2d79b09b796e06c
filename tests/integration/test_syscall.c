// SPDX-License-Identifier: MIT
/* The syscall collector in the running kernel, on a workload of known counts. */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include "kprof_test.h"

#define N 50

/* Raw syscalls: glibc's nanosleep() is clock_nanosleep underneath. */
static void sleeps_and_getppids(void *arg)
{
	struct timespec ts = {0, 2000000};

	(void)arg;
	for (int i = 0; i < N; i++) {
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_getppid);
	}
}

static void missing_opens(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/kprof-test", O_RDONLY);
}

static void *getppid_thread(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "kprof-t-thread");
	for (int i = 0; i < N; i++)
		syscall(SYS_getppid);
	return NULL;
}

/* N getppid in the main thread and N in a second thread named differently. */
static void getppids_in_two_threads(void *arg)
{
	pthread_t t;

	(void)arg;
	prctl(PR_SET_NAME, "kprof-t-main");
	if (pthread_create(&t, NULL, getppid_thread, NULL))
		_exit(4);
	pthread_join(t, NULL);
	for (int i = 0; i < N; i++)
		syscall(SYS_getppid);
}

static struct model *run_with(void (*fn)(void *), const char *comm)
{
	struct kprof_config cfg;
	struct kprof_error err;
	struct collector c;
	struct workload w;
	struct model *m = model_new();

	assert_non_null(m);
	workload_fork(&w, fn, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = w.pid;
	cfg.npids = 1;
	if (comm) {
		strncpy(cfg.comm, comm, sizeof(cfg.comm) - 1);
		cfg.has_comm = true;
	}
	if (collector_start(&c, collector_find("syscall"), &cfg, &err)) {
		workload_kill(&w);
		fail_msg("%s", err.msg);
	}
	workload_go(&w);
	workload_wait(&w);
	assert_int_equal(collector_collect(&c, m), 0);
	collector_stop(&c);
	return m;
}

static struct model *run(void (*fn)(void *))
{
	return run_with(fn, NULL);
}

static void test_exact_counts_and_buckets(void **state)
{
	static const char *const nanosleep_l[] = {"nanosleep"}, *const getppid_l[] = {"getppid"};
	struct series *ns, *gp;
	struct model *m;

	(void)state;
	REQUIRE_BPF();
	m = run(sleeps_and_getppids);
	ns = find_series(m, "kprof_syscall_latency_seconds", nanosleep_l);
	gp = find_series(m, "kprof_syscall_latency_seconds", getppid_l);
	assert_non_null(ns);
	assert_non_null(gp);
	assert_int_equal(ns->hist->count, N);
	assert_int_equal(gp->hist->count, N);
	assert_int_equal(hist_total(ns->hist), N);
	assert_int_equal(ns->errors, 0);
	/* A 2 ms sleep: p50 in the bucket that holds 2 ms, or the next (timer slack). */
	double p50 = hist_quantile(ns->hist, 0.5);
	int idx = hist_index_of_seconds(p50), want = hist_index_of_seconds(2e-3);
	print_message("nanosleep p50 %.3f ms (bucket %d), getppid p50 %.0f ns\n", p50 * 1e3, idx,
		      hist_quantile(gp->hist, 0.5) * 1e9);
	assert_true(idx == want || idx == want + 1);
	assert_true(ns->hist->sum_ns >= (__u64)N * 2000000);
	assert_true(hist_quantile(gp->hist, 0.5) < 1e-3);
	assert_true(gp->hist->max_ns < 1000000);
	model_free(m);
}

static void test_errors_by_errno(void **state)
{
	static const char *const openat_l[] = {"openat"};
	static const char *const enoent[] = {"openat", "ENOENT"};
	struct series *s;
	struct model *m;

	(void)state;
	REQUIRE_BPF();
	m = run(missing_opens);
	s = find_series(m, "kprof_syscall_latency_seconds", openat_l);
	assert_non_null(s);
	assert_int_equal(s->hist->count, N);
	assert_int_equal(s->errors, N);
	s = find_series(m, "kprof_syscall_errors_total", enoent);
	assert_non_null(s);
	assert_true(s->value == N);
	model_free(m);
}

static void test_pid_covers_threads_and_comm_filters(void **state)
{
	static const char *const getppid_l[] = {"getppid"};
	struct series *s;
	struct model *m;

	(void)state;
	REQUIRE_BPF();
	/* --pid: the process and all its threads. */
	m = run(getppids_in_two_threads);
	s = find_series(m, "kprof_syscall_latency_seconds", getppid_l);
	assert_non_null(s);
	assert_int_equal(s->hist->count, 2 * N);
	model_free(m);
	/* --comm: only the thread with that name. */
	m = run_with(getppids_in_two_threads, "kprof-t-thread");
	s = find_series(m, "kprof_syscall_latency_seconds", getppid_l);
	assert_non_null(s);
	assert_int_equal(s->hist->count, N);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_counts_and_buckets),
		cmocka_unit_test(test_errors_by_errno),
		cmocka_unit_test(test_pid_covers_threads_and_comm_filters),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
