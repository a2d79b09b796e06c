/* SPDX-License-Identifier: MIT */
/*
 * The model: what collectors found, as plain C data with no BPF in it.
 * Collectors fill it; sinks (terminal, JSON, Prometheus, ...) only read it.
 *
 * A family is one metric (name, help, type, label names); a series is one
 * combination of label values with a counter/gauge value or a histogram.
 */
#ifndef KPROF_MODEL_H
#define KPROF_MODEL_H

#include <stddef.h>
#include <stdbool.h>
#include "hist.h"

#define MODEL_MAX_LABELS 6

enum family_type {
	FAMILY_COUNTER,
	FAMILY_GAUGE,
	FAMILY_HISTOGRAM,
};

/* Histogram families whose series count events that failed (errors column). */
#define FAMILY_HAS_ERRORS 0x1

struct series {
	char *labels[MODEL_MAX_LABELS];
	double value;
	struct kprof_hist *hist;
	__u64 errors;
};

struct family {
	char *name;
	char *help;
	char *collector;
	enum family_type type;
	unsigned int flags;
	int nlabels;
	char *label_names[MODEL_MAX_LABELS];
	struct series *series;
	size_t nseries, cap;
	/*
	 * Open-addressing index over the label values: slot -> series index
	 * + 1 (0: empty), index_cap a power of two (0: not built). Without it
	 * a family of n series costs n^2/2 label compares to fill (a
	 * --by cgroup scrape of 3,000 series spent most of its time there).
	 */
	size_t *index;
	size_t index_cap;
};

struct model {
	/*
	 * Each family is allocated on its own, so a family pointer stays valid
	 * while collectors add more families. A series pointer is valid only
	 * until the next family_series() on the same family.
	 */
	struct family **families;
	size_t nfamilies, cap;
	/* How long the data was collected, in seconds (0 if unknown). */
	double duration_s;
};

struct model *model_new(void);
void model_free(struct model *m);

/*
 * The family with this name, created when new; label names are copied.
 * NULL when out of memory or when the name exists with another shape.
 */
struct family *model_family(struct model *m, const char *collector, const char *name,
			    const char *help, enum family_type type, int nlabels,
			    const char *const *label_names);
struct family *model_find(const struct model *m, const char *name);

/* The series with these label values, created (zeroed) when new; NULL on OOM. */
struct series *family_series(struct family *f, const char *const *values);

/* Shorthands for the common one-label cases; NULL on OOM. */
struct series *model_counter_add(struct model *m, const char *collector, const char *name,
				 const char *help, int nlabels, const char *const *names,
				 const char *const *values, double v);

/* Sort a family's series by a comparison function (for reports). */
void family_sort(struct family *f, int (*cmp)(const void *, const void *));

#endif /* KPROF_MODEL_H */
