// SPDX-License-Identifier: MIT
/* The sched collector in the running kernel, on workloads of known shape. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>
#include "collector_sched.h"
#include "kprof_test.h"

#define RUNQ   "kprof_sched_runqueue_latency_seconds"
#define OFFCPU "kprof_sched_offcpu_seconds"
#define ONCPU  "kprof_sched_oncpu_seconds"

#define MS 1000000LL

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Burns ns of this thread's CPU time, however often it is preempted. */
static void burn_cpu(int64_t ns)
{
	int64_t end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ns;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		;
}

/* Spins for ns of wall-clock time. */
static void spin_wall(int64_t ns)
{
	int64_t end = clock_ns(CLOCK_MONOTONIC) + ns;

	while (clock_ns(CLOCK_MONOTONIC) < end)
		;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* The child's exit code when the kernel refused a real-time policy. */
#define EXIT_NO_RT 6

/*
 * A real-time policy for the calling thread. SCHED_FIFO: the workload runs
 * as soon as it is runnable and is never cut short by the other helpers'
 * builds sharing this machine, so the durations it makes are the durations
 * kprof must see.
 */
static void realtime(int policy)
{
	struct sched_param sp = {.sched_priority = 1};

	if (sched_setscheduler(0, policy, &sp))
		_exit(EXIT_NO_RT);
}

#define N_SLEEPS 50

static void ten_ms_sleeps(void *arg)
{
	(void)arg;
	realtime(SCHED_FIFO);
	for (int i = 0; i < N_SLEEPS; i++)
		sleep_ns(10 * MS);
}

/*
 * The exact test: a SCHED_FIFO thread (set by the parent) sleeps 10 ms
 * N_EXACT times and counts its own context switches (getrusage) over the
 * same span; the parent compares.
 * It writes its counts to exact_fd, then waits in pause() to be killed, so
 * that the sleeps' off-CPU periods are all closed when kprof is read and no
 * exit path can add a switch.
 */
#define N_EXACT	   100
#define EXACT_REPS 5

static int exact_fd = -1;

struct switches {
	long voluntary, involuntary;
};

static void exact_sleeps(void *arg)
{
	struct rusage a, b;
	struct switches sw;

	(void)arg;
	getrusage(RUSAGE_THREAD, &a);
	for (int i = 0; i < N_EXACT; i++)
		sleep_ns(10 * MS);
	getrusage(RUSAGE_THREAD, &b);
	sw.voluntary = b.ru_nvcsw - a.ru_nvcsw;
	sw.involuntary = b.ru_nivcsw - a.ru_nivcsw;
	if (write(exact_fd, &sw, sizeof(sw)) != sizeof(sw))
		_exit(7);
	for (;;)
		pause();
}

#define N_SLICES 40

static void five_ms_bursts(void *arg)
{
	(void)arg;
	realtime(SCHED_FIFO);
	for (int i = 0; i < N_SLICES; i++) {
		burn_cpu(5 * MS);
		sleep_ns(2 * MS);
	}
}

/* 500 ms of CPU in 10 ms bursts; no priority change: preemption is fine. */
static void half_second_of_cpu(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		burn_cpu(10 * MS);
		sleep_ns(1 * MS);
	}
}

/* Spins 2 s in 1 ms turns: sched_yield() hands the CPU to the other. */
static void *spinner(void *arg)
{
	int64_t end = clock_ns(CLOCK_MONOTONIC) + 2000 * MS;

	(void)arg;
	while (clock_ns(CLOCK_MONOTONIC) < end) {
		spin_wall(1 * MS);
		sched_yield();
	}
	return NULL;
}

/*
 * Two threads spinning 2 s on one CPU under SCHED_RR, taking 1 ms turns:
 * each waits for the other's slice, about 2,000 times. Real-time so that the
 * host's other tasks cannot cut in: at nice 0, and even at nice -20, bursts
 * of short wakeups elsewhere (perf bench sched messaging, other helpers'
 * tests) brought the pair's p50 down to tens of microseconds; 1 ms turns
 * rather than RR's 100 ms slices so that the few short waits the kernel's
 * own work still causes are too few to move the p50. Policy and affinity
 * are set before the threads exist, which inherit them: no migrations.
 */
static void two_pinned_spinners(void *arg)
{
	struct sched_param sp = {.sched_priority = 1};
	pthread_t t[2];
	cpu_set_t set;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		_exit(5);
	if (sched_setscheduler(0, SCHED_RR, &sp))
		_exit(EXIT_NO_RT);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, spinner, NULL))
			_exit(4);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

/*
 * One unpinned thread that works briefly and sleeps, under the pair's policy
 * (SCHED_RR, priority 1) so that the only difference is the competition:
 * at nice 0 its p50 reached 0.46 ms while other helpers loaded this machine.
 */
#define N_WAKEUPS 200
static void lone_sleeper(void *arg)
{
	(void)arg;
	realtime(SCHED_RR);
	for (int i = 0; i < N_WAKEUPS; i++) {
		spin_wall(100000);
		sleep_ns(1 * MS);
	}
}

struct run {
	struct model *m;
	/* utime + stime of the workload from /proc/PID/stat, read as a zombie. */
	double cpu_s;
};

/* /proc/PID/stat read into buf, from field 3 (the state) on. */
static const char *proc_stat_fields(pid_t pid, char *buf, size_t size)
{
	char path[64], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = 0;
	/* After "(comm) ", which may itself hold ") ". */
	p = strrchr(buf, ')');
	assert_non_null(p);
	return p + 2;
}

static double proc_cpu_seconds(pid_t pid)
{
	unsigned long long utime = 0, stime = 0;
	char buf[1024];
	const char *p = proc_stat_fields(pid, buf, sizeof(buf));

	/* From field 3 (state): utime is field 14, stime 15. */
	assert_int_equal(
		sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime),
		2);
	return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

/* Reaps the child whatever its exit status. */
static void workload_wait_any(struct workload *w)
{
	assert_int_equal(waitpid(w->pid, NULL, 0), w->pid);
}

/* Runs fn in a child selected by --pid; f forces a kernel variant if set. */
static struct run run_sched(void (*fn)(void *), const struct sched_features *f)
{
	struct kprof_config cfg;
	struct kprof_error err;
	struct sched_features detected;
	struct collector c;
	struct workload w;
	struct run r = {model_new(), 0};
	siginfo_t info;

	assert_non_null(r.m);
	workload_fork(&w, fn, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = w.pid;
	cfg.npids = 1;
	if (!f) {
		sched_features_detect(&detected);
		f = &detected;
	}
	memset(&c, 0, sizeof(c));
	c.desc = &collector_sched;
	if (sched_start_with(&cfg, f, &c.state, &c.obj, &err)) {
		workload_kill(&w);
		fail_msg("%s", err.msg);
	}
	workload_go(&w);
	/* Wait for the exit but leave the zombie, whose /proc/PID/stat is final. */
	assert_int_equal(waitid(P_PID, w.pid, &info, WEXITED | WNOWAIT), 0);
	if (info.si_code == CLD_EXITED && info.si_status == EXIT_NO_RT) {
		collector_stop(&c);
		workload_wait_any(&w);
		model_free(r.m);
		print_message("skipped: the kernel refused a real-time policy for the workload\n");
		skip();
	}
	assert_int_equal(collector_collect(&c, r.m), 0);
	r.cpu_s = proc_cpu_seconds(w.pid);
	collector_stop(&c);
	workload_wait(&w);
	return r;
}

static struct kprof_hist *hist_of(struct model *m, const char *family)
{
	struct series *s = find_series(m, family, NULL);

	assert_non_null(s);
	return s->hist;
}

/* Events in the buckets holding lo_s up to those holding hi_s, inclusive. */
static __u64 events_between(const struct kprof_hist *h, double lo_s, double hi_s)
{
	int first = hist_slot_of_index(hist_index_of_seconds(lo_s));
	int last = hist_slot_of_index(hist_index_of_seconds(hi_s));
	__u64 n = 0;

	for (int slot = first; slot <= last; slot++)
		n += h->slots[slot];
	return n;
}

/* On failure, what the histogram held. */
static void print_hist(const char *what, const struct kprof_hist *h)
{
	print_message("%s: count %llu, sum %llu ns, max %llu ns; buckets:", what,
		      (unsigned long long)h->count, (unsigned long long)h->sum_ns,
		      (unsigned long long)h->max_ns);
	for (int slot = 0; slot < KPROF_HIST_SLOTS; slot++)
		if (h->slots[slot])
			print_message(" <=%.3gms:%llu", hist_slot_upper(slot) * 1e3,
				      (unsigned long long)h->slots[slot]);
	print_message("\n");
}

/* The state letter of /proc/PID/stat ('S' sleeping, 'R' running, ...). */
static char proc_state(pid_t pid)
{
	char buf[1024];

	return *proc_stat_fields(pid, buf, sizeof(buf));
}

/* A counter of the model, 0 when the collector never made it. */
static double lost_of(struct model *m, const char *reason)
{
	const char *const values[] = {"sched", reason};
	struct series *s = find_series(m, "kprof_lost_events_total", values);

	return s ? s->value : 0;
}

static void check_ten_ms_sleeps(struct model *m)
{
	struct kprof_hist *off = hist_of(m, OFFCPU);
	double p50 = hist_quantile(off, 0.5);
	/*
	 * Up to the bucket holding 15 ms: under heavy load a SCHED_FIFO thread
	 * can still wait ~3 ms for a neighbour's non-preemptible kernel code.
	 */
	__u64 in_range = events_between(off, 10e-3, 15e-3);
	/* Sleeps whose end the kernel did not show BPF are counted, not seen. */
	__u64 unseen = (__u64)lost_of(m, "unseen_offcpu");

	print_message("off-CPU: %llu events, %llu in the 10-15 ms buckets, p50 %.3f ms, mean %.3f "
		      "ms, max %.3f ms, %llu unseen\n",
		      (unsigned long long)off->count, (unsigned long long)in_range, p50 * 1e3,
		      off->sum_ns / 1e6 / off->count, off->max_ns / 1e6,
		      (unsigned long long)unseen);
	if (in_range < N_SLEEPS * 3 / 4 || off->count + unseen < N_SLEEPS)
		print_hist("off-CPU", off);
	/* Every sleep counted: seen, or counted unseen (test_offcpu_exact_count). */
	assert_true(off->count + unseen >= N_SLEEPS);
	/* None shorter than 10 ms: the buckets below the one holding 10 ms. */
	assert_int_equal(events_between(off, 1e-9, 9e-3), 0);
	/*
	 * Three in four up to the bucket holding 15 ms, not all: with load
	 * averages of 8-16 from other helpers (make test here), 1 to 10 sleeps
	 * of 50 took 16-25 ms, the FIFO thread's wakeup waiting on this
	 * PREEMPT_NONE kernel for the CPU to reach a preemption point.
	 */
	assert_true(in_range >= N_SLEEPS * 3 / 4);
	/*
	 * p50 is interpolated inside its bucket, (9.25, 11.0] ms for 10 ms
	 * sleeps, so it may read 9.7 ms when every sleep took 10.1 ms: check
	 * its bucket, and the exact mean (sum / count) against 10-13 ms.
	 */
	assert_true(hist_index_of_seconds(p50) >= hist_index_of_seconds(10e-3));
	assert_true(hist_index_of_seconds(p50) <= hist_index_of_seconds(13e-3));
	assert_true(off->sum_ns >= off->count * 10 * MS && off->sum_ns <= off->count * 13 * MS);
	assert_true(off->max_ns >= 10 * MS);
	assert_int_equal(hist_total(off), off->count);
	/* Each sleep ended in a wakeup, so run-queue latency was measured too. */
	assert_true(hist_of(m, RUNQ)->count + (__u64)lost_of(m, "unseen_runqueue") >= N_SLEEPS);
}

static void test_offcpu_sleeps(void **state)
{
	struct run r;

	(void)state;
	REQUIRE_BPF();
	r = run_sched(ten_ms_sleeps, NULL);
	check_ten_ms_sleeps(r.m);
	model_free(r.m);
}

/*
 * The code paths of older kernels, forced on this one: prev's state read
 * from task_struct instead of sched_switch's prev_state argument (before
 * 5.18), a hash keyed by tid instead of task storage (before 5.11).
 */
static void test_offcpu_sleeps_pre_5_11_paths(void **state)
{
	const struct sched_features old = {.prev_state_arg = false, .task_storage = false};
	struct run r;

	(void)state;
	REQUIRE_BPF();
	r = run_sched(ten_ms_sleeps, &old);
	check_ten_ms_sleeps(r.m);
	model_free(r.m);
}

/*
 * One run of exact_sleeps: kprof's counts plus what it reports as unseen
 * against the thread's own count of switches, exactly.
 */
static void exact_run(const struct sched_features *forced, int rep, double *unseen_total)
{
	struct kprof_config cfg;
	struct kprof_error err;
	struct kprof_hist *off, *runq, *on;
	struct sched_features f;
	struct collector c;
	struct workload w;
	struct switches sw;
	struct model *m = model_new();
	double u_off, u_runq, u_on;
	int p[2];

	assert_non_null(m);
	assert_int_equal(pipe(p), 0);
	exact_fd = p[1];
	workload_fork(&w, exact_sleeps, NULL);
	close(p[1]);
	/* Blocked in read() before the attach: that wait is not the test's. */
	for (int i = 0; i < 2000 && proc_state(w.pid) != 'S'; i++)
		usleep(1000);
	/*
	 * SCHED_FIFO set from here while it waits, not by itself after the go:
	 * as SCHED_OTHER it was once preempted between the go and its first
	 * count (one run-queue wait more than it counted), and the policy
	 * change itself can switch it.
	 */
	if (sched_setscheduler(w.pid, SCHED_FIFO, &(struct sched_param){.sched_priority = 1})) {
		close(p[0]);
		workload_kill(&w);
		model_free(m);
		print_message("skipped: the kernel refused a real-time policy for the workload\n");
		skip();
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = w.pid;
	cfg.npids = 1;
	if (forced)
		f = *forced;
	else
		sched_features_detect(&f);
	memset(&c, 0, sizeof(c));
	c.desc = &collector_sched;
	if (sched_start_with(&cfg, &f, &c.state, &c.obj, &err)) {
		workload_kill(&w);
		fail_msg("%s", err.msg);
	}
	workload_go(&w);
	assert_int_equal(read(p[0], &sw, sizeof(sw)), sizeof(sw));
	close(p[0]);
	assert_int_equal(collector_collect(&c, m), 0);
	collector_stop(&c);
	workload_kill(&w);
	off = hist_of(m, OFFCPU);
	runq = hist_of(m, RUNQ);
	on = hist_of(m, ONCPU);
	u_off = lost_of(m, "unseen_offcpu");
	u_runq = lost_of(m, "unseen_runqueue");
	u_on = lost_of(m, "unseen_oncpu");
	*unseen_total += u_off;
	print_message("exact run %d: thread counted %ld voluntary, %ld involuntary switches; kprof "
		      "off-CPU %llu + %.0f unseen, run queue %llu + %.0f unseen, on-CPU %llu + "
		      "%.0f unseen\n",
		      rep, sw.voluntary, sw.involuntary, (unsigned long long)off->count, u_off,
		      (unsigned long long)runq->count, u_runq, (unsigned long long)on->count, u_on);
	/* Each 10 ms sleep blocks once: the thread's own count says so. */
	assert_int_equal(sw.voluntary, N_EXACT);
	/* One off-CPU period per voluntary switch, seen or counted unseen. */
	assert_int_equal(off->count + (__u64)u_off, (__u64)sw.voluntary);
	/* One wait per switch-in: the go wakeup, then one per switch. */
	assert_int_equal(runq->count + (__u64)u_runq, (__u64)(1 + sw.voluntary + sw.involuntary));
	/*
	 * A slice per switch-out; the one into pause() may or may not have
	 * happened when kprof was read.
	 */
	assert_true(on->count + (__u64)u_on >= (__u64)(sw.voluntary + sw.involuntary));
	assert_true(on->count + (__u64)u_on <= (__u64)(sw.voluntary + sw.involuntary + 1));
	assert_int_equal(hist_total(off), off->count);
	model_free(m);
}

/*
 * The reported bug: a whole wait/run cycle of a 10 ms sleeper missing from
 * the histograms, about one run of 35 sleeps in four, with no lost event.
 * Several runs, since a run shows it only sometimes.
 */
static void test_offcpu_exact_count(void **state)
{
	double unseen = 0;

	(void)state;
	REQUIRE_BPF();
	for (int rep = 0; rep < EXACT_REPS; rep++)
		exact_run(NULL, rep, &unseen);
	print_message("exact: %d x %d sleeps, %.0f off-CPU periods the kernel did not show\n",
		      EXACT_REPS, N_EXACT, unseen);
}

/* The same on the older kernels' code paths (hash, no prev_state). */
static void test_offcpu_exact_count_pre_5_11_paths(void **state)
{
	const struct sched_features old = {.prev_state_arg = false, .task_storage = false};
	double unseen = 0;

	(void)state;
	REQUIRE_BPF();
	for (int rep = 0; rep < 2; rep++)
		exact_run(&old, rep, &unseen);
}

static void test_runqueue_pinned_pair_vs_lone_thread(void **state)
{
	struct kprof_hist *pair, *lone;
	double pair_p50, lone_p50;
	struct run a, b;

	(void)state;
	REQUIRE_BPF();
	a = run_sched(two_pinned_spinners, NULL);
	b = run_sched(lone_sleeper, NULL);
	pair = hist_of(a.m, RUNQ);
	lone = hist_of(b.m, RUNQ);
	pair_p50 = hist_quantile(pair, 0.5);
	lone_p50 = hist_quantile(lone, 0.5);
	print_message(
		"run queue: pinned pair %llu events p50 %.3f ms total %.3f s; lone thread %llu "
		"events p50 %.1f us\n",
		(unsigned long long)pair->count, pair_p50 * 1e3, pair->sum_ns / 1e9,
		(unsigned long long)lone->count, lone_p50 * 1e6);
	/*
	 * 2 s of two spinners sharing a CPU in 1 ms turns: about 2,000 waits
	 * of ~1 ms (fewer if the host steals the CPU), and together they wait
	 * at least 2 x 2 s - 2 s of CPU.
	 */
	assert_true(pair->count >= 500);
	assert_true(pair->sum_ns >= 1500 * MS);
	assert_true(pair_p50 > 0.5e-3);
	/*
	 * One wait per sleep, less the rare sleep whose timer fires before
	 * the thread got off the CPU (it is then never switched out).
	 */
	assert_true(lone->count >= N_WAKEUPS * 9 / 10);
	assert_true(lone_p50 < 0.1e-3);
	assert_true(lone_p50 * 5 < pair_p50);
	model_free(a.m);
	model_free(b.m);
}

static void test_oncpu_slices_of_five_ms(void **state)
{
	struct kprof_hist *on;
	__u64 near, unseen;
	double p50;
	struct run r;

	(void)state;
	REQUIRE_BPF();
	r = run_sched(five_ms_bursts, NULL);
	on = hist_of(r.m, ONCPU);
	p50 = hist_quantile(on, 0.5);
	near = events_between(on, 4.7e-3, 6e-3);
	unseen = (__u64)lost_of(r.m, "unseen_oncpu");
	print_message(
		"on-CPU: %llu slices, %llu in the 4.7-6 ms buckets, p50 %.3f ms, %llu unseen\n",
		(unsigned long long)on->count, (unsigned long long)near, p50 * 1e3,
		(unsigned long long)unseen);
	/*
	 * One slice per burst (41 with the one that ends at exit), unless a
	 * 2 ms timer fired before the thread got off the CPU and two merged;
	 * slices whose start the kernel did not show are counted unseen.
	 */
	assert_true(on->count + unseen >= N_SLICES * 9 / 10);
	assert_true(near + unseen >= N_SLICES * 9 / 10);
	assert_true(p50 >= 4.6e-3 && p50 <= 6e-3);
	model_free(r.m);
}

static void test_oncpu_total_matches_proc_stat(void **state)
{
	double kprof_s, ratio;
	struct run r;

	(void)state;
	REQUIRE_BPF();
	r = run_sched(half_second_of_cpu, NULL);
	kprof_s = hist_of(r.m, ONCPU)->sum_ns / 1e9;
	ratio = kprof_s / r.cpu_s;
	print_message(
		"on-CPU total: kprof %.3f s, /proc/PID/stat utime+stime %.3f s (ratio %.3f)\n",
		kprof_s, r.cpu_s, ratio);
	assert_true(r.cpu_s >= 0.45);
	assert_true(ratio >= 0.9 && ratio <= 1.1);
	model_free(r.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offcpu_sleeps),
		cmocka_unit_test(test_offcpu_sleeps_pre_5_11_paths),
		cmocka_unit_test(test_offcpu_exact_count),
		cmocka_unit_test(test_offcpu_exact_count_pre_5_11_paths),
		cmocka_unit_test(test_runqueue_pinned_pair_vs_lone_thread),
		cmocka_unit_test(test_oncpu_slices_of_five_ms),
		cmocka_unit_test(test_oncpu_total_matches_proc_stat),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
