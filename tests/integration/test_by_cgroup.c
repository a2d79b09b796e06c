// SPDX-License-Identifier: MIT
/*
 * --by cgroup with the syscall collector: cgroups the test creates under the
 * cgroup v2 mount, a workload in each with a known getppid count, and each
 * count exactly under its own cgroup label; over --cgroup.max-series the
 * count lands in cgroup="other"; a cgroup removed before the read is
 * "gone", not a crash; with --cgroup.grace 2s, a removed cgroup's series
 * go exactly after the grace and its kernel entries are deleted, "other"
 * never goes down, and a freed slot goes to a new cgroup. The collector is
 * filtered (--cgroup) on the test's parent cgroup so that the rest of the
 * host does not take the series.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "cgroup.h"
#include "cli.h"
#include "session.h"
#include "kprof_test.h"
#include "cgroup_test.h"

#define NA     40
#define NB     70
#define NC     25
#define FAMILY "kprof_syscall_latency_seconds"
#define NCG    8

static char parent[64], cg[NCG][96]; /* relative to the mount: a to h */

static int setup(void **state)
{
	(void)state;
	return make_test_cgroups("kprof-bycg", parent, sizeof(parent), cg, NCG);
}

/* Always runs, whatever the tests did: the cgroups go. */
static int teardown(void **state)
{
	(void)state;
	return remove_test_cgroups(parent, cg, NCG);
}

static void getppids(void *arg)
{
	int n = *(int *)arg;

	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* Runs n getppid in cgroup rel, start to end, while c is attached. */
static void run_in(const char *rel, int n)
{
	struct workload w;
	char pid[24];
	int ret;

	workload_fork(&w, getppids, &n);
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	ret = cgroup_write_file(rel, "cgroup.procs", pid);
	if (ret) {
		workload_kill(&w);
		fail_msg("cannot move pid %s into %s%s: %s", pid, mount, rel, strerror(-ret));
	}
	workload_go(&w);
	workload_wait(&w);
}

/* getppid count under cgroup label value, -1 when there is no such series. */
static long long getppids_of(struct model *m, const char *cgroup)
{
	const char *values[] = {"getppid", cgroup, "", ""};
	struct series *s = find_series(m, FAMILY, values);

	return s ? (long long)s->hist->count : -1;
}

static void test_each_cgroup_under_its_label(void **state)
{
	struct collector c;
	struct model *m;
	struct family *f;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("syscall"), parent, 100, 0);
	run_in(cg[0], NA);
	run_in(cg[1], NB);
	m = collect_model(&c);
	collector_stop(&c);
	f = model_find(m, FAMILY);
	assert_non_null(f);
	assert_int_equal(f->nlabels, 4);
	assert_string_equal(f->label_names[1], "cgroup");
	assert_int_equal(getppids_of(m, cg[0]), NA);
	assert_int_equal(getppids_of(m, cg[1]), NB);
	assert_int_equal(getppids_of(m, "other"), -1);
	assert_true(dropped_of(m, FAMILY) == 0);
	model_free(m);
}

/* With a cap of 2, a and b (seen first) keep their series; c goes to "other". */
static void test_over_max_series_is_other(void **state)
{
	struct collector c;
	struct model *m;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("syscall"), parent, 2, 0);
	run_in(cg[0], NA);
	run_in(cg[1], NB);
	m = collect_model(&c);
	assert_int_equal(getppids_of(m, cg[0]), NA);
	assert_int_equal(getppids_of(m, cg[1]), NB);
	model_free(m);
	run_in(cg[2], NC);
	m = collect_model(&c);
	collector_stop(&c);
	assert_int_equal(getppids_of(m, cg[0]), NA);
	assert_int_equal(getppids_of(m, cg[1]), NB);
	assert_int_equal(getppids_of(m, cg[2]), -1);
	assert_int_equal(getppids_of(m, "other"), NC);
	/* c's getppid calls and whatever else it did on its way out. */
	assert_true(dropped_of(m, FAMILY) >= NC);
	model_free(m);
}

/* A cgroup removed before the read: its events are counted as "gone". */
static void test_vanished_cgroup_is_gone(void **state)
{
	struct collector c;
	struct model *m;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("syscall"), parent, 100, 0);
	run_in(cg[3], NC);
	remove_cgroup(cg[3]);
	m = collect_model(&c);
	collector_stop(&c);
	assert_int_equal(getppids_of(m, "gone"), NC);
	model_free(m);
}

/*
 * --cgroup.grace 2s: a removed cgroup keeps its series (and its path label)
 * during the grace, counted from the last read its counts grew; its kernel
 * entries go at the first read 1 s after (drained: the series then comes
 * from userspace); the first read 2 s after has no series of that cgroup.
 */
static void test_removed_cgroup_goes_after_grace(void **state)
{
	struct collector c;
	struct model *m;
	double t0, t1;
	uint64_t id;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("syscall"), parent, 100, TEST_GRACE_NS);
	id = cgroup_id_of(mount, cg[4]);
	run_in(cg[4], NA);
	run_in(cg[5], NB);
	t0 = now_s();
	m = collect_model(&c); /* e and f grew in this read */
	t1 = now_s();
	assert_int_equal(getppids_of(m, cg[4]), NA);
	model_free(m);
	remove_cgroup(cg[4]);
	sleep_until(t0 + 0.5);
	m = collect_model(&c);
	assert_int_equal(getppids_of(m, cg[4]), NA);
	assert_true(kernel_entries_of(&c, "syscall_cg_stats", id) > 0);
	model_free(m);
	sleep_until(t1 + 1.05);
	m = collect_model(&c); /* idle 1 s and gone: drained, the series from userspace */
	assert_int_equal(getppids_of(m, cg[4]), NA);
	assert_int_equal(kernel_entries_of(&c, "syscall_cg_stats", id), 0);
	model_free(m);
	sleep_until(t0 + 1.9);
	m = collect_model(&c);
	assert_int_equal(getppids_of(m, cg[4]), NA);
	assert_int_equal(getppids_of(m, "gone"), -1);
	model_free(m);
	sleep_until(t1 + 2.05);
	m = collect_model(&c);
	assert_int_equal(getppids_of(m, cg[4]), -1);
	assert_int_equal(getppids_of(m, "gone"), -1);
	assert_int_equal(getppids_of(m, "other"), -1);
	assert_int_equal(kernel_entries_of(&c, "syscall_cg_stats", id), 0);
	/* f is idle as long, but exists: kept. */
	assert_int_equal(getppids_of(m, cg[5]), NB);
	model_free(m);
	collector_stop(&c);
}

/*
 * Cap 1, grace 2s. g takes the slot; h and a go to "other". h is removed: after the grace its
 * kernel entries go, but "other" keeps its counts (and the dropped counter too). g is removed:
 * after the grace its slot is free: the next new cgroup (c) gets a series
 * of its own, while a, in "other" before and still there, stays in "other".
 */
static void test_other_never_decreases_and_slot_reused(void **state)
{
	struct collector c;
	struct model *m;
	double t;
	uint64_t hid;

	(void)state;
	REQUIRE_CGROUPS();
	make_cgroup(cg[0]);
	make_cgroup(cg[2]);
	make_cgroup(cg[6]);
	make_cgroup(cg[7]);
	start_by_cgroup(&c, collector_find("syscall"), parent, 1, TEST_GRACE_NS);
	hid = cgroup_id_of(mount, cg[7]);
	run_in(cg[6], NA); /* g: admitted */
	m = collect_model(&c);
	assert_int_equal(getppids_of(m, cg[6]), NA);
	model_free(m);
	run_in(cg[7], NB); /* h: other */
	run_in(cg[0], NC); /* a: other too */
	m = collect_model(&c);
	assert_int_equal(getppids_of(m, "other"), NB + NC);
	assert_true(dropped_of(m, FAMILY) >= NB + NC);
	model_free(m);
	remove_cgroup(cg[7]);
	remove_cgroup(cg[6]);
	t = now_s();
	sleep_until(t + 2.1);
	m = collect_model(&c); /* g and h evicted in this read */
	assert_int_equal(getppids_of(m, cg[6]), -1);
	assert_int_equal(getppids_of(m, "other"), NB + NC);
	assert_true(dropped_of(m, FAMILY) >= NB + NC);
	assert_int_equal(kernel_entries_of(&c, "syscall_cg_stats", hid), 0);
	model_free(m);
	/* a, in "other" before, stays there; c, new, takes g's freed slot. */
	run_in(cg[0], NA);
	run_in(cg[2], NC);
	m = collect_model(&c);
	collector_stop(&c);
	assert_int_equal(getppids_of(m, cg[0]), -1);
	assert_int_equal(getppids_of(m, cg[2]), NC);
	assert_int_equal(getppids_of(m, "other"), NB + NC + NA);
	model_free(m);
}

/*
 * A cgroup removed and made again under the same path (a restarted
 * service): a new id, the same labels, so one series for both. When the
 * old id is evicted its counts stay in the series (carried), so it never
 * goes down; the series goes when the new one goes too.
 */
static void test_cgroup_made_again_keeps_counts(void **state)
{
	struct collector c;
	struct model *m;
	uint64_t old_id;
	double t1, t2;

	(void)state;
	REQUIRE_CGROUPS();
	make_cgroup(cg[3]);
	start_by_cgroup(&c, collector_find("syscall"), parent, 100, TEST_GRACE_NS);
	old_id = cgroup_id_of(mount, cg[3]);
	run_in(cg[3], NA);
	m = collect_model(&c);
	t1 = now_s();
	assert_int_equal(getppids_of(m, cg[3]), NA);
	model_free(m);
	remove_cgroup(cg[3]);
	assert_int_equal(make_cgroup(cg[3]), 0);
	assert_true(cgroup_id_of(mount, cg[3]) != old_id);
	run_in(cg[3], NB);
	m = collect_model(&c);
	t2 = now_s();
	assert_int_equal(getppids_of(m, cg[3]), NA + NB);
	model_free(m);
	sleep_until(t1 + 2.05);
	m = collect_model(&c); /* the old id is evicted in this read */
	assert_int_equal(getppids_of(m, cg[3]), NA + NB);
	assert_int_equal(getppids_of(m, "gone"), -1);
	assert_int_equal(kernel_entries_of(&c, "syscall_cg_stats", old_id), 0);
	model_free(m);
	remove_cgroup(cg[3]);
	sleep_until(t2 + 2.05);
	m = collect_model(&c);
	collector_stop(&c);
	assert_int_equal(getppids_of(m, cg[3]), -1);
	assert_int_equal(getppids_of(m, "gone"), -1);
	model_free(m);
}

/* --by cgroup is accepted; a collector without the breakdown says so on start. */
static void test_unsupported_collector_says_so(void **state)
{
	char *argv[] = {"record", "--by", "cgroup", "-c", "syscall,sched,tcp,offcpu", NULL};
	struct kprof_config cfg;
	struct kprof_error err;
	struct session s;
	char *log = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cli_parse_record(5, argv, &cfg, &err), CLI_OK);
	assert_true(cfg.by_cgroup);
	REQUIRE_CGROUPS();
	if (!collector_find("offcpu"))
		skip();
	f = open_memstream(&log, &len);
	assert_non_null(f);
	if (session_start(&s, &cfg, f, &err))
		fail_msg("%s", err.msg);
	session_stop(&s);
	fclose(f);
	assert_non_null(strstr(log,
			       "the offcpu collector has no --by cgroup breakdown yet; its figures "
			       "cover all cgroups"));
	assert_null(strstr(log, "the syscall collector"));
	assert_null(strstr(log, "the sched collector"));
	assert_null(strstr(log, "the tcp collector"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_cgroup_under_its_label),
		cmocka_unit_test(test_over_max_series_is_other),
		cmocka_unit_test(test_vanished_cgroup_is_gone),
		cmocka_unit_test(test_removed_cgroup_goes_after_grace),
		cmocka_unit_test(test_other_never_decreases_and_slot_reused),
		cmocka_unit_test(test_cgroup_made_again_keeps_counts),
		cmocka_unit_test(test_unsupported_collector_says_so),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
