/* SPDX-License-Identifier: MIT */
/* Sinks: they read the model and write one output format. Never BPF. */
#ifndef KPROF_SINK_H
#define KPROF_SINK_H

#include <stdio.h>
#include "model.h"

struct report_options {
	/* Series shown per family, biggest first. */
	int top;
};

/* Terminal report: per collector, tables with p50/p90/p99/max and text histograms. */
int report_text(const struct model *m, const struct report_options *opt, FILE *out);
/* The same data as one JSON document, for scripts. */
int report_json(const struct model *m, const struct report_options *opt, FILE *out);

/* Order of series in reports: histograms by total time, counters by value. */
int series_cmp_by_sum_desc(const void *a, const void *b);
int series_cmp_by_value_desc(const void *a, const void *b);

#endif /* KPROF_SINK_H */
