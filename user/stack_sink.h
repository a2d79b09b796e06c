/* SPDX-License-Identifier: MIT */
/*
 * Stack sinks: they read a symbolized stack profile (model_stack.h) and write
 * one format. No BPF, no symbolizer calls: unit-tested on synthetic frames.
 */
#ifndef KPROF_STACK_SINK_H
#define KPROF_STACK_SINK_H

#include <stdio.h>
#include "model_stack.h"

/*
 * Folded stacks, one line per distinct stack: "comm;root;...;leaf value",
 * user frames then kernel frames with "_[k]", value in samples (cpu) or
 * microseconds (offcpu). What flamegraph.pl, speedscope and inferno read.
 */
int stack_write_folded(const struct stack_profile *p, FILE *out);

/* A self-contained interactive SVG flame graph (hover, click to zoom, search). */
int stack_write_svg(const struct stack_profile *p, const char *title, FILE *out);

/* pprof: profile.proto, gzipped, in a malloc'ed buffer. 0 or -errno. */
int stack_pprof_encode(const struct stack_profile *p, unsigned char **buf, size_t *len);
int stack_write_pprof(const struct stack_profile *p, FILE *out);

#endif /* KPROF_STACK_SINK_H */
