/* SPDX-License-Identifier: MIT */
/*
 * Helpers for integration tests: they load the real BPF programs, so they
 * need root; without it each test reports itself skipped, with the reason.
 */
#ifndef KPROF_TEST_H
#define KPROF_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "bpf_util.h"
#include "collector.h"
#include "model.h"

/* Skips the calling test, saying why, unless BPF programs can be loaded. */
#define REQUIRE_BPF()                                                                      \
	do {                                                                               \
		struct kprof_error why_;                                                   \
		if (kprof_check_environment(&why_)) {                                      \
			print_message("skipped: needs BPF: %s\n", why_.msg);               \
			skip();                                                            \
		}                                                                          \
	} while (0)

/* A child process that waits for a go signal, runs fn, and exits. */
struct workload {
	pid_t pid;
	int go_fd;
};

static inline void workload_fork(struct workload *w, void (*fn)(void *), void *arg)
{
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	w->pid = fork();
	assert_true(w->pid >= 0);
	if (w->pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(3);
		fn(arg);
		_exit(0);
	}
	close(p[0]);
	w->go_fd = p[1];
}

static inline void workload_go(struct workload *w)
{
	assert_int_equal(write(w->go_fd, "g", 1), 1);
	close(w->go_fd);
}

static inline void workload_wait(struct workload *w)
{
	int status;

	assert_int_equal(waitpid(w->pid, &status, 0), w->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static inline void workload_kill(struct workload *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
	}
}

/* The series of family name with these label values, or NULL. */
static inline struct series *find_series(struct model *m, const char *name,
					 const char *const *values)
{
	struct family *f = model_find(m, name);

	if (!f)
		return NULL;
	for (size_t i = 0; i < f->nseries; i++) {
		bool same = true;

		for (int l = 0; l < f->nlabels; l++)
			same &= !strcmp(f->series[i].labels[l], values[l]);
		if (same)
			return &f->series[i];
	}
	return NULL;
}

/* Events in all series of histogram family name (0 when it is absent). */
static inline __u64 family_hist_count(struct model *m, const char *name)
{
	struct family *f = model_find(m, name);
	__u64 n = 0;

	for (size_t i = 0; f && i < f->nseries; i++)
		n += f->series[i].hist->count;
	return n;
}

/*
 * Collects from c until histogram family name holds want events, at most
 * 5 s: events that end after the workload exits (the last TCP closes, in
 * softirq context) are then in.
 */
static inline struct model *collect_until(struct collector *c, const char *name, __u64 want)
{
	struct model *m = NULL;

	for (int i = 0; i < 100; i++) {
		model_free(m);
		m = model_new();
		assert_non_null(m);
		assert_int_equal(collector_collect(c, m), 0);
		if (family_hist_count(m, name) >= want)
			break;
		usleep(50000);
	}
	return m;
}

/* Starts collector name with a --pid filter on pid. */
static inline void start_for_pid(struct collector *c, const char *name, pid_t pid)
{
	struct kprof_config cfg;
	struct kprof_error err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pids[0] = pid;
	cfg.npids = 1;
	if (collector_start(c, collector_find(name), &cfg, &err))
		fail_msg("%s", err.msg);
}

#endif /* KPROF_TEST_H */
