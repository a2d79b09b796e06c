/* SPDX-License-Identifier: MIT */
/*
 * The sched collector's kernel-dependent choices, exposed so that tests can
 * force the code paths of older kernels on the running one.
 */
#ifndef KPROF_COLLECTOR_SCHED_H
#define KPROF_COLLECTOR_SCHED_H

#include <stdbool.h>
#include "collector.h"

struct sched_features {
	/* sched_switch passes prev_state (5.18+); else read task_struct's state. */
	bool prev_state_arg;
	/* Task-local storage for tracing programs (5.11+); else a bounded hash. */
	bool task_storage;
};

/* What the running kernel offers. */
void sched_features_detect(struct sched_features *f);

/* collector_sched.start with the given features instead of detected ones. */
int sched_start_with(const struct kprof_config *cfg, const struct sched_features *f, void **state,
		     struct bpf_object **obj, struct kprof_error *err);

extern const struct collector_desc collector_sched;

#endif /* KPROF_COLLECTOR_SCHED_H */
