// SPDX-License-Identifier: MIT
/*
 * --cgroup in the kernel: two cgroups the test creates under the cgroup v2
 * mount, a workload in each with a known count, and only the selected
 * cgroup's count (its subtree's, with the parent selected) is counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "cgroup.h"
#include "cli.h"
#include "kprof_test.h"
#include "cgroup_test.h"
#include "test_filter.skel.h"

#define N 40 /* syscalls (or signals a process sends itself) per workload */
#define K 7  /* signals the test sends to each workload */

static char parent[64], cg_a[96], cg_b[96]; /* relative to the mount */

static int setup(void **state)
{
	(void)state;
	if (cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount)))
		return 0; /* each test skips, saying why */
	snprintf(parent, sizeof(parent), "/kprof-test-%d", (int)getpid());
	snprintf(cg_a, sizeof(cg_a), "%s/a", parent);
	snprintf(cg_b, sizeof(cg_b), "%s/b", parent);
	if (make_cgroup(parent) || make_cgroup(cg_a) || make_cgroup(cg_b))
		mount[0] = 0; /* not root, or a read-only hierarchy: skip */
	return 0;
}

/* Always runs, whatever the tests did: the cgroups go. */
static int teardown(void **state)
{
	(void)state;
	if (!parent[0] || !mount[0])
		return 0;
	remove_cgroup(cg_a);
	remove_cgroup(cg_b);
	remove_cgroup(parent);
	return 0;
}

static void getppids(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		syscall(SYS_getppid);
}

/*
 * Starts collector `name` with cfg, runs fa(arg_a) in cgroup a and fb(arg_b)
 * in b (forked before the start, released after it) and collects into m.
 */
static void run_in_a_and_b(const char *name, const struct kprof_config *cfg, void (*fa)(void *),
			   void *arg_a, void (*fb)(void *), void *arg_b, struct model *m)
{
	struct kprof_error err;
	struct workload wa, wb;
	struct collector c;

	workload_fork(&wa, fa, arg_a);
	workload_fork(&wb, fb, arg_b);
	move_to(&wa, cg_a);
	move_to(&wb, cg_b);
	if (collector_start(&c, collector_find(name), cfg, &err)) {
		workload_kill(&wa);
		workload_kill(&wb);
		fail_msg("%s", err.msg);
	}
	workload_go(&wa);
	workload_go(&wb);
	workload_wait(&wa);
	workload_wait(&wb);
	assert_int_equal(collector_collect(&c, m), 0);
	collector_stop(&c);
}

/* getppid count of a syscall collector filtered on these cgroups, with workloads in a and b. */
static __u64 getppids_counted(const char *const *cgroups, int ncgroups)
{
	static const char *const getppid_l[] = {"getppid"};
	struct kprof_config cfg;
	struct series *s;
	struct model *m = model_new();
	__u64 count;

	assert_non_null(m);
	memset(&cfg, 0, sizeof(cfg));
	for (int i = 0; i < ncgroups; i++)
		cfg.cgroups[cfg.ncgroups++] = cgroups[i];
	run_in_a_and_b("syscall", &cfg, getppids, NULL, getppids, NULL, m);
	s = find_series(m, "kprof_syscall_latency_seconds", getppid_l);
	count = s ? s->hist->count : 0;
	model_free(m);
	return count;
}

static void test_only_selected_cgroup_counted(void **state)
{
	const char *one[] = {cg_a}, *both[] = {cg_a, cg_b}, *subtree[] = {parent};

	(void)state;
	REQUIRE_CGROUPS();
	assert_int_equal(getppids_counted(one, 1), N);
	/* Repeatable: both cgroups. */
	assert_int_equal(getppids_counted(both, 2), 2 * N);
	/* A cgroup includes its descendants. */
	assert_int_equal(getppids_counted(subtree, 1), 2 * N);
}

static void sleeps(void *arg)
{
	struct timespec ts = {0, 1000000};
	int n = *(int *)arg;

	for (int i = 0; i < n; i++)
		nanosleep(&ts, NULL);
}

/*
 * The sched collector filters the woken task (kprof_task_selected): a
 * workload in a sleeps N times, one in b 5N times; with --cgroup a, the
 * off-CPU periods counted are a's N (plus the odd preemption), never b's.
 */
static void test_sched_collector_filters_woken_task(void **state)
{
	static const char *const none[] = {NULL};
	int na = N, nb = 5 * N;
	struct kprof_config cfg;
	struct series *s;
	struct model *m;

	(void)state;
	REQUIRE_CGROUPS();
	if (!collector_find("sched"))
		skip();
	m = model_new();
	assert_non_null(m);
	memset(&cfg, 0, sizeof(cfg));
	cfg.cgroups[cfg.ncgroups++] = cg_a;
	run_in_a_and_b("sched", &cfg, sleeps, &na, sleeps, &nb, m);
	s = find_series(m, "kprof_sched_offcpu_seconds", none);
	assert_non_null(s);
	print_message("off-CPU periods counted: %llu (a slept %d times, b %d)\n",
		      (unsigned long long)s->hist->count, na, nb);
	assert_true(s->hist->count >= (__u64)na);
	assert_true(s->hist->count < (__u64)2 * na);
	model_free(m);
}

static void raise_signals(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		kill(getpid(), SIGUSR1);
}

/*
 * Both entry points of filter.bpf.h: signals a workload sends itself count
 * for current and task; the K signals the test sends count for task only.
 */
static void test_current_and_other_task_helpers(void **state)
{
	struct kprof_config cfg;
	struct test_filter_bpf *skel;
	struct workload wa, wb;
	int ret;

	(void)state;
	REQUIRE_CGROUPS();
	memset(&cfg, 0, sizeof(cfg));
	cfg.cgroups[cfg.ncgroups++] = cg_a;
	/* Ignored from birth: the test's own signals cannot kill the workloads. */
	signal(SIGUSR1, SIG_IGN);
	workload_fork(&wa, raise_signals, NULL);
	workload_fork(&wb, raise_signals, NULL);
	signal(SIGUSR1, SIG_DFL);
	move_to(&wa, cg_a);
	move_to(&wb, cg_b);
	skel = test_filter_bpf__open();
	assert_non_null(skel);
	KPROF_SET_FILTER_RODATA(skel, &cfg);
	skel->rodata->test_signal = SIGUSR1;
	ret = test_filter_bpf__load(skel);
	if (!ret)
		ret = kprof_filter_fill(bpf_map__fd(skel->maps.filter_pids), &cfg);
	if (!ret)
		ret = test_filter_bpf__attach(skel);
	if (ret) {
		workload_kill(&wa);
		workload_kill(&wb);
		test_filter_bpf__destroy(skel);
		fail_msg("test program: %s", strerror(-ret));
	}
	for (int i = 0; i < K; i++) {
		kill(wa.pid, SIGUSR1);
		kill(wb.pid, SIGUSR1);
	}
	workload_go(&wa);
	workload_go(&wb);
	workload_wait(&wa);
	workload_wait(&wb);
	print_message("task_hits %llu current_hits %llu\n",
		      (unsigned long long)skel->bss->task_hits,
		      (unsigned long long)skel->bss->current_hits);
	assert_int_equal(skel->bss->task_hits, K + N);
	assert_int_equal(skel->bss->current_hits, N);
	test_filter_bpf__destroy(skel);
}

/* One clear sentence, exit code 2, for a cgroup that does not exist. */
static void test_missing_cgroup_is_a_usage_error(void **state)
{
	char *argv[] = {"record", "--cgroup", "/kprof-no-such-cgroup", NULL};
	char *escape[] = {"record", "--cgroup", "/../..", NULL};
	struct kprof_config cfg;
	struct kprof_error err;

	(void)state;
	if (!mount[0] && cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount)))
		skip();
	config_defaults(&cfg);
	assert_int_equal(cli_parse_record(3, argv, &cfg, &err), CLI_ERROR);
	assert_non_null(
		strstr(err.msg, "no cgroup '/kprof-no-such-cgroup' under the cgroup v2 mount"));
	config_defaults(&cfg);
	assert_int_equal(cli_parse_record(3, escape, &cfg, &err), CLI_ERROR);
	assert_non_null(strstr(err.msg, "not a cgroup v2 directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_selected_cgroup_counted),
		cmocka_unit_test(test_current_and_other_task_helpers),
		cmocka_unit_test(test_sched_collector_filters_woken_task),
		cmocka_unit_test(test_missing_cgroup_is_a_usage_error),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
