// SPDX-License-Identifier: MIT
/*
 * The cpu and offcpu collectors in the running kernel, on tests/helpers/stacks
 * (frame pointers, known call chains): sample counts against the CPU time
 * the kernel charged the workload, off-CPU weight against known sleeps, the
 * --pid filter, the lost counters, and (once the symbolizer resolves user
 * frames) the function names.
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kprof_test.h"
#include "kprof/stack.h"
#include "model_stack.h"
#include "stack_output.h"
#include "stack_sink.h"
#include "symbolize.h"

#define HELPER	 "build/tests/helpers/stacks"
#define FREQ	 99
#define BLOCKS	 20
#define BLOCK_MS 10

struct child {
	pid_t pid;
	int go_fd, done_fd;
};

/* Starts the helper, waiting on its stdin for the go. */
static void spawn(struct child *c, const char *mode, const char *a, const char *b)
{
	int in[2], out[2];

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(HELPER, HELPER, mode, a, b, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->go_fd = in[1];
	c->done_fd = out[0];
}

static void go(struct child *c)
{
	assert_int_equal(write(c->go_fd, "g", 1), 1);
}

/* Waits until the helper has done its work; it stays alive, so it can be symbolized. */
static void wait_done(struct child *c)
{
	char buf[8];

	assert_int_equal(read(c->done_fd, buf, 5), 5);
}

/* Lets the helper exit and waits for it; its user + system CPU time in seconds. */
static double reap(struct child *c)
{
	struct rusage ru;
	int status;

	close(c->go_fd);
	close(c->done_fd);
	assert_int_equal(wait4(c->pid, &status, 0, &ru), c->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void start(struct collector *c, const char *name, pid_t pid)
{
	struct kprof_config cfg;
	struct kprof_error err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = pid;
	cfg.npids = 1;
	cfg.frequency_hz = FREQ;
	cfg.min_block_ns = 1000;
	if (collector_start(c, collector_find(name), &cfg, &err))
		fail_msg("%s", err.msg);
}

/* Whether the symbolizer in this build resolves user frames (not the placeholder). */
static bool symbolizer_resolves(struct symbolizer *s)
{
	struct sym_frame f = {0};

	symbolize_user(s, getpid(), (uint64_t)(uintptr_t)&reap, &f);
	return f.function && strcmp(f.function, "[unknown]");
}

/* Whether the user frames of s, root first, contain names as a chain in order. */
static bool has_chain(const struct stack_profile *p, const struct stack_sample *s,
		      const char *const *names, int n)
{
	int k = 0;

	for (uint32_t i = 0; i < s->nuser && k < n; i++)
		if (!strcmp(stack_frame_at(p, s, i)->frame.function, names[k]))
			k++;
	return k == n;
}

static void test_cpu_samples_follow_cpu_time(void **state)
{
	static const char *const chain[] = {"main", "outer", "hot_loop"};
	static const char *const thread_chain[] = {"thread_main", "outer", "hot_loop"};
	struct child burner, other;
	struct collector c;
	struct symbolizer *sym;
	struct stack_profile *p;
	double cpu_s, expected;
	uint64_t total = 0, in_chain = 0;
	int ret;

	(void)state;
	REQUIRE_BPF();
	spawn(&burner, "burn", "1.5", "2");
	/* Not selected by --pid: none of its samples may show up. */
	spawn(&other, "burn", "1", "1");
	start(&c, "cpu", burner.pid);
	go(&other);
	go(&burner);
	wait_done(&burner);
	wait_done(&other);
	sym = symbolizer_new(NULL);
	assert_non_null(sym);
	p = stack_output_profile(&c, sym, 2.0, &ret);
	assert_non_null(p);
	collector_stop(&c);
	cpu_s = reap(&burner);
	reap(&other);
	for (size_t i = 0; i < p->nsamples; i++) {
		assert_int_equal(p->samples[i].pid, burner.pid);
		total += p->samples[i].count;
		/* The main thread under main, the other under thread_main. */
		if (has_chain(p, &p->samples[i], chain, 3) ||
		    has_chain(p, &p->samples[i], thread_chain, 3))
			in_chain += p->samples[i].count;
	}
	/* cpu-clock at F Hz fires every 1/F s of CPU time the task is charged. */
	expected = cpu_s * FREQ;
	print_message("cpu: %llu samples for %.2f s of CPU time (expected %.0f), %llu lost, "
		      "%llu under main/outer/hot_loop\n",
		      (unsigned long long)total, cpu_s, expected, (unsigned long long)p->lost,
		      (unsigned long long)in_chain);
	assert_true(expected > 100);
	assert_true(total >= 0.8 * expected && total <= 1.2 * expected + 5);
	assert_int_equal(p->period_ns, 1000000000ULL / FREQ);
	if (symbolizer_resolves(sym))
		assert_true(in_chain >= 0.8 * total);
	else
		print_message("names not checked: this build's symbolizer does not resolve user "
			      "frames\n");
	stack_profile_free(p);
	symbolizer_free(sym);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_offcpu_weight_of_known_sleeps(void **state)
{
	static const char *const chain[] = {"main", "waiter", "block_here"};
	struct stack_profile *p;
	struct symbolizer *sym;
	struct collector c;
	struct child w;
	uint64_t count = 0, weight = 0, want = (uint64_t)BLOCKS * BLOCK_MS * 1000000ULL;
	char n[16], ms[16];
	double t0, wall;
	int ret;

	(void)state;
	REQUIRE_BPF();
	snprintf(n, sizeof(n), "%d", BLOCKS);
	snprintf(ms, sizeof(ms), "%d", BLOCK_MS);
	spawn(&w, "block", n, ms);
	start(&c, "offcpu", w.pid);
	t0 = now_s();
	go(&w);
	wait_done(&w);
	wall = now_s() - t0;
	sym = symbolizer_new(NULL);
	assert_non_null(sym);
	p = stack_output_profile(&c, sym, wall, &ret);
	assert_non_null(p);
	collector_stop(&c);
	reap(&w);
	if (getenv("KPROF_TEST_VERBOSE"))
		stack_write_folded(p, stderr);
	if (!symbolizer_resolves(sym)) {
		stack_profile_free(p);
		symbolizer_free(sym);
		print_message("skipped: this build's symbolizer does not resolve user frames\n");
		skip();
	}
	/*
	 * Off-CPU time under main -> waiter -> block_here. Usually one stack
	 * with exactly N blocks; on a busy machine a sleeper may also be
	 * preempted inside nanosleep (another kernel stack, same user stack),
	 * so the sum over user stacks is what is exact.
	 */
	for (size_t i = 0; i < p->nsamples; i++) {
		assert_int_equal(p->samples[i].pid, w.pid);
		if (has_chain(p, &p->samples[i], chain, 3)) {
			count += p->samples[i].count;
			weight += p->samples[i].weight_ns;
		}
	}
	print_message("offcpu: %llu blocks, %.1f ms under main/waiter/block_here (expected %d x "
		      "%d ms, at most the %.1f ms the workload ran), %llu lost\n",
		      (unsigned long long)count, weight / 1e6, BLOCKS, BLOCK_MS, wall * 1e3,
		      (unsigned long long)p->lost);
	assert_true(count >= BLOCKS && count <= 2 * BLOCKS);
	assert_true(weight >= want);
	assert_true(weight <= (uint64_t)(wall * 1e9));
	stack_profile_free(p);
	symbolizer_free(sym);
}

static void test_lost_counters_reported(void **state)
{
	static const char *const reasons[] = {"stack_collision", "stack_map_full",
					      "counts_map_full", "task_storage_unavailable"};
	static const char *const names[] = {"cpu", "offcpu"};

	(void)state;
	REQUIRE_BPF();
	for (int i = 0; i < 2; i++) {
		struct model *m = model_new();
		struct collector c;

		assert_non_null(m);
		start(&c, names[i], getpid());
		assert_int_equal(collector_collect(&c, m), 0);
		collector_stop(&c);
		for (int r = 0; r < 4; r++) {
			const char *labels[] = {names[i], reasons[r]};

			if (!find_series(m, "kprof_lost_events_total", labels))
				fail_msg("no kprof_lost_events_total{collector=%s,reason=%s}",
					 names[i], reasons[r]);
		}
		model_free(m);
	}
}

/* Sum of the counts and number of keys in the counts hash, by a walk. */
static void walk_counts(struct collector *c, uint64_t *count, uint64_t *keys)
{
	struct bpf_map *map = bpf_object__find_map_by_name(c->obj, "stack_counts");
	struct kprof_stack_key key, next, *prev = NULL;
	int fd;

	assert_non_null(map);
	fd = bpf_map__fd(map);
	*count = *keys = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct kprof_stack_value v;

		key = next;
		prev = &key;
		assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
		*count += v.count;
		(*keys)++;
	}
}

/*
 * The samples counter and the map fill level come from per-CPU totals that
 * the BPF side keeps (no walk per scrape): they equal what a walk of the
 * counts hash finds, exactly.
 */
static void test_totals_equal_walk(void **state)
{
	static const char *const names[] = {"cpu", "offcpu"};
	static const char *const counters[] = {"kprof_cpu_samples_total",
					       "kprof_offcpu_blocks_total"};

	(void)state;
	REQUIRE_BPF();
	for (int i = 0; i < 2; i++) {
		struct model *m = model_new();
		struct bpf_map *size;
		struct collector c;
		struct child w;
		struct series *s;
		uint64_t count, keys, entries;

		assert_non_null(m);
		if (i == 0)
			spawn(&w, "burn", "0.5", "2");
		else
			spawn(&w, "block", "50", "2");
		start(&c, names[i], w.pid);
		go(&w);
		wait_done(&w);
		/* The helper now waits in read(): nothing changes the maps. */
		assert_int_equal(collector_collect(&c, m), 0);
		walk_counts(&c, &count, &keys);
		size = bpf_object__find_map_by_name(c.obj, "stack_counts_size");
		assert_non_null(size);
		assert_int_equal(kprof_percpu_sum(bpf_map__fd(size), 0, &entries), 0);
		s = find_series(m, counters[i], NULL);
		assert_non_null(s);
		print_message("%s: %.0f counted, walk: %llu in %llu keys, %llu keys counted\n",
			      names[i], s->value, (unsigned long long)count,
			      (unsigned long long)keys, (unsigned long long)entries);
		assert_true(count > (i == 0 ? 50 : 49));
		assert_int_equal((uint64_t)s->value, count);
		assert_int_equal(entries, keys);
		collector_stop(&c);
		reap(&w);
		model_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_samples_follow_cpu_time),
		cmocka_unit_test(test_offcpu_weight_of_known_sleeps),
		cmocka_unit_test(test_lost_counters_reported),
		cmocka_unit_test(test_totals_equal_walk),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
