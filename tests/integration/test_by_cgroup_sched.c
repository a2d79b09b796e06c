// SPDX-License-Identifier: MIT
/*
 * --by cgroup with the sched collector: cgroups the test creates under the
 * cgroup v2 mount, a workload in each that sleeps a known number of times
 * for 10 ms, and each count exactly under its own cgroup label in the
 * off-CPU histogram; over --cgroup.max-series the count lands in
 * cgroup="other"; with --cgroup.grace 2s, a removed cgroup's series go
 * exactly after the grace and its kernel entry is deleted. The collector
 * is filtered (--cgroup) on the test's parent cgroup so that the rest of
 * the host does not take the series.
 *
 * Exact: a workload is moved into its cgroup only once it is blocked
 * waiting for its go signal, so that wait (switched out outside the
 * filtered cgroups) is not an off-CPU period. A sleep whose timer expires
 * before the task gets to block does not block at all: this happens here,
 * in a VM whose vCPUs the host stalls for more than 10 ms now and then
 * (measured: 1 to 3 sleeps of 35 without a block, even with SCHED_FIFO).
 * So the workload reports its own voluntary context switches over the
 * sleeps (getrusage, in its exit code): they must be most of the N sleeps.
 *
 * The kernel now and then does not show the sched collector a wakeup and
 * switch-in of such a workload at all (here: while a thread of this VM's
 * PID 1 is current; docs/sched.md, "Events the kernel does not show"), so
 * one off-CPU period is missing from its label (34 of 35 in 2 runs of 10,
 * with or without --by cgroup). The collector counts each such period as
 * lost, reason "unseen_offcpu", without a cgroup. So under its own label a
 * workload has between blocks - 2 and blocks off-CPU periods, every one of
 * them a sleep (at least 9.28 ms, the lower bound of the bucket of 10 ms),
 * the labels' counts plus unseen_offcpu are exactly the blocks, and nothing
 * is anywhere else: the breakdown itself is exact, no event goes to
 * another cgroup's series.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <sys/resource.h>
#include "cgroup.h"
#include "collector_sched.h"
#include "kprof_test.h"
#include "cgroup_test.h"

#define NA    20
#define NB    35
#define NC    15
#define NCG   5
#define SLEEP 10000000L /* ns */
/* The workload's exit code when the kernel refused a real-time policy. */
#define EXIT_NO_RT 6

static char parent[64], cg[NCG][96];

static int setup(void **state)
{
	(void)state;
	return make_test_cgroups("kprof-bycg-sched", parent, sizeof(parent), cg, NCG);
}

static int teardown(void **state)
{
	(void)state;
	return remove_test_cgroups(parent, cg, NCG);
}

static void sleeps(void *arg)
{
	struct sched_param sp = {.sched_priority = 1};
	struct timespec ts = {0, SLEEP};
	int n = *(int *)arg;
	struct rusage r0, r1;

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(EXIT_NO_RT);
	getrusage(RUSAGE_SELF, &r0);
	for (int i = 0; i < n; i++)
		nanosleep(&ts, NULL);
	getrusage(RUSAGE_SELF, &r1);
	/* Blocks over the sleeps: 10 + voluntary switches (0..9: errors). */
	_exit(10 + (int)(r1.ru_nvcsw - r0.ru_nvcsw));
}

/* Waits until pid sleeps (blocked reading its go signal), at most 5 s. */
static void wait_blocked(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 5000; i++) {
		ssize_t n;

		fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		assert_true(n > 0);
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		usleep(1000);
	}
	fail_msg("workload %d never blocked on its go signal", (int)pid);
}

/* n sleeps of 10 ms in cgroup rel, start to end; how many blocked. */
static int run_in(const char *rel, int n)
{
	struct workload w;
	int status;

	workload_fork(&w, sleeps, &n);
	wait_blocked(w.pid);
	move_to(&w, rel);
	workload_go(&w);
	assert_int_equal(waitpid(w.pid, &status, 0), w.pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_RT) {
		print_message("skipped: the kernel refused a real-time policy for the workload\n");
		skip();
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) >= 10);
	print_message("%s: %d sleeps, %d blocked\n", rel, n, WEXITSTATUS(status) - 10);
	/* A stall may take a sleep or three; most must block or the test says nothing. */
	assert_true(WEXITSTATUS(status) - 10 <= n && WEXITSTATUS(status) - 10 >= n * 3 / 4);
	return WEXITSTATUS(status) - 10;
}

static struct series *series_of(struct model *m, enum kprof_sched_hist h, const char *cgroup)
{
	const char *values[] = {cgroup, "", ""};

	return find_series(m, sched_families[h].name, values);
}

/* Off-CPU periods of at least 9.28 ms under cgroup label value; -1 without a series. */
static long long long_offcpu(struct model *m, const char *cgroup)
{
	struct series *s = series_of(m, KPROF_SCHED_OFFCPU, cgroup);
	long long n = 0;

	if (!s)
		return -1;
	for (int slot = hist_slot_of_index(hist_index_of_seconds(SLEEP / 1e9));
	     slot < KPROF_HIST_SLOTS; slot++)
		n += (long long)s->hist->slots[slot];
	return n;
}

static __u64 count_of(struct model *m, enum kprof_sched_hist h, const char *cgroup)
{
	struct series *s = series_of(m, h, cgroup);

	return s ? s->hist->count : 0;
}

/* Off-CPU periods under cgroup label value: the blocks (see the top), all of them sleeps. */
static void check_offcpu(struct model *m, const char *cgroup, int blocks)
{
	__u64 n = count_of(m, KPROF_SCHED_OFFCPU, cgroup);

	if (n != (__u64)blocks)
		print_message("%s: %llu off-CPU periods for %d blocks\n", cgroup,
			      (unsigned long long)n, blocks);
	assert_true(n <= (__u64)blocks && n + 2 >= (__u64)blocks);
	assert_int_equal(long_offcpu(m, cgroup), n);
}

/* Events the kernel did not show the collector (all cgroups): unseen_<family>. */
static __u64 unseen_of(struct model *m, const char *reason)
{
	const char *const values[] = {"sched", reason};
	struct series *s = find_series(m, "kprof_lost_events_total", values);

	return s ? (__u64)s->value : 0;
}

/* Every series of a family is one of these cgroups. */
static void check_only(struct model *m, const char *const *cgroups, int n)
{
	for (int h = 0; h < KPROF_SCHED_HISTS; h++) {
		struct family *f = model_find(m, sched_families[h].name);

		for (size_t i = 0; i < f->nseries; i++) {
			bool known = false;

			for (int j = 0; j < n; j++)
				known |= !strcmp(f->series[i].labels[0], cgroups[j]);
			if (!known)
				fail_msg("%s: unexpected series cgroup=%s", f->name,
					 f->series[i].labels[0]);
		}
	}
}

static void test_each_cgroup_under_its_label(void **state)
{
	struct collector c;
	struct model *m;
	struct family *f;
	int na, nb;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, &collector_sched, parent, 100, 0);
	na = run_in(cg[0], NA);
	nb = run_in(cg[1], NB);
	m = collect_model(&c);
	collector_stop(&c);
	for (int h = 0; h < KPROF_SCHED_HISTS; h++) {
		f = model_find(m, sched_families[h].name);
		assert_non_null(f);
		assert_int_equal(f->nlabels, 3);
		assert_string_equal(f->label_names[0], "cgroup");
		assert_true(dropped_of(m, sched_families[h].name) == 0);
	}
	check_offcpu(m, cg[0], na);
	check_offcpu(m, cg[1], nb);
	/* Exact in total: what a label misses was counted as unseen. */
	assert_int_equal(count_of(m, KPROF_SCHED_OFFCPU, cg[0]) +
				 count_of(m, KPROF_SCHED_OFFCPU, cg[1]) +
				 unseen_of(m, "unseen_offcpu"),
			 (__u64)(na + nb));
	check_only(m, (const char *const[]){cg[0], cg[1]}, 2);
	/*
	 * Each block ends in a wakeup and a switch in, and began with a switch
	 * out: seen under the label, or counted unseen (for any cgroup).
	 */
	for (int i = 0; i < 2; i++) {
		assert_true(count_of(m, KPROF_SCHED_RUNQ, cg[i]) +
				    unseen_of(m, "unseen_runqueue") >=
			    (__u64)(i ? nb : na));
		assert_true(count_of(m, KPROF_SCHED_ONCPU, cg[i]) + unseen_of(m, "unseen_oncpu") >=
			    (__u64)(i ? nb : na));
	}
	assert_null(series_of(m, KPROF_SCHED_OFFCPU, "other"));
	model_free(m);
}

/* With a cap of 2, a and b (seen first) keep their series; c goes to "other". */
static void test_over_max_series_is_other(void **state)
{
	struct collector c;
	struct model *m;
	int na, nb, nc;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, &collector_sched, parent, 2, 0);
	na = run_in(cg[0], NA);
	nb = run_in(cg[1], NB);
	m = collect_model(&c);
	check_offcpu(m, cg[0], na);
	check_offcpu(m, cg[1], nb);
	model_free(m);
	nc = run_in(cg[2], NC);
	m = collect_model(&c);
	collector_stop(&c);
	check_offcpu(m, cg[0], na);
	check_offcpu(m, cg[1], nb);
	assert_null(series_of(m, KPROF_SCHED_OFFCPU, cg[2]));
	check_offcpu(m, "other", nc);
	check_only(m, (const char *const[]){cg[0], cg[1], "other"}, 3);
	assert_true(dropped_of(m, sched_families[KPROF_SCHED_OFFCPU].name) ==
		    (double)count_of(m, KPROF_SCHED_OFFCPU, "other"));
	model_free(m);
}

/* No series of cgroup label value in any of the three families. */
static void check_none(struct model *m, const char *cgroup)
{
	for (int h = 0; h < KPROF_SCHED_HISTS; h++)
		assert_null(series_of(m, h, cgroup));
}

/*
 * --cgroup.grace 2s, as the syscall test does it: a removed cgroup (d)
 * keeps its series (and its path label) during the grace, counted from the
 * last read its counts grew; its kernel entry goes at the first read 1 s
 * after (drained: the series then comes from userspace); the first read
 * 2 s after has no series of that cgroup. e, as idle but still there, is
 * kept.
 */
static void test_removed_cgroup_goes_after_grace(void **state)
{
	struct collector c;
	struct model *m;
	int nd, ne;
	double t0, t1;
	uint64_t id;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, &collector_sched, parent, 100, TEST_GRACE_NS);
	id = cgroup_id_of(mount, cg[3]);
	nd = run_in(cg[3], NA);
	ne = run_in(cg[4], NB);
	/* The exited workload's last switch out (its final on-CPU slice) may follow waitpid. */
	usleep(200000);
	t0 = now_s();
	m = collect_model(&c); /* d and e grew in this read */
	t1 = now_s();
	check_offcpu(m, cg[3], nd);
	model_free(m);
	remove_cgroup(cg[3]);
	assert_int_equal(kernel_entries_of(&c, "sched_cg_stats", id), 1);
	sleep_until(t0 + 0.5);
	m = collect_model(&c); /* gone: drained, the series from userspace */
	check_offcpu(m, cg[3], nd);
	assert_int_equal(kernel_entries_of(&c, "sched_cg_stats", id), 0);
	model_free(m);
	sleep_until(t0 + 1.9);
	m = collect_model(&c);
	check_offcpu(m, cg[3], nd);
	check_none(m, "gone");
	model_free(m);
	sleep_until(t1 + 2.05);
	m = collect_model(&c);
	check_none(m, cg[3]);
	check_none(m, "gone");
	check_none(m, "other");
	assert_int_equal(kernel_entries_of(&c, "sched_cg_stats", id), 0);
	check_offcpu(m, cg[4], ne);
	check_only(m, (const char *const[]){cg[4]}, 1);
	model_free(m);
	collector_stop(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_cgroup_under_its_label),
		cmocka_unit_test(test_over_max_series_is_other),
		cmocka_unit_test(test_removed_cgroup_goes_after_grace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
