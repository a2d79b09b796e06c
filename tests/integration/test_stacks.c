// SPDX-License-Identifier: MIT
/*
 * The cpu and offcpu collectors in the running kernel, on tests/helpers/stacks
 * (frame pointers, known call chains): sample counts against the CPU time
 * the kernel charged the workload, off-CPU weight against known sleeps, the
 * --pid filter, the lost counters, and (once the symbolizer resolves user
 * frames) the function names.
 */
#include <fcntl.h>
#include <sched.h>
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

/* offcpu on npids pids: stacks walked at switch-in (sched_exit_tp) unless at_switch_out. */
static void start_offcpu_pids(struct collector *c, const pid_t *pids, int npids,
			      uint64_t min_block_ns, bool at_switch_out)
{
	struct kprof_config cfg;
	struct kprof_error err;

	memset(&cfg, 0, sizeof(cfg));
	for (int i = 0; i < npids; i++)
		cfg.pids[i] = pids[i];
	cfg.npids = npids;
	cfg.frequency_hz = FREQ;
	cfg.min_block_ns = min_block_ns;
	cfg.offcpu_walk_at_switch_out = at_switch_out;
	if (collector_start(c, collector_find("offcpu"), &cfg, &err))
		fail_msg("%s", err.msg);
}

static void start_offcpu(struct collector *c, pid_t pid, uint64_t min_block_ns, bool at_switch_out)
{
	start_offcpu_pids(c, &pid, 1, min_block_ns, at_switch_out);
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
	/* A block lost (switch_in_unseen, see docs/flamegraphs.md) is counted as lost. */
	assert_true(count + p->lost >= BLOCKS && count <= 2 * BLOCKS);
	assert_true(weight + p->lost * (want / BLOCKS) >= want);
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

/*
 * Every stack of a is in b with the same count, and the weights agree;
 * within slack blocks when either lost some (switch_in_unseen).
 */
static void assert_same_stacks(const struct stack_profile *a, const struct stack_profile *b,
			       uint64_t slack)
{
	for (size_t i = 0; i < a->nsamples; i++) {
		char *t = sample_text(a, &a->samples[i]);
		uint64_t ca, wa, cb, wb;

		sum_text(a, t, &ca, &wa);
		sum_text(b, t, &cb, &wb);
		if ((ca > cb ? ca - cb : cb - ca) > slack)
			fail_msg("%s: %llu blocks at switch-in, %llu at switch-out", t,
				 (unsigned long long)ca, (unsigned long long)cb);
		/*
		 * Each collector reads the clock in its own sched_switch run,
		 * one after the other on the same switch: the two times of a
		 * block differ by the other's run time (a few us), no more.
		 */
		if (!slack && (wa > wb ? wa - wb : wb - wa) > ca * 100000)
			fail_msg("%s: %llu ns at switch-in, %llu ns at switch-out", t,
				 (unsigned long long)wa, (unsigned long long)wb);
		free(t);
	}
}

/* Both ways of walking the stacks, attached together to the same tasks. */
struct both_ways {
	struct collector in, out;
	struct stack_profile *pin, *pout;
	struct symbolizer *sym;
};

/* Starts both, with no threshold; false (both stopped) if this kernel has only one. */
static bool both_ways_start(struct both_ways *b, const pid_t *pids, int npids)
{
	start_offcpu_pids(&b->in, pids, npids, 0, false);
	if (!walks_at_switch_in(&b->in)) {
		collector_stop(&b->in);
		return false;
	}
	start_offcpu_pids(&b->out, pids, npids, 0, true);
	assert_false(walks_at_switch_in(&b->out));
	return true;
}

/*
 * Waits until pid sleeps (state S: blocked in its final read). Until then a
 * block can end (a preemption after its last write) between the reads of
 * the two profiles and be in one only.
 */
static void wait_sleeping(pid_t pid)
{
	char path[64], st[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 5000; i++) {
		FILE *f = fopen(path, "r");
		char *end = NULL;

		if (f) {
			end = fgets(st, sizeof(st), f) ? strrchr(st, ')') : NULL;
			fclose(f);
		}
		if (end && end[1] == ' ' && end[2] == 'S')
			return;
		usleep(1000);
	}
	fail_msg("pid %d did not go to sleep", pid);
}

/*
 * Reads both profiles (the tasks still alive, so that their user frames
 * resolve), stops both, and checks that they hold the same stacks (every
 * frame name) with the same counts, block for block.
 */
static void both_ways_compare(struct both_ways *b, double wall)
{
	uint64_t slack, nin, nout;
	int ret;

	b->sym = symbolizer_new(NULL);
	assert_non_null(b->sym);
	b->pin = stack_output_profile(&b->in, b->sym, wall, &ret);
	assert_non_null(b->pin);
	b->pout = stack_output_profile(&b->out, b->sym, wall, &ret);
	assert_non_null(b->pout);
	collector_stop(&b->in);
	collector_stop(&b->out);
	if (getenv("KPROF_TEST_VERBOSE")) {
		fprintf(stderr, "switch-in:\n");
		stack_write_folded(b->pin, stderr);
		fprintf(stderr, "switch-out:\n");
		stack_write_folded(b->pout, stderr);
	}
	slack = b->pin->lost + b->pout->lost;
	if (slack)
		print_message("offcpu: %llu blocks lost (switch_in_unseen): compared within that\n",
			      (unsigned long long)slack);
	nin = stack_profile_total_count(b->pin);
	nout = stack_profile_total_count(b->pout);
	assert_true((nin > nout ? nin - nout : nout - nin) <= slack);
	assert_same_stacks(b->pin, b->pout, slack);
	assert_same_stacks(b->pout, b->pin, slack);
}

static void both_ways_free(struct both_ways *b)
{
	stack_profile_free(b->pin);
	stack_profile_free(b->pout);
	symbolizer_free(b->sym);
}

/* Blocks of p whose kernel stack has names as a chain, root first. */
static uint64_t blocks_under_kernel_chain(const struct stack_profile *p, const char *const *names,
					  int n)
{
	uint64_t blocks = 0;

	for (size_t i = 0; i < p->nsamples; i++) {
		const struct stack_sample *s = &p->samples[i];
		int k = 0;

		for (uint32_t f = s->nuser; f < s->nuser + s->nkern && k < n; f++) {
			const char *fn = stack_frame_at(p, s, f)->frame.function;

			if (fn && !strcmp(fn, names[k]))
				k++;
		}
		if (k == n)
			blocks += s->count;
	}
	return blocks;
}

/* At least min blocks of the switch-in profile under the kernel chain; frees b. */
static void both_ways_expect_chain(struct both_ways *b, const char *const *chain, int n,
				   uint64_t min, const char *what)
{
	uint64_t under = blocks_under_kernel_chain(b->pin, chain, n);

	print_message("offcpu %s: %llu blocks walked at switch-in, as many at switch-out; %llu "
		      "under %s/.../%s\n",
		      what, (unsigned long long)stack_profile_total_count(b->pin),
		      (unsigned long long)under, chain[0], chain[n - 1]);
	assert_true(under >= min);
	both_ways_free(b);
}

/*
 * The sleeper: the same stacks both ways, and the frames a cross-task walk
 * (bpf_get_task_stack) would drop, do_nanosleep and schedule, are there.
 */
static void test_offcpu_switch_in_walk_is_exact(void **state)
{
	static const char *const kchain[] = {"hrtimer_nanosleep", "do_nanosleep", "schedule"};
	struct both_ways b;
	struct child w;
	double wall;

	(void)state;
	REQUIRE_BPF();
	spawn_blocker(&w);
	if (!both_ways_start(&b, &w.pid, 1)) {
		reap(&w);
		print_message("skipped: this kernel has no sched_exit_tp (Linux 6.16+)\n");
		skip();
	}
	wall = run_to_done(&w);
	wait_sleeping(w.pid);
	both_ways_compare(&b, wall);
	reap(&w);
	both_ways_expect_chain(&b, kchain, 3, BLOCKS, "sleeper");
}

#define PINGPONG_ROUNDS 5000

/*
 * One side of a pipe ping-pong: reads a byte from in (blocking in
 * pipe_read), writes it to out, rounds times; the first side starts it.
 */
static void pingpong(int in, int out, int go, int done, bool first)
{
	char c = 0;

	if (read(go, &c, 1) != 1)
		_exit(1);
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		if (first && write(out, &c, 1) != 1)
			_exit(1);
		if (read(in, &c, 1) != 1)
			_exit(1);
		if (!first && write(out, &c, 1) != 1)
			_exit(1);
	}
	if (write(done, &c, 1) != 1)
		_exit(1);
	/* Stays until the parent has read the profiles (its frames must resolve). */
	(void)!read(go, &c, 1);
	_exit(0);
}

/*
 * Two processes in a pipe ping-pong on one CPU (sched pipe's pattern, the
 * bench's workload): thousands of blocks in pipe_read, and whatever
 * preemption the machine adds, the same both ways.
 */
static void test_offcpu_switch_in_exact_on_pipe(void **state)
{
	static const char *const kchain[] = {"vfs_read", "schedule"};
	int ab[2], ba[2], go[2], done[2];
	struct both_ways b;
	pid_t pids[2];
	cpu_set_t one;
	char buf[2];
	double t0;

	(void)state;
	REQUIRE_BPF();
	assert_int_equal(pipe(ab), 0);
	assert_int_equal(pipe(ba), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			sched_setaffinity(0, sizeof(one), &one);
			pingpong(i ? ab[0] : ba[0], i ? ba[1] : ab[1], go[0], done[1], i == 0);
		}
	}
	close(go[0]);
	close(done[1]);
	if (!both_ways_start(&b, pids, 2)) {
		close(go[1]);
		waitpid(pids[0], NULL, 0);
		waitpid(pids[1], NULL, 0);
		print_message("skipped: this kernel has no sched_exit_tp (Linux 6.16+)\n");
		skip();
	}
	t0 = now_s();
	assert_int_equal(write(go[1], "gg", 2), 2);
	assert_int_equal(read(done[0], buf, 1), 1);
	assert_int_equal(read(done[0], buf + 1, 1), 1);
	wait_sleeping(pids[0]);
	wait_sleeping(pids[1]);
	both_ways_compare(&b, now_s() - t0);
	close(go[1]);
	waitpid(pids[0], NULL, 0);
	waitpid(pids[1], NULL, 0);
	both_ways_expect_chain(&b, kchain, 2, PINGPONG_ROUNDS, "pipe ping-pong");
}

/* Blocks under --min-block: no stack, but counted with their time. */
static void test_offcpu_short_blocks_counted(void **state)
{
	const char *const none[] = {NULL}, *unseen[] = {"offcpu", "switch_in_unseen"};
	struct model *m = model_new();
	struct series *blocks, *secs, *short_n, *short_s, *lost;
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
	lost = find_series(m, "kprof_lost_events_total", unseen);
	assert_non_null(lost);
	secs = short_s;
	print_message("offcpu --min-block 1s: %.0f blocks with a stack, %.0f short (%.1f ms), "
		      "%.0f lost\n",
		      blocks->value, short_n->value, secs->value * 1e3, lost->value);
	assert_true(blocks->value == 0);
	assert_true(short_n->value + lost->value >= BLOCKS);
	assert_true(secs->value >= (BLOCKS - lost->value) * BLOCK_MS / 1e3);
	model_free(m);
}

static void test_lost_counters_reported(void **state)
{
	static const char *const reasons[] = {"stack_collision",  "stack_map_full",
					      "counts_map_full",  "task_storage_unavailable",
					      "switch_in_missed", "switch_in_unseen"};
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
		for (int r = 0; r < 6; r++) {
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
	static const char *const unseen[2][2] = {{"cpu", "switch_in_unseen"},
						 {"offcpu", "switch_in_unseen"}};

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
		/* offcpu: a block lost as switch_in_unseen (docs/flamegraphs.md) is not counted. */
		assert_true(count + find_series(m, "kprof_lost_events_total", unseen[i])->value >
			    (i == 0 ? 50 : 49));
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
		cmocka_unit_test(test_offcpu_switch_in_exact_on_pipe),
		cmocka_unit_test(test_offcpu_short_blocks_counted),
		cmocka_unit_test(test_lost_counters_reported),
		cmocka_unit_test(test_totals_equal_walk),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
