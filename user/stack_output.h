/* SPDX-License-Identifier: MIT */
/* Flame-graph files of a session's stack collectors (`record --output DIR`). */
#ifndef KPROF_STACK_OUTPUT_H
#define KPROF_STACK_OUTPUT_H

#include <stdio.h>
#include "model_stack.h"
#include "session.h"

/*
 * The stack profile of one started stack collector, symbolized with s
 * (strings stay valid until symbolizer_free). NULL with *ret = -errno.
 */
struct stack_profile *stack_output_profile(struct collector *c, struct symbolizer *s,
					   double duration_s, int *ret);

/*
 * For each stack collector of the session: DIR/NAME.folded, DIR/NAME.svg and
 * DIR/NAME.pb.gz, DIR created if missing; says on log what it wrote.
 * 0, or -errno with err filled.
 */
int stack_output_write(struct session *s, const char *dir, double duration_s, FILE *log,
		       struct kprof_error *err);

#endif /* KPROF_STACK_OUTPUT_H */
