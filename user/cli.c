// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "parse.h"

void config_defaults(struct kprof_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->duration_ns = 10ULL * 1000000000ULL;
	cfg->top = 10;
}

void cli_record_usage(FILE *out)
{
	fprintf(out,
		"Usage: kprof record [options]\n"
		"\n"
		"Attaches the collectors, waits, then prints what they measured.\n"
		"Ctrl-C ends the recording early and still prints.\n"
		"\n"
		"Options:\n"
		"  -d, --duration DURATION  how long to record: 10s, 500ms, 2m, 1h30m (default 10s)\n"
		"  -c, --collectors LIST    comma-separated collectors (default: every collector\n"
		"                           this kernel supports; see `kprof list`)\n"
		"  -p, --pid PID            only this process and its threads (repeatable, up to %d)\n"
		"      --comm NAME          only threads with this name (up to %d characters)\n"
		"  -n, --top N              series shown per table, biggest first (default 10)\n"
		"      --json               print one JSON document instead of tables\n"
		"  -v, --verbose            show libbpf's and the verifier's messages\n"
		"  -h, --help               this text\n",
		KPROF_MAX_PIDS, KPROF_COMM_LEN - 1);
}

static int fail(struct kprof_error *err, const char *fmt, const char *arg)
{
	snprintf(err->msg, sizeof(err->msg), fmt, arg);
	return CLI_ERROR;
}

int cli_add_collectors(struct kprof_config *cfg, const char *list, struct kprof_error *err)
{
	char buf[256], *rest = buf, *tok;

	if (strlen(list) >= sizeof(buf) || !*list)
		return fail(err, "bad collector list '%s'; see `kprof list`", list);
	strcpy(buf, list);
	while ((tok = strsep(&rest, ","))) {
		const struct collector_desc *d = collector_find(tok);
		bool dup = false;

		if (!*tok)
			return fail(err, "empty collector name in '%s'", list);
		if (!d)
			return fail(err, "unknown collector '%s'; `kprof list` shows them", tok);
		for (int i = 0; i < cfg->ncollectors; i++)
			dup |= cfg->collectors[i] == d->name;
		if (dup)
			continue;
		if (cfg->ncollectors >= KPROF_MAX_COLLECTORS)
			return fail(err, "too many collectors in '%s'", list);
		cfg->collectors[cfg->ncollectors++] = d->name;
	}
	return 0;
}

static int add_pid(struct kprof_config *cfg, const char *arg, struct kprof_error *err)
{
	long pid;

	if (parse_int(arg, 1, 4194304, &pid))
		return fail(err, "bad --pid '%s': expected a process id", arg);
	if (kill((pid_t)pid, 0) && errno == ESRCH)
		return fail(err, "no process with pid %s", arg);
	if (cfg->npids >= KPROF_MAX_PIDS) {
		snprintf(err->msg, sizeof(err->msg), "at most %d --pid flags", KPROF_MAX_PIDS);
		return CLI_ERROR;
	}
	for (int i = 0; i < cfg->npids; i++)
		if (cfg->pids[i] == pid)
			return 0;
	cfg->pids[cfg->npids++] = (int)pid;
	return 0;
}

enum { OPT_COMM = 256, OPT_JSON };

enum cli_result cli_parse_record(int argc, char **argv, struct kprof_config *cfg,
				 struct kprof_error *err)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "collectors", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "top", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long n;
	int c;

	optind = 0; /* re-initialise getopt: callers may parse more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:c:p:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_duration(optarg, &cfg->duration_ns))
				return fail(err,
					    "bad --duration '%s': expected e.g. 10s, 500ms, 2m or 1h",
					    optarg);
			break;
		case 'c':
			if (cli_add_collectors(cfg, optarg, err))
				return CLI_ERROR;
			break;
		case 'p':
			if (add_pid(cfg, optarg, err))
				return CLI_ERROR;
			break;
		case OPT_COMM:
			if (!*optarg || strlen(optarg) >= KPROF_COMM_LEN)
				return fail(err, "bad --comm '%s': a thread name has 1 to 15 characters",
					    optarg);
			memset(cfg->comm, 0, sizeof(cfg->comm));
			memcpy(cfg->comm, optarg, strlen(optarg));
			cfg->has_comm = true;
			break;
		case 'n':
			if (parse_int(optarg, 1, 100000, &n))
				return fail(err, "bad --top '%s': expected a number from 1 to 100000",
					    optarg);
			cfg->top = (int)n;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			cli_record_usage(stdout);
			return CLI_HELP;
		case ':':
			return fail(err, "option %s needs a value", argv[optind - 1]);
		default:
			return fail(err, "unknown option '%s'; see `kprof record --help`",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, "unexpected argument '%s'; see `kprof record --help`",
			    argv[optind]);
	return CLI_OK;
}
