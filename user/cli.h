/* SPDX-License-Identifier: MIT */
/* Command-line flags of `kprof record` (and the flags later commands share). */
#ifndef KPROF_CLI_H
#define KPROF_CLI_H

#include <stdio.h>
#include "collector.h"
#include "config.h"

/* Exit codes: 2 for what the user typed, 1 for what the system refused. */
#define EXIT_USAGE  2
#define EXIT_SYSTEM 1

enum cli_result {
	CLI_OK = 0,
	CLI_HELP = 1,	/* --help was printed */
	CLI_ERROR = -1, /* err holds one sentence */
};

void config_defaults(struct kprof_config *cfg);

/*
 * Parses `kprof record` flags (argv[0] is "record"). Checks everything that
 * can be checked without privilege: durations, numbers, collector names, and
 * that each --pid exists.
 */
enum cli_result cli_parse_record(int argc, char **argv, struct kprof_config *cfg,
				 struct kprof_error *err);

/* Adds the names in a comma-separated list to cfg->collectors. */
int cli_add_collectors(struct kprof_config *cfg, const char *list, struct kprof_error *err);

void cli_record_usage(FILE *out);

/*
 * Collector options shared by `record` and `serve` (getopt_long entries and
 * their handler), so both commands accept the same collector flags.
 */
/* getopt_long values of long-only options, shared by every command. */
enum {
	OPT_COMM = 256,
	OPT_JSON,
	OPT_MIN_BLOCK, /* first collector option */
	OPT_TCP_BY,
	OPT_TCP_MAX_PORTS,
	OPT_TCP_RTT_INTERVAL,
	OPT_BY,
	OPT_CGROUP,
	OPT_CGROUP_MAX_SERIES,
	OPT_CGROUP_GRACE,	    /* last collector option */
	OPT_COMMAND_SPECIFIC = 512, /* a command's own long options start here */
};

#define KPROF_COLLECTOR_OPTIONS                                                                    \
	{"frequency", required_argument, NULL, 'F'},                                               \
		{"min-block", required_argument, NULL, OPT_MIN_BLOCK},                             \
		{"tcp-by", required_argument, NULL, OPT_TCP_BY},                                   \
		{"tcp-max-ports", required_argument, NULL, OPT_TCP_MAX_PORTS},                     \
		{"tcp-rtt-interval", required_argument, NULL, OPT_TCP_RTT_INTERVAL},               \
		{"by", required_argument, NULL, OPT_BY},                                           \
		{"cgroup", required_argument, NULL, OPT_CGROUP},                                   \
		{"cgroup.max-series", required_argument, NULL, OPT_CGROUP_MAX_SERIES},             \
	{                                                                                          \
		"cgroup.grace", required_argument, NULL, OPT_CGROUP_GRACE                          \
	}
/* Returns 0, or CLI_ERROR with err filled. */
int cli_collector_option(int opt, const char *arg, struct kprof_config *cfg,
			 struct kprof_error *err);
/* Whether getopt's return value is one of KPROF_COLLECTOR_OPTIONS. */
#define CLI_IS_COLLECTOR_OPTION(c) ((c) == 'F' || ((c) >= OPT_MIN_BLOCK && (c) <= OPT_CGROUP_GRACE))

#endif /* KPROF_CLI_H */
