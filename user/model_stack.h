/* SPDX-License-Identifier: MIT */
/*
 * The stack-profile model: samples keyed by (pid, comm, frames) with a count
 * and a weight in ns, as plain C data. The cpu and offcpu collectors fill it;
 * stack_profile_symbolize() resolves each distinct address once; the sinks
 * (folded, SVG, pprof) read only this and the resolved frames.
 *
 * Addresses are interned as locations, one per (address space, address):
 * a sample's frames are indices into the location table, leaf first, kernel
 * frames before user frames (the order of a pprof Sample).
 */
#ifndef KPROF_MODEL_STACK_H
#define KPROF_MODEL_STACK_H

#include <stddef.h>
#include <stdint.h>
#include "symbolize.h"

enum stack_kind {
	STACK_CPU,    /* count = samples, weight = count x period */
	STACK_OFFCPU, /* count = blocks, weight = time off CPU */
};

enum location_kind {
	LOC_USER,
	LOC_KERNEL,
	LOC_LOST_USER, /* the stack existed but was lost (collision, map full) */
	LOC_LOST_KERNEL,
};

struct stack_location {
	enum location_kind kind;
	uint32_t pid; /* user locations: the address space; 0 otherwise */
	uint64_t addr;
	/* Filled by stack_profile_symbolize() (or by a test). */
	struct sym_frame frame;
};

struct stack_sample {
	uint32_t pid;
	char comm[16];
	uint32_t *locs; /* nkern kernel frames then nuser user frames, leaf first */
	uint32_t nkern, nuser;
	uint64_t count;
	uint64_t weight_ns;
};

struct stack_profile {
	enum stack_kind kind;
	char collector[16];
	/* cpu: ns between samples on one CPU (1e9 / frequency). */
	uint64_t period_ns;
	/* Length of the profile and its start (ns since the epoch, 0 if unknown). */
	uint64_t duration_ns;
	uint64_t start_ns;
	/* Samples whose stack or count was lost (all reasons). */
	uint64_t lost;
	/* offcpu: blocks under --min-block, counted without a stack, and their ns. */
	uint64_t below_count, below_ns;

	struct stack_sample *samples;
	size_t nsamples, samples_cap;
	struct stack_location *locs;
	size_t nlocs, locs_cap;
	/* Open-addressing index of locs by (kind, pid, addr). */
	uint32_t *loc_index;
	size_t loc_index_cap;
};

struct stack_profile *stack_profile_new(enum stack_kind kind, const char *collector);
void stack_profile_free(struct stack_profile *p);

/*
 * Adds a sample. kern and user are addresses leaf first (as the kernel's
 * stack map holds them); a NULL array with n == 1 adds one "lost stack"
 * frame. 0 or -ENOMEM.
 */
int stack_profile_add(struct stack_profile *p, uint32_t pid, const char *comm, const uint64_t *kern,
		      uint32_t nkern, const uint64_t *user, uint32_t nuser, uint64_t count,
		      uint64_t weight_ns);

/* Resolves every location once; s NULL leaves "[unknown]" with the address. */
void stack_profile_symbolize(struct stack_profile *p, struct symbolizer *s);

/* Sum of count and of weight_ns over all samples. */
uint64_t stack_profile_total_count(const struct stack_profile *p);
uint64_t stack_profile_total_weight(const struct stack_profile *p);

/*
 * What a flame graph sums for a sample: cpu counts samples, offcpu the ns
 * off CPU. stack_value_out() turns a sum of those into the number the
 * folded and SVG outputs show (samples, or microseconds as bcc's offcputime
 * writes them); stack_value_unit() names it.
 */
uint64_t stack_sample_raw(const struct stack_profile *p, const struct stack_sample *s);
uint64_t stack_value_out(const struct stack_profile *p, uint64_t raw);
const char *stack_value_unit(const struct stack_profile *p);

/*
 * A frame's name as the flame graph formats show it, into buf: the
 * function, "[unknown]" or "[lost stack]", with "_[k]" after kernel
 * functions (the FlameGraph convention) and ';' and control characters
 * replaced so that the folded format stays parseable.
 */
const char *stack_frame_name(const struct stack_location *l, char *buf, size_t len);

/*
 * Frame i of s counted from the root, 0 <= i < nuser + nkern: user frames
 * first, then kernel frames, as a flame graph stacks them.
 */
static inline const struct stack_location *stack_frame_at(const struct stack_profile *p,
							  const struct stack_sample *s, uint32_t i)
{
	uint32_t idx = i < s->nuser ? s->nkern + s->nuser - 1 - i : s->nkern - 1 - (i - s->nuser);

	return &p->locs[s->locs[idx]];
}

#endif /* KPROF_MODEL_STACK_H */
