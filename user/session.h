/* SPDX-License-Identifier: MIT */
/* A set of started collectors: what `record` and `serve` share. */
#ifndef KPROF_SESSION_H
#define KPROF_SESSION_H

#include <stdio.h>
#include "collector.h"

struct session {
	struct collector collectors[KPROF_MAX_COLLECTORS];
	int n;
};

/*
 * Starts the collectors the config names, or every collector this kernel
 * supports when it names none (those that fail are reported on log and
 * skipped). Returns 0, or -errno with err filled when a named collector
 * fails or none could start.
 */
int session_start(struct session *s, const struct kprof_config *cfg, FILE *log,
		  struct kprof_error *err);
int session_collect(struct session *s, struct model *m);
void session_stop(struct session *s);
/* "syscall,sched" into buf. */
void session_names(const struct session *s, char *buf, size_t len);

#endif /* KPROF_SESSION_H */
