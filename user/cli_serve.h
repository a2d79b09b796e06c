/* SPDX-License-Identifier: MIT */
/* Command-line flags of `kprof serve`, named as node_exporter names them. */
#ifndef KPROF_CLI_SERVE_H
#define KPROF_CLI_SERVE_H

#include <stdio.h>
#include "cli.h"
#include "log.h"
#include "sink_prometheus.h"

/*
 * Default port: outside 9100-9999, the exporter range of the Prometheus
 * default-port wiki, which is fully allocated (any number there is some
 * registered exporter's); see docs/serve.md.
 */
#define SERVE_DEFAULT_ADDRESS ":19434"

struct serve_config {
	struct kprof_config kcfg;
	const char *listen_address;
	const char *telemetry_path;
	unsigned int max_connections;
	unsigned int timeout_s;
	bool bpf_stats;
	struct prom_options prom;
	enum klog_level log_level;
	enum klog_format log_format;
	const char *web_config_file; /* --web.config.file (fleet: user/http_security.c) */
};

void serve_config_defaults(struct serve_config *c);
/* Parses `kprof serve` flags (argv[0] is "serve"). */
enum cli_result cli_parse_serve(int argc, char **argv, struct serve_config *c,
				struct kprof_error *err);
void cli_serve_usage(FILE *out);

#endif /* KPROF_CLI_SERVE_H */
