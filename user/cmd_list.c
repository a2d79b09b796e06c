// SPDX-License-Identifier: MIT
/* `kprof list`: every collector, whether this kernel runs it, its memory. */
#include <stdio.h>
#include <string.h>
#include "bpf_util.h"
#include "cli.h"
#include "commands.h"

static void kib(size_t bytes, char *buf, size_t len)
{
	if (bytes >= 1 << 20)
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
	else
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
}

int cmd_list(int argc, char **argv)
{
	int ncpus;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: kprof list [-v]\n\nLists every collector, whether this kernel "
		       "supports it (and why not), and the kernel memory of its maps.\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-v") && strcmp(argv[1], "--verbose")) {
		fprintf(stderr, "kprof: unknown option '%s'; see `kprof list --help`\n", argv[1]);
		return EXIT_USAGE;
	}
	bpf_util_set_verbose(argc > 1);
	ncpus = kprof_ncpus();
	printf("%-10s %-11s %-12s %-12s %-14s %s\n", "COLLECTOR", "SUPPORTED", "PER-CPU", "SHARED",
	       "TOTAL@64CPUs", "MEASURES");
	for (int i = 0; kprof_collectors[i]; i++) {
		const struct collector_desc *d = kprof_collectors[i];
		struct collector_memory mem;
		struct kprof_error why = {{0}};
		char pc[16] = "?", sh[16] = "?", tot[16] = "?";
		int ret = collector_probe(d, &why);

		if (!collector_memory(d, &mem)) {
			kib(mem.per_cpu, pc, sizeof(pc));
			kib(mem.shared, sh, sizeof(sh));
			kib(mem.per_cpu * 64 + mem.shared, tot, sizeof(tot));
		}
		printf("%-10s %-11s %-12s %-12s %-14s %s\n", d->name,
		       ret == 0	   ? "yes"
		       : ret == -1 ? "unknown"
				   : "no",
		       pc, sh, tot, d->summary);
		if (ret)
			printf("%10s %s\n", "", why.msg);
		if (mem.per_task)
			printf("%10s plus %zu bytes of task storage per traced thread\n", "",
			       mem.per_task);
		if (mem.per_socket)
			printf("%10s plus %zu bytes of socket storage per traced socket\n", "",
			       mem.per_socket);
	}
	printf("\nThis host has %d possible CPUs.\n", ncpus);
	return 0;
}
