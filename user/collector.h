/* SPDX-License-Identifier: MIT */
/*
 * A collector is one row of the table in collectors.c: a name, what it
 * measures, the tracepoints it needs, and four functions. `kprof list`, the
 * CLI's --collectors, the reports and the exporter all iterate over that
 * table; adding a collector adds a row, not a branch in every sink.
 */
#ifndef KPROF_COLLECTOR_H
#define KPROF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "model.h"

struct bpf_object;
struct stack_profile;

/* Why something failed, as one sentence a user can act on. */
struct kprof_error {
	char msg[512];
};

struct collector_desc {
	const char *name;
	const char *summary;
	/* BTF-typed tracepoints it attaches to; NULL-terminated. */
	const char *const *tracepoints;
	/* Opens, loads and attaches; returns 0 or -errno with err filled. */
	int (*start)(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
		     struct kprof_error *err);
	/* Adds this collector's families to m, cumulative since start. */
	int (*collect)(void *state, struct model *m);
	void (*stop)(void *state);
	/* Opens the BPF object without loading it, to size its maps. */
	struct bpf_object *(*open_object)(void **state);
	void (*close_object)(void *state);
	/*
	 * Stack collectors only (NULL for the others): adds the stacks counted
	 * since start to p, and sets its kind and period. 0 or -errno.
	 */
	int (*collect_stacks)(void *state, struct stack_profile *p);
	/* Whether it has the --by cgroup breakdown (the others ignore the flag). */
	bool by_cgroup;
};

/* A started collector. */
struct collector {
	const struct collector_desc *desc;
	void *state;
	struct bpf_object *obj;
};

extern const struct collector_desc *const kprof_collectors[];

const struct collector_desc *collector_find(const char *name);

/* Kernel memory of a collector's maps: bytes per CPU and shared bytes. */
struct collector_memory {
	size_t per_cpu;
	size_t shared;
	/* Task-local storage: bytes per thread that has an entry. */
	size_t per_task;
	/* Socket-local storage: bytes per traced socket. */
	size_t per_socket;
};
int collector_memory(const struct collector_desc *d, struct collector_memory *mem);

/*
 * Whether this kernel can run the collector: the tracepoints are in its
 * BTF and, with privilege, the programs load. 0 if so, else -errno and why.
 */
int collector_probe(const struct collector_desc *d, struct kprof_error *why);

int collector_start(struct collector *c, const struct collector_desc *d,
		    const struct kprof_config *cfg, struct kprof_error *err);
int collector_collect(struct collector *c, struct model *m);
void collector_stop(struct collector *c);

#endif /* KPROF_COLLECTOR_H */
