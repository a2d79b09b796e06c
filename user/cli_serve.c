// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "cli_serve.h"
#include "http_server.h"
#include "parse.h"

enum {
	OPT_LISTEN = OPT_COMMAND_SPECIFIC,
	OPT_TELEMETRY_PATH,
	OPT_MAX_CONNECTIONS,
	OPT_TIMEOUT,
	OPT_BPF_STATS,
	OPT_NO_BPF_STATS,
	OPT_HIST_MIN,
	OPT_HIST_MAX,
	OPT_HIST_RESOLUTION,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_WEB_CONFIG,
	OPT_CAPS_KEEP,
};

void serve_config_defaults(struct serve_config *c)
{
	memset(c, 0, sizeof(*c));
	config_defaults(&c->kcfg);
	c->kcfg.frequency_hz = KPROF_SERVE_FREQUENCY_HZ;
	c->listen_address = SERVE_DEFAULT_ADDRESS;
	c->telemetry_path = "/metrics";
	c->max_connections = 64;
	c->timeout_s = 10;
	/* docs/serve.md: about 10 ns per program run, 7% of kprof's own cost. */
	c->bpf_stats = true;
	prom_options_default(&c->prom);
	c->log_level = KLOG_INFO;
	c->log_format = KLOG_LOGFMT;
}

void cli_serve_usage(FILE *out)
{
	fprintf(out,
		"Usage: kprof serve [options]\n"
		"\n"
		"Keeps the collectors attached and serves their histograms to Prometheus.\n"
		"SIGTERM or SIGINT stops it (in-flight scrapes finish; exit 0).\n"
		"\n"
		"Options:\n"
		"      --web.listen-address ADDR  HOST:PORT, :PORT or [IPv6]:PORT to listen on\n"
		"                           (default %s)\n"
		"      --web.telemetry-path PATH  path of the metrics (default /metrics)\n"
		"      --web.max-connections N    open connections at most; more are closed at\n"
		"                           once (default 64)\n"
		"      --web.timeout DURATION     close a connection idle this long (default 10s)\n"
		"  -c, --collectors LIST    comma-separated collectors (default: every collector;\n"
		"                           those this kernel cannot run report\n"
		"                           kprof_collector_up 0)\n"
		"      --bpf-stats, --no-bpf-stats  per-program run time and count from the\n"
		"                           kernel's BPF stats (default on; costs two clock\n"
		"                           reads per program run, see docs/serve.md)\n"
		"      --histogram.min DURATION   lowest histogram bound, rounded down to a power\n"
		"                           of two seconds (default 1us: 2^-20 s)\n"
		"      --histogram.max DURATION   highest bound below +Inf, rounded up (default\n"
		"                           256s: 2^8 s; at most 2048s)\n"
		"      --histogram.resolution N   bounds per power of two: 1, 2 or 4 (default 1)\n"
		"      --log.level LEVEL    debug, info, warn or error (default info)\n"
		"      --log.format FORMAT  logfmt or json (default logfmt)\n"
		"      --web.config.file FILE  TLS and basic auth, in the Prometheus\n"
		"                           exporter-toolkit format (docs/fleet.md)\n"
		"      --capabilities.keep LIST  capabilities kept once attached, as for\n"
		"                           `kprof record --help`\n"
		"  -F, --frequency HZ, --min-block DURATION, --tcp-by lport|rport,\n"
		"      --tcp-max-ports N, --tcp-rtt-interval DURATION, --by cgroup,\n"
		"      --cgroup PATH, --cgroup.max-series N, --cgroup.grace DURATION\n"
		"                           collector options, as for `kprof record --help`\n"
		"  -v, --verbose            show libbpf's and the verifier's messages\n"
		"  -h, --help               this text\n",
		SERVE_DEFAULT_ADDRESS);
}

static int fail(struct kprof_error *err, const char *fmt, const char *arg)
{
	snprintf(err->msg, sizeof(err->msg), fmt, arg);
	return CLI_ERROR;
}

static int check_path(const char *p, struct kprof_error *err)
{
	if (p[0] != '/' || !strcmp(p, "/") || !strcmp(p, "/healthz") || strlen(p) > 256 ||
	    strpbrk(p, "?# \t\r\n"))
		return fail(err,
			    "bad --web.telemetry-path '%s': expected a path such as /metrics "
			    "(not / or /healthz)",
			    p);
	return 0;
}

static int set_histogram(struct serve_config *c, uint64_t min_ns, uint64_t max_ns, long res,
			 struct kprof_error *err)
{
	struct kprof_error why;

	if (prom_options_set(&c->prom, min_ns / 1e9, max_ns / 1e9, (int)res, &why))
		return fail(err, "%s", why.msg);
	return 0;
}

enum cli_result cli_parse_serve(int argc, char **argv, struct serve_config *c,
				struct kprof_error *err)
{
	static const struct option opts[] = {
		{"web.listen-address", required_argument, NULL, OPT_LISTEN},
		{"web.telemetry-path", required_argument, NULL, OPT_TELEMETRY_PATH},
		{"web.max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
		{"web.timeout", required_argument, NULL, OPT_TIMEOUT},
		{"collectors", required_argument, NULL, 'c'},
		{"bpf-stats", no_argument, NULL, OPT_BPF_STATS},
		{"no-bpf-stats", no_argument, NULL, OPT_NO_BPF_STATS},
		{"histogram.min", required_argument, NULL, OPT_HIST_MIN},
		{"histogram.max", required_argument, NULL, OPT_HIST_MAX},
		{"histogram.resolution", required_argument, NULL, OPT_HIST_RESOLUTION},
		{"log.level", required_argument, NULL, OPT_LOG_LEVEL},
		{"log.format", required_argument, NULL, OPT_LOG_FORMAT},
		{"web.config.file", required_argument, NULL, OPT_WEB_CONFIG},
		{"capabilities.keep", required_argument, NULL, OPT_CAPS_KEEP},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		KPROF_COLLECTOR_OPTIONS,
		{0},
	};
	uint64_t hmin = 1000, hmax = 256000000000ULL, ns;
	long n, res = 1;
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:F:vh", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN: {
			char host[256], port[16];

			if (http_parse_listen_address(optarg, host, sizeof(host), port,
						      sizeof(port), err))
				return CLI_ERROR;
			c->listen_address = optarg;
			break;
		}
		case OPT_TELEMETRY_PATH:
			if (check_path(optarg, err))
				return CLI_ERROR;
			c->telemetry_path = optarg;
			break;
		case OPT_MAX_CONNECTIONS:
			if (parse_int(optarg, 1, 10000, &n))
				return fail(err,
					    "bad --web.max-connections '%s': expected 1 to 10000",
					    optarg);
			c->max_connections = (unsigned int)n;
			break;
		case OPT_TIMEOUT:
			if (parse_duration(optarg, &ns) || ns < 1000000000ULL ||
			    ns > 3600000000000ULL)
				return fail(err, "bad --web.timeout '%s': expected 1s to 1h",
					    optarg);
			c->timeout_s = (unsigned int)(ns / 1000000000ULL);
			break;
		case 'c':
			if (cli_add_collectors(&c->kcfg, optarg, err))
				return CLI_ERROR;
			break;
		case OPT_BPF_STATS:
		case OPT_NO_BPF_STATS:
			c->bpf_stats = opt == OPT_BPF_STATS;
			break;
		case OPT_HIST_MIN:
		case OPT_HIST_MAX:
			if (parse_duration(optarg, &ns))
				return fail(err,
					    "bad histogram bound '%s': expected e.g. 1us or 10s",
					    optarg);
			*(opt == OPT_HIST_MIN ? &hmin : &hmax) = ns;
			break;
		case OPT_HIST_RESOLUTION:
			if (parse_int(optarg, 1, 4, &res) || res == 3)
				return fail(err,
					    "bad --histogram.resolution '%s': expected 1, 2 or 4",
					    optarg);
			break;
		case OPT_LOG_LEVEL:
			if (klog_parse_level(optarg, &c->log_level))
				return fail(
					err,
					"bad --log.level '%s': expected debug, info, warn or error",
					optarg);
			break;
		case OPT_LOG_FORMAT:
			if (klog_parse_format(optarg, &c->log_format))
				return fail(err, "bad --log.format '%s': expected logfmt or json",
					    optarg);
			break;
		case OPT_WEB_CONFIG:
			if (!*optarg)
				return fail(err, "bad --web.config.file '%s': expected a file",
					    optarg);
			c->web_config_file = optarg;
			break;
		case OPT_CAPS_KEEP:
			if (caps_parse_keep(optarg, &c->kcfg.caps_keep, err))
				return CLI_ERROR;
			c->kcfg.has_caps_keep = true;
			break;
		case 'v':
			c->kcfg.verbose = true;
			break;
		case 'F':
		case OPT_MIN_BLOCK ... OPT_CGROUP_GRACE:
			if (cli_collector_option(opt, optarg, &c->kcfg, err))
				return CLI_ERROR;
			break;
		case 'h':
			cli_serve_usage(stdout);
			return CLI_HELP;
		case ':':
			return fail(err, "option %s needs a value", argv[optind - 1]);
		default:
			return fail(err, "unknown option '%s'; see `kprof serve --help`",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, "unexpected argument '%s'; see `kprof serve --help`",
			    argv[optind]);
	if (set_histogram(c, hmin, hmax, res, err))
		return CLI_ERROR;
	return CLI_OK;
}
