/* SPDX-License-Identifier: MIT */
/*
 * Prometheus exposition of the model: text format 0.0.4 and OpenMetrics 1.0.
 * Reads only the model. Histograms become classic histograms whose `le`
 * bounds are kernel bucket boundaries (include/kprof/hist.h), so every
 * cumulative count is exact: no re-bucketing error.
 */
#ifndef KPROF_SINK_PROMETHEUS_H
#define KPROF_SINK_PROMETHEUS_H

#include <stdbool.h>
#include <stdio.h>
#include "collector.h"
#include "model.h"

enum prom_format {
	PROM_TEXT_0_0_4,
	PROM_OPENMETRICS_1_0,
};

#define PROM_CONTENT_TYPE_TEXT	      "text/plain; version=0.0.4; charset=utf-8"
#define PROM_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * Classic-histogram bounds: le = 2^(i/4) s for schema-2 indexes i from
 * min_index to max_index in steps of `step` (4: powers of two, 2: two per
 * power of two, 1: every kernel bucket). Both ends are multiples of step.
 */
struct prom_options {
	int min_index;
	int max_index;
	int step;
};

/* Defaults: powers of two from 2^-20 s (about 1 us) to 2^8 s (256 s). */
#define PROM_DEFAULT_MIN_INDEX (-80)
#define PROM_DEFAULT_MAX_INDEX 32
/*
 * Bounds that flags may ask for: the kernel's last bucket (index 48) holds
 * everything clamped above 2^(47/4) s, so the largest exact bound is 2^11 s.
 */
#define PROM_MIN_INDEX_LIMIT (-116)
#define PROM_MAX_INDEX_LIMIT 44

void prom_options_default(struct prom_options *o);

/*
 * Sets the range from durations in seconds (min rounded down, max rounded up
 * to a bound) and a resolution of 1, 2 or 4 buckets per power of two.
 * 0, or -EINVAL with err filled.
 */
int prom_options_set(struct prom_options *o, double min_s, double max_s, int resolution,
		     struct kprof_error *err);

/*
 * The model as exposition text in one malloc'd, NUL-terminated buffer
 * (*len excludes the NUL); 0 or -ENOMEM.
 */
int prom_render(const struct model *m, const struct prom_options *o, enum prom_format fmt,
		char **text, size_t *len);

/* Writes the model; 0, -ENOMEM or -EIO. */
int prom_write(const struct model *m, const struct prom_options *o, enum prom_format fmt,
	       FILE *out);

/* "0.0009765625", "+Inf", "NaN": the shortest text that reads back exactly. */
void prom_format_double(double v, char *buf, size_t len);

#endif /* KPROF_SINK_PROMETHEUS_H */
