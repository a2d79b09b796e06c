/* SPDX-License-Identifier: MIT */
/* Command-line flags of `kprof record` (and the flags later commands share). */
#ifndef KPROF_CLI_H
#define KPROF_CLI_H

#include <stdio.h>
#include "collector.h"
#include "config.h"

/* Exit codes: 2 for what the user typed, 1 for what the system refused. */
#define EXIT_USAGE 2
#define EXIT_SYSTEM 1

enum cli_result {
	CLI_OK = 0,
	CLI_HELP = 1, /* --help was printed */
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

#endif /* KPROF_CLI_H */
