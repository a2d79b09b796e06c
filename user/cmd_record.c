// SPDX-License-Identifier: MIT
/* `kprof record`: attach, wait, print. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "bpf_util.h"
#include "caps.h"
#include "cli.h"
#include "commands.h"
#include "parse.h"
#include "session.h"
#include "sink.h"
#include "stack_output.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the duration or for SIGINT/SIGTERM (blocked by the caller). */
static void wait_for_end(const sigset_t *stop, __u64 duration_ns)
{
	double end = now_s() + duration_ns / 1e9;

	for (;;) {
		double left = end - now_s();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (sigtimedwait(stop, NULL, &ts) >= 0)
			return;
		if (errno != EINTR && errno != EAGAIN)
			return;
	}
}

int cmd_record(int argc, char **argv)
{
	struct report_options ropt;
	struct kprof_config cfg;
	struct kprof_error err;
	struct session session;
	struct model *model;
	sigset_t stop;
	char names[256], dbuf[16];
	double t0;
	int ret;

	config_defaults(&cfg);
	switch (cli_parse_record(argc, argv, &cfg, &err)) {
	case CLI_HELP:
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "kprof: %s\n", err.msg);
		return EXIT_USAGE;
	case CLI_OK:
		break;
	}
	bpf_util_set_verbose(cfg.verbose);
	if (kprof_check_environment(&err)) {
		fprintf(stderr, "kprof: %s\n", err.msg);
		return EXIT_SYSTEM;
	}
	/* Blocked before attaching: a Ctrl-C during start-up still ends cleanly. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	ret = session_start(&session, &cfg, stderr, &err);
	if (ret) {
		fprintf(stderr, "kprof: %s\n", err.msg);
		return EXIT_SYSTEM;
	}
	/* Attached: what remains to do needs (almost) no privilege. */
	ret = caps_drop_except(cfg.has_caps_keep ? cfg.caps_keep : caps_default_keep(&session),
			       &err);
	if (ret) {
		session_stop(&session);
		fprintf(stderr, "kprof: %s\n", err.msg);
		return EXIT_SYSTEM;
	}
	session_names(&session, names, sizeof(names));
	format_duration(cfg.duration_ns / 1e9, dbuf, sizeof(dbuf));
	fprintf(stderr, "kprof: recording %s for %s (Ctrl-C to stop early)\n", names, dbuf);
	t0 = now_s();
	wait_for_end(&stop, cfg.duration_ns);

	model = model_new();
	if (!model) {
		session_stop(&session);
		fprintf(stderr, "kprof: out of memory\n");
		return EXIT_SYSTEM;
	}
	model->duration_s = now_s() - t0;
	ret = session_collect(&session, model);
	if (!ret && cfg.output_dir &&
	    stack_output_write(&session, cfg.output_dir, model->duration_s, stderr, &err)) {
		session_stop(&session);
		model_free(model);
		fprintf(stderr, "kprof: %s\n", err.msg);
		return EXIT_SYSTEM;
	}
	session_stop(&session);
	if (ret) {
		fprintf(stderr, "kprof: could not read the collectors' maps: %s\n", strerror(-ret));
		model_free(model);
		return EXIT_SYSTEM;
	}
	ropt.top = cfg.top;
	if (cfg.json) {
		ret = report_json(model, &ropt, stdout);
	} else {
		format_duration(model->duration_s, dbuf, sizeof(dbuf));
		printf("kprof %s: recorded %s for %s\n", KPROF_VERSION, names, dbuf);
		ret = report_text(model, &ropt, stdout);
	}
	model_free(model);
	return ret || fflush(stdout) ? EXIT_SYSTEM : 0;
}
