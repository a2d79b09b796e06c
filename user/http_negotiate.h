/* SPDX-License-Identifier: MIT */
/* Content negotiation for /metrics: Accept and Accept-Encoding (RFC 9110). Pure. */
#ifndef KPROF_HTTP_NEGOTIATE_H
#define KPROF_HTTP_NEGOTIATE_H

#include <stdbool.h>
#include "sink_prometheus.h"

/*
 * OpenMetrics 1.0 when the Accept header ranks application/openmetrics-text
 * (version 1.0.0 or none) above the text format, else text 0.0.4 (also for a
 * missing or malformed header, as every scraper understands it).
 */
enum prom_format http_negotiate_format(const char *accept);

/* Whether Accept-Encoding allows gzip (gzip, x-gzip or * with q > 0). */
bool http_accepts_gzip(const char *accept_encoding);

#endif /* KPROF_HTTP_NEGOTIATE_H */
