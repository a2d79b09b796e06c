// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "cgroup_filter.h"
#include "cgroup_series.h"
#include "cli.h"
#include "parse.h"
#include <linux/types.h>
#include "kprof/hist.h"
#include "kprof/tcp.h"

void config_defaults(struct kprof_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->duration_ns = 10ULL * 1000000000ULL;
	cfg->top = 10;
	cfg->tcp_by = TCP_BY_NONE;
	cfg->tcp_max_ports = 32;
	cfg->tcp_rtt_interval_ns = 10ULL * 1000000ULL;
	cfg->frequency_hz = KPROF_RECORD_FREQUENCY_HZ;
	cfg->min_block_ns = KPROF_MIN_BLOCK_NS;
	cfg->cgroup_max_series = 100;
	cfg->cgroup_grace_ns = CGROUP_SERIES_GRACE_DEFAULT_NS;
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
		"  -d, --duration DURATION  how long to record: 10s, 500ms, 2m, 1h30m (default "
		"10s)\n"
		"  -c, --collectors LIST    comma-separated collectors (default: every collector\n"
		"                           this kernel supports; see `kprof list`)\n"
		"  -p, --pid PID            only this process and its threads (repeatable, up to "
		"%d)\n"
		"      --comm NAME          only threads with this name (up to %d characters)\n"
		"  -n, --top N              series shown per table, biggest first (default 10)\n"
		"      --json               print one JSON document instead of tables\n"
		"  -o, --output DIR         write flame graphs of the cpu and offcpu collectors\n"
		"                           there: folded stacks, SVG and pprof (default: none)\n"
		"  -F, --frequency HZ       cpu collector: samples per second per CPU (default "
		"99)\n"
		"      --min-block DURATION offcpu collector: stacks of blocks at least this "
		"long;\n"
		"                           shorter ones are only counted (default 50us)\n"
		"      --tcp-by lport|rport tcp collector: break down by local or remote port\n"
		"      --tcp-max-ports N    distinct ports kept with --tcp-by; the rest are\n"
		"                           counted as port=\"other\" (1 to 256, default 32)\n"
		"      --tcp-rtt-interval DURATION\n"
		"                           tcp collector: at most one RTT sample per socket\n"
		"                           per interval (default 10ms)\n"
		"      --by cgroup          add the cgroup v2 path as a label\n"
		"      --cgroup PATH        only tasks in this cgroup v2 path or below\n"
		"                           (repeatable, up to %d)\n"
		"      --cgroup.max-series N  distinct cgroups kept per family with --by cgroup;\n"
		"                           the rest become cgroup=\"other\" (default 100)\n"
		"      --cgroup.grace DURATION  series of a removed cgroup are dropped once it\n"
		"                           made no event for this long (default 5m, at least 1s)\n"
		"      --capabilities.keep LIST\n"
		"                           capabilities kept once attached (default: none, or\n"
		"                           CAP_SYS_PTRACE,CAP_DAC_READ_SEARCH,CAP_SYSLOG with\n"
		"                           the cpu or offcpu collector); none or all also work\n"
		"  -v, --verbose            show libbpf's and the verifier's messages\n"
		"  -h, --help               this text\n",
		KPROF_MAX_PIDS, KPROF_COMM_LEN - 1, KPROF_MAX_CGROUPS);
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

/* "0", "0s", "0.0ms": parse_duration() refuses 0, which here means "no limit". */
static bool is_zero_duration(const char *s)
{
	size_t n = strspn(s, "0.");

	if (!n || s[0] == '.' || strspn(s, "0") == 0)
		return false;
	s += n;
	return !*s || !strcmp(s, "s") || !strcmp(s, "ms") || !strcmp(s, "us") || !strcmp(s, "ns");
}

/* Flags shared by `record` and `serve` that only set collector options. */
int cli_collector_option(int opt, const char *arg, struct kprof_config *cfg,
			 struct kprof_error *err)
{
	long n;

	switch (opt) {
	case 'F':
		if (parse_int(arg, 1, 10000, &n))
			return fail(err, "bad --frequency '%s': expected 1 to 10000 Hz", arg);
		cfg->frequency_hz = (int)n;
		return 0;
	case OPT_MIN_BLOCK:
		if (parse_duration(arg, &cfg->min_block_ns))
			return fail(err, "bad --min-block '%s': expected e.g. 1us, 100us or 1ms",
				    arg);
		return 0;
	case OPT_TCP_BY:
		if (!strcmp(arg, "lport"))
			cfg->tcp_by = TCP_BY_LPORT;
		else if (!strcmp(arg, "rport"))
			cfg->tcp_by = TCP_BY_RPORT;
		else
			return fail(err, "bad --tcp-by '%s': expected lport or rport", arg);
		return 0;
	case OPT_TCP_MAX_PORTS:
		if (parse_int(arg, 1, KPROF_TCP_MAX_PORTS, &n))
			return fail(err, "bad --tcp-max-ports '%s': expected 1 to 256", arg);
		cfg->tcp_max_ports = (int)n;
		return 0;
	case OPT_TCP_RTT_INTERVAL:
		if (is_zero_duration(arg))
			cfg->tcp_rtt_interval_ns = 0;
		else if (parse_duration(arg, &cfg->tcp_rtt_interval_ns))
			return fail(err, "bad --tcp-rtt-interval '%s': expected e.g. 10ms or 0s",
				    arg);
		return 0;
	case OPT_BY:
		if (strcmp(arg, "cgroup"))
			return fail(err, "bad --by '%s': the only breakdown is 'cgroup'", arg);
		cfg->by_cgroup = true;
		return 0;
	case OPT_CGROUP:
		if (arg[0] != '/' || strlen(arg) >= 4096)
			return fail(err,
				    "bad --cgroup '%s': expected a cgroup v2 path such as "
				    "/system.slice",
				    arg);
		if (cgroup_filter_check(arg, err))
			return CLI_ERROR;
		if (cfg->ncgroups >= KPROF_MAX_CGROUPS) {
			snprintf(err->msg, sizeof(err->msg), "at most %d --cgroup flags",
				 KPROF_MAX_CGROUPS);
			return CLI_ERROR;
		}
		cfg->cgroups[cfg->ncgroups++] = arg;
		return 0;
	case OPT_CGROUP_MAX_SERIES:
		if (parse_int(arg, 1, 100000, &n))
			return fail(err, "bad --cgroup.max-series '%s': expected 1 to 100000", arg);
		cfg->cgroup_max_series = (int)n;
		return 0;
	case OPT_CGROUP_GRACE:
		if (parse_duration(arg, &cfg->cgroup_grace_ns) ||
		    cfg->cgroup_grace_ns < CGROUP_SERIES_GRACE_MIN_NS)
			return fail(err,
				    "bad --cgroup.grace '%s': expected a duration of 1s or more, "
				    "e.g. 30s or 5m",
				    arg);
		return 0;
	}
	return fail(err, "internal error: unknown collector option for '%s'", arg);
}

/* record's own long option beyond the shared ones. */
#define OPT_CAPS_KEEP OPT_COMMAND_SPECIFIC

enum cli_result cli_parse_record(int argc, char **argv, struct kprof_config *cfg,
				 struct kprof_error *err)
{
	static const struct option opts[] = {
		{"duration", required_argument, NULL, 'd'},
		{"collectors", required_argument, NULL, 'c'},
		{"pid", required_argument, NULL, 'p'},
		{"comm", required_argument, NULL, OPT_COMM},
		{"top", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, OPT_JSON},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"output", required_argument, NULL, 'o'},
		{"capabilities.keep", required_argument, NULL, OPT_CAPS_KEEP},
		KPROF_COLLECTOR_OPTIONS,
		{0},
	};
	long n;
	int c;

	optind = 0; /* re-initialise getopt: callers may parse more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:c:p:n:o:F:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_duration(optarg, &cfg->duration_ns))
				return fail(
					err,
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
				return fail(err,
					    "bad --comm '%s': a thread name has 1 to 15 characters",
					    optarg);
			memset(cfg->comm, 0, sizeof(cfg->comm));
			memcpy(cfg->comm, optarg, strlen(optarg));
			cfg->has_comm = true;
			break;
		case 'n':
			if (parse_int(optarg, 1, 100000, &n))
				return fail(err,
					    "bad --top '%s': expected a number from 1 to 100000",
					    optarg);
			cfg->top = (int)n;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'o':
			if (!*optarg)
				return fail(err, "bad --output '%s': expected a directory", optarg);
			cfg->output_dir = optarg;
			break;
		case OPT_CAPS_KEEP:
			if (caps_parse_keep(optarg, &cfg->caps_keep, err))
				return CLI_ERROR;
			cfg->has_caps_keep = true;
			break;
		case 'F':
		case OPT_MIN_BLOCK ... OPT_CGROUP_GRACE:
			if (cli_collector_option(c, optarg, cfg, err))
				return CLI_ERROR;
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
