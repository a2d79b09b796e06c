/* SPDX-License-Identifier: MIT */
/* What the user asked for, as parsed from the command line. */
#ifndef KPROF_CONFIG_H
#define KPROF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "kprof/filter.h"

#define KPROF_MAX_COLLECTORS 16

struct kprof_config {
	uint64_t duration_ns;
	int pids[KPROF_MAX_PIDS];
	int npids;
	char comm[KPROF_COMM_LEN];
	bool has_comm;
	/* Collectors chosen by name; none chosen means "all this kernel supports". */
	const char *collectors[KPROF_MAX_COLLECTORS];
	int ncollectors;
	int top;
	bool json;
	bool verbose;
};

#endif /* KPROF_CONFIG_H */
