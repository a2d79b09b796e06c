// SPDX-License-Identifier: MIT
/*
 * The cpu and offcpu collectors in the running kernel, on tests/helpers/stacks
 * (frame pointers, known call chains): sample counts against the CPU time
 * the kernel charged the workload, off-CPU weight against known sleeps, the
 * --pid filter, the lost counters, and (once the symbolizer resolves user
 * frames) the function names.
 */
#include <fcntl.h>
#include <bpf/libbpf.h>
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

/* offcpu: stacks walked at switch-in (sched_exit_tp) unless at_switch_out. */
static void start_offcpu(struct collector *c, pid_t pid, uint64_t min_block_ns, bool at_switch_out)
{
	struct kprof_config cfg;
	struct kprof_error err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = pid;
	cfg.npids = 1;
	cfg.frequency_hz = FREQ;
	cfg.min_block_ns = min_block_ns;
	cfg.offcpu_walk_at_switch_out = at_switch_out;
	if (collector_start(c, collector_find("offcpu"), &cfg, &err))
		fail_msg("%s", err.msg);
}

static void start(struct collector *c, const char *name, pid_t pid)
{
	struct kprof_config cfg;
	struct kprof_error err;

	if (!strcmp(name, "offcpu")) {
		start_offcpu(c, pid, 1000, false);
		return;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = pid;
	cfg.npids = 1;
	cfg.frequency_hz = FREQ;
	if (collector_start(c, collector_find(name), &cfg, &err))
		fail_msg("%s", err.msg);
}

/* Whether a started offcpu collector walks its stacks at switch-in. */
static bool walks_at_switch_in(struct collector *c)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(c->obj, "kprof_offcpu_exit");

	return prog && bpf_program__fd(prog) >= 0;
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

/* Lets the helper go and waits until it is done: the wall time it took, in s. */
static double run_to_done(struct child *w)
{
	double t0 = now_s();

	go(w);
	wait_done(w);
	return now_s() - t0;
}

/* The helper that sleeps BLOCKS x BLOCK_MS under main -> waiter -> block_here. */
static void spawn_blocker(struct child *w)
{
	char n[16], ms[16];

	snprintf(n, sizeof(n), "%d", BLOCKS);
	snprintf(ms, sizeof(ms), "%d", BLOCK_MS);
	spawn(w, "block", n, ms);
}

static void test_offcpu_weight_of_known_sleeps(void **state)
{
	static const char *const chain[] = {"main", "waiter", "block_here"};
	struct stack_profile *p;
	struct symbolizer *sym;
	struct collector c;
	struct child w;
	uint64_t count = 0, weight = 0, want = (uint64_t)BLOCKS * BLOCK_MS * 1000000ULL;
	double wall;
	int ret;

	(void)state;
	REQUIRE_BPF();
	spawn_blocker(&w);
	start(&c, "offcpu", w.pid);
	wall = run_to_done(&w);
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

/* One sample as text: pid, comm and every frame's name, leaf first. */
static char *sample_text(const struct stack_profile *p, const struct stack_sample *s)
{
	char *text = NULL, buf[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fprintf(f, "%u;%s", s->pid, s->comm);
	for (uint32_t i = 0; i < s->nkern + s->nuser; i++)
		fprintf(f, ";%s", stack_frame_name(stack_frame_at(p, s, i), buf, sizeof(buf)));
	fclose(f);
	return text;
}

/* Count and weight of the samples of p whose text is t (frames merged by name). */
static void sum_text(const struct stack_profile *p, const char *t, uint64_t *count, uint64_t *w)
{
	*count = *w = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		char *u = sample_text(p, &p->samples[i]);

		if (!strcmp(t, u)) {
			*count += p->samples[i].count;
			*w += p->samples[i].weight_ns;
		}
		free(u);
	}
}

/* Every stack of a is in b with the same count, and the weights agree. */
static void assert_same_stacks(const struct stack_profile *a, const struct stack_profile *b)
{
	for (size_t i = 0; i < a->nsamples; i++) {
		char *t = sample_text(a, &a->samples[i]);
		uint64_t ca, wa, cb, wb;

		sum_text(a, t, &ca, &wa);
		sum_text(b, t, &cb, &wb);
		if (ca != cb)
			fail_msg("%s: %llu blocks at switch-in, %llu at switch-out", t,
				 (unsigned long long)ca, (unsigned long long)cb);
		/*
		 * Each collector reads the clock in its own sched_switch run,
		 * one after the other on the same switch: the two times of a
		 * block differ by the other's run time (a few us), no more.
		 */
		if ((wa > wb ? wa - wb : wb - wa) > ca * 100000)
			fail_msg("%s: %llu ns at switch-in, %llu ns at switch-out", t,
				 (unsigned long long)wa, (unsigned long long)wb);
		free(t);
	}
}

/*
 * The two ways of walking the stacks, attached together to the same
 * workload with no threshold: the same stacks (every kernel frame, do_nanosleep
 * and schedule included) with the same counts, block for block.
 */
static void test_offcpu_switch_in_walk_is_exact(void **state)
{
	static const char *const kchain[] = {"hrtimer_nanosleep", "do_nanosleep", "schedule"};
	struct stack_profile *in, *out;
	struct collector c_in, c_out;
	struct symbolizer *sym;
	struct child w;
	uint64_t under = 0;
	double wall;
	int ret;

	(void)state;
	REQUIRE_BPF();
	spawn_blocker(&w);
	start_offcpu(&c_in, w.pid, 0, false);
	if (!walks_at_switch_in(&c_in)) {
		collector_stop(&c_in);
		reap(&w);
		print_message("skipped: this kernel has no sched_exit_tp (Linux 6.16+)\n");
		skip();
	}
	start_offcpu(&c_out, w.pid, 0, true);
	assert_false(walks_at_switch_in(&c_out));
	wall = run_to_done(&w);
	sym = symbolizer_new(NULL);
	assert_non_null(sym);
	in = stack_output_profile(&c_in, sym, wall, &ret);
	assert_non_null(in);
	out = stack_output_profile(&c_out, sym, wall, &ret);
	assert_non_null(out);
	collector_stop(&c_in);
	collector_stop(&c_out);
	reap(&w);
	if (getenv("KPROF_TEST_VERBOSE")) {
		fprintf(stderr, "switch-in:\n");
		stack_write_folded(in, stderr);
		fprintf(stderr, "switch-out:\n");
		stack_write_folded(out, stderr);
	}
	assert_int_equal(in->lost, 0);
	assert_int_equal(out->lost, 0);
	assert_int_equal(stack_profile_total_count(in), stack_profile_total_count(out));
	assert_same_stacks(in, out);
	assert_same_stacks(out, in);
	/* The frames a cross-task walk (bpf_get_task_stack) would drop are there. */
	for (size_t i = 0; i < in->nsamples; i++) {
		const struct stack_sample *s = &in->samples[i];
		int k = 0;

		for (uint32_t f = s->nuser; f < s->nuser + s->nkern && k < 3; f++) {
			const char *fn = stack_frame_at(in, s, f)->frame.function;

			if (fn && !strcmp(fn, kchain[k]))
				k++;
		}
		if (k == 3)
			under += s->count;
	}
	print_message("offcpu: %llu blocks walked at switch-in, as many at switch-out; %llu "
		      "under hrtimer_nanosleep/do_nanosleep/schedule\n",
		      (unsigned long long)stack_profile_total_count(in), (unsigned long long)under);
	assert_true(under >= BLOCKS);
	stack_profile_free(in);
	stack_profile_free(out);
	symbolizer_free(sym);
}

/* Blocks under --min-block: no stack, but counted with their time. */
static void test_offcpu_short_blocks_counted(void **state)
{
	const char *const none[] = {NULL};
	struct model *m = model_new();
	struct series *blocks, *secs, *short_n, *short_s;
	struct collector c;
	struct child w;

	(void)state;
	REQUIRE_BPF();
	assert_non_null(m);
	spawn_blocker(&w);
	/* Above every 10 ms sleep: none of them may get a stack. */
	start_offcpu(&c, w.pid, 1000000000ULL, false);
	go(&w);
	wait_done(&w);
	assert_int_equal(collector_collect(&c, m), 0);
	collector_stop(&c);
	reap(&w);
	blocks = find_series(m, "kprof_offcpu_blocks_total", none);
	short_n = find_series(m, "kprof_offcpu_short_blocks_total", none);
	short_s = find_series(m, "kprof_offcpu_short_blocks_seconds_total", none);
	assert_non_null(blocks);
	assert_non_null(short_n);
	assert_non_null(short_s);
	secs = short_s;
	print_message("offcpu --min-block 1s: %.0f blocks with a stack, %.0f short (%.1f ms)\n",
		      blocks->value, short_n->value, secs->value * 1e3);
	assert_true(blocks->value == 0);
	assert_true(short_n->value >= BLOCKS);
	assert_true(secs->value >= BLOCKS * BLOCK_MS / 1e3);
	model_free(m);
}

static void test_lost_counters_reported(void **state)
{
	static const char *const reasons[] = {"stack_collision", "stack_map_full",
					      "counts_map_full", "task_storage_unavailable",
					      "switch_in_missed"};
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
		for (int r = 0; r < 5; r++) {
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
		cmocka_unit_test(test_offcpu_switch_in_walk_is_exact),
		cmocka_unit_test(test_offcpu_short_blocks_counted),
		cmocka_unit_test(test_lost_counters_reported),
		cmocka_unit_test(test_totals_equal_walk),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
