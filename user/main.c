// SPDX-License-Identifier: MIT
/* kprof: eBPF latency profiler. Dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "commands.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: kprof COMMAND [options]\n"
		     "\n"
		     "Where latency comes from on this host: run-queue waits, syscalls, TCP, CPU.\n"
		     "\n"
		     "Commands:\n"
		     "  record    attach the collectors for a while, then print histograms\n"
		     "  serve     keep the collectors attached and serve Prometheus metrics\n"
		     "  list      list the collectors and whether this kernel supports them\n"
		     "  version   print the version\n"
		     "\n"
		     "`kprof COMMAND --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fprintf(stderr, "kprof: missing command; see `kprof --help`\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("kprof %s\n", KPROF_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	fprintf(stderr, "kprof: unknown command '%s'; see `kprof --help`\n", cmd);
	return EXIT_USAGE;
}
