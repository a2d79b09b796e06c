/* SPDX-License-Identifier: MIT */
/* Parsers for what users type: durations, numbers, lists. Pure functions. */
#ifndef KPROF_PARSE_H
#define KPROF_PARSE_H

#include <stdint.h>
#include <stddef.h>

/* Longest duration accepted anywhere: 366 days. */
#define PARSE_MAX_DURATION_NS (366ULL * 24 * 3600 * 1000000000ULL)

/*
 * Go-style durations: "10s", "1.5s", "250ms", "2m30s", "1h"; a bare number
 * is seconds. Units ns, us, µs, ms, s, m, h. Returns 0, or -EINVAL for
 * malformed input and -ERANGE for zero or more than PARSE_MAX_DURATION_NS.
 */
int parse_duration(const char *s, uint64_t *ns);

/* A decimal integer in [min, max], whole string; 0 or -EINVAL / -ERANGE. */
int parse_int(const char *s, long min, long max, long *out);

/* Writes a duration in the largest unit that keeps it >= 1, e.g. "2.05ms". */
void format_duration(double seconds, char *buf, size_t len);

#endif /* KPROF_PARSE_H */
