// SPDX-License-Identifier: MIT
/* `kprof serve`: attach, serve /metrics until SIGTERM or SIGINT, detach. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpf_util.h"
#include "caps.h"
#include "http_security.h"
#include "cli_serve.h"
#include "commands.h"
#include "log.h"
#include "serve.h"

/* In-flight scrapes get this long after SIGTERM; detaching takes the rest of 2 s. */
#define DRAIN_SECONDS 1.0
/* Request line and headers: 16 KiB, as Go's and nginx' defaults are close to it. */
#define MAX_REQUEST_BYTES (16 * 1024)

static void mhd_log(void *ctx, const char *msg)
{
	(void)ctx;
	klog(KLOG_DEBUG, "http", "detail", msg, NULL);
}

static void enable_bpf_stats(struct serve *s)
{
	char err[64];

	s->bpf_stats_fd = -1;
	if (!s->cfg->bpf_stats)
		return;
	/* BPF_ENABLE_STATS (5.8): stats run while this fd is open, no sysctl. */
	s->bpf_stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (s->bpf_stats_fd < 0) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		klog(KLOG_WARN, "cannot enable the kernel's BPF stats; no per-program metrics",
		     "error", err, NULL);
	}
}

/* Scrapes are over this long: time to give back what they freed. */
#define QUIET_SECONDS 1

/*
 * Waits for SIGINT or SIGTERM, blocked in every thread. Meanwhile, once a
 * second: memory that scrapes freed goes back to the kernel when they have
 * stopped for a second (steady RSS between Prometheus scrapes stays low,
 * and back-to-back scrapes keep their warm heap).
 */
static void wait_for_stop(struct serve *s, const sigset_t *stop)
{
	struct timespec tick = {.tv_sec = QUIET_SECONDS};
	unsigned long trimmed = 0;
	int sig;

	while ((sig = sigtimedwait(stop, NULL, &tick)) < 0)
		if (errno == EAGAIN &&
		    scrape_share_went_quiet(&s->scrapes, QUIET_SECONDS, &trimmed))
			malloc_trim(0);
	klog(KLOG_INFO, "shutting down", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
}

int cmd_serve(int argc, char **argv)
{
	struct http_server_options ho = {0};
	struct http_security *sec = NULL;
	struct serve_config cfg;
	struct kprof_error err;
	struct http_server *srv;
	struct serve s = {0};
	char port[16];
	sigset_t stop;

	serve_config_defaults(&cfg);
	switch (cli_parse_serve(argc, argv, &cfg, &err)) {
	case CLI_HELP:
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "kprof: %s\n", err.msg);
		return EXIT_USAGE;
	case CLI_OK:
		break;
	}
	klog_setup(cfg.log_level, cfg.log_format, STDERR_FILENO);
	/* --web.config.file: a bad file is the user's to fix, before anything starts. */
	if (cfg.web_config_file) {
		struct web_config *wc = web_config_load(cfg.web_config_file, &err);

		sec = wc ? http_security_new(wc, &err) : NULL;
		if (!sec) {
			klog(KLOG_ERROR, err.msg, NULL);
			return EXIT_USAGE;
		}
	}
	bpf_util_set_verbose(cfg.kcfg.verbose);
	if (kprof_check_environment(&err)) {
		klog(KLOG_ERROR, err.msg, NULL);
		http_security_free(sec);
		return EXIT_SYSTEM;
	}
	/*
	 * Blocked before any thread exists, so every libmicrohttpd thread
	 * inherits the mask and only sigwait() sees the signals.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * libmicrohttpd runs a thread per connection, and glibc gives new
	 * threads their own malloc arenas (up to 8 per core): each scrape's
	 * buffers then come from a small arena heap as fresh mmap()ed pages,
	 * faulted in and given back every time (100+ page faults a scrape),
	 * and 8 concurrent scrapers keep 8 arenas' worth of memory. One arena:
	 * scrapes reuse warm heap memory; the few threads hardly contend.
	 */
	mallopt(M_ARENA_MAX, 1);
	pthread_mutex_init(&s.collect_lock, NULL);
	scrape_share_init(&s.scrapes);
	if (!serve_start_collectors(&s, &cfg))
		klog(KLOG_ERROR,
		     "no collector is attached; serving kprof_collector_up 0 and "
		     "/healthz 503",
		     NULL);
	enable_bpf_stats(&s);

	ho.listen_address = cfg.listen_address;
	ho.max_connections = cfg.max_connections;
	ho.timeout_s = cfg.timeout_s;
	ho.max_request_bytes = MAX_REQUEST_BYTES;
	ho.handler = serve_handle;
	ho.log = mhd_log;
	ho.ctx = &s;
	ho.security = sec;
	srv = http_server_start(&ho, &err);
	/* Attached and listening (even on a port below 1024): drop what is not needed. */
	if (srv && caps_drop_except(cfg.kcfg.has_caps_keep ? cfg.kcfg.caps_keep
							   : caps_default_keep(&s.session),
				    &err)) {
		http_server_stop(srv, 0);
		srv = NULL;
	}
	if (!srv) {
		klog(KLOG_ERROR, err.msg, NULL);
		http_security_free(sec);
		serve_stop_collectors(&s);
		if (s.bpf_stats_fd >= 0)
			close(s.bpf_stats_fd);
		return EXIT_SYSTEM;
	}
	snprintf(port, sizeof(port), "%d", http_server_port(srv));
	klog(KLOG_INFO, "listening", "address", cfg.listen_address, "port", port, "telemetry_path",
	     cfg.telemetry_path, "version", KPROF_VERSION, NULL);

	wait_for_stop(&s, &stop);
	http_server_stop(srv, DRAIN_SECONDS);
	klog(KLOG_DEBUG, "http server stopped", NULL);
	serve_stop_collectors(&s);
	klog(KLOG_DEBUG, "collectors detached", NULL);
	if (s.bpf_stats_fd >= 0)
		close(s.bpf_stats_fd);
	pthread_mutex_destroy(&s.collect_lock);
	scrape_share_destroy(&s.scrapes);
	http_security_free(sec);
	klog(KLOG_INFO, "stopped", NULL);
	return 0;
}
