// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "stack_output.h"
#include "stack_sink.h"

/* The profile as the maps hold it now, not yet symbolized. */
static struct stack_profile *read_profile(struct collector *c, double duration_s, int *ret)
{
	struct stack_profile *p = stack_profile_new(STACK_CPU, c->desc->name);
	struct timespec now;

	*ret = -ENOMEM;
	if (!p)
		return NULL;
	*ret = c->desc->collect_stacks(c->state, p);
	if (*ret) {
		stack_profile_free(p);
		return NULL;
	}
	p->duration_ns = (uint64_t)(duration_s * 1e9);
	clock_gettime(CLOCK_REALTIME, &now);
	p->start_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec - p->duration_ns;
	return p;
}

struct stack_profile *stack_output_profile(struct collector *c, struct symbolizer *s,
					   double duration_s, int *ret)
{
	struct stack_profile *p = read_profile(c, duration_s, ret);

	if (p)
		stack_profile_symbolize(p, s);
	return p;
}

static void title(const struct stack_profile *p, double duration_s, char *buf, size_t len)
{
	if (p->kind == STACK_OFFCPU)
		snprintf(buf, len, "Off-CPU time: %.3f s blocked in %.1f s (kprof)",
			 (double)stack_profile_total_weight(p) / 1e9, duration_s);
	else
		snprintf(buf, len, "On-CPU: %llu samples at %llu Hz in %.1f s (kprof)",
			 (unsigned long long)stack_profile_total_count(p),
			 p->period_ns ? 1000000000ULL / (unsigned long long)p->period_ns : 0ULL,
			 duration_s);
}

static int write_one(const struct stack_profile *p, const char *dir, const char *ext,
		     double duration_s, char *path, size_t len)
{
	char t[160];
	FILE *f;
	int ret;

	snprintf(path, len, "%s/%s.%s", dir, p->collector, ext);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (!strcmp(ext, "folded")) {
		ret = stack_write_folded(p, f);
	} else if (!strcmp(ext, "svg")) {
		title(p, duration_s, t, sizeof(t));
		ret = stack_write_svg(p, t, f);
	} else {
		ret = stack_write_pprof(p, f);
	}
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

int stack_output_write(struct session *s, const char *dir, double duration_s, FILE *log,
		       struct kprof_error *err)
{
	static const char *const exts[] = {"folded", "svg", "pb.gz"};
	struct stack_profile *profiles[KPROF_MAX_COLLECTORS];
	struct symbolizer *sym = NULL;
	char path[4096];
	int n = 0;
	int ret = 0;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		ret = -errno;
		snprintf(err->msg, sizeof(err->msg),
			 "could not create the output directory %.400s: %s", dir, strerror(errno));
		return ret;
	}
	/*
	 * Every collector's maps first (the programs are still attached and
	 * counting), symbolization after: it takes long, and the profiles should
	 * all end where the recording did.
	 */
	for (int i = 0; i < s->n && !ret; i++) {
		struct collector *c = &s->collectors[i];

		if (!c->desc->collect_stacks)
			continue;
		profiles[n] = read_profile(c, duration_s, &ret);
		if (!profiles[n])
			snprintf(err->msg, sizeof(err->msg),
				 "could not read the %s collector's stacks: %s", c->desc->name,
				 strerror(-ret));
		else
			n++;
	}
	if (!ret && n && !(sym = symbolizer_new(NULL))) {
		ret = -ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	}
	for (int i = 0; i < n && !ret; i++) {
		struct stack_profile *p = profiles[i];

		stack_profile_symbolize(p, sym);
		for (size_t e = 0; e < 3 && !ret; e++) {
			ret = write_one(p, dir, exts[e], duration_s, path, sizeof(path));
			if (ret)
				snprintf(err->msg, sizeof(err->msg), "could not write %.400s: %s",
					 path, strerror(-ret));
		}
		if (!ret && log)
			fprintf(log,
				"kprof: %s flame graph: %s/%s.svg (also %s.folded, %s.pb.gz); %llu "
				"%s, %llu lost\n",
				p->collector, dir, p->collector, p->collector, p->collector,
				(unsigned long long)stack_profile_total_count(p),
				p->kind == STACK_OFFCPU ? "blocks" : "samples",
				(unsigned long long)p->lost);
		if (!ret && log && p->below_count)
			fprintf(log,
				"kprof: %s: %llu block%s shorter than --min-block (%.3f s "
				"off CPU), counted without a stack\n",
				p->collector, (unsigned long long)p->below_count,
				p->below_count == 1 ? "" : "s", (double)p->below_ns / 1e9);
	}
	for (int i = 0; i < n; i++)
		stack_profile_free(profiles[i]);
	if (!ret && !n && log)
		fprintf(log, "kprof: no stack collector ran (cpu, offcpu): nothing written to %s\n",
			dir);
	symbolizer_free(sym);
	return ret;
}
