// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "stack_output.h"
#include "stack_sink.h"

struct stack_profile *stack_output_profile(struct collector *c, struct symbolizer *s,
					   double duration_s, int *ret)
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
	stack_profile_symbolize(p, s);
	p->duration_ns = (uint64_t)(duration_s * 1e9);
	clock_gettime(CLOCK_REALTIME, &now);
	p->start_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec - p->duration_ns;
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
	struct symbolizer *sym = NULL;
	char path[4096];
	int ret = 0;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		ret = -errno;
		snprintf(err->msg, sizeof(err->msg),
			 "could not create the output directory %.400s: %s", dir, strerror(errno));
		return ret;
	}
	for (int i = 0; i < s->n; i++) {
		struct collector *c = &s->collectors[i];
		struct stack_profile *p;

		if (!c->desc->collect_stacks)
			continue;
		if (!sym && !(sym = symbolizer_new(NULL))) {
			ret = -ENOMEM;
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			break;
		}
		p = stack_output_profile(c, sym, duration_s, &ret);
		if (!p) {
			snprintf(err->msg, sizeof(err->msg),
				 "could not read the %s collector's stacks: %s", c->desc->name,
				 strerror(-ret));
			break;
		}
		for (size_t e = 0; e < 3 && !ret; e++) {
			ret = write_one(p, dir, exts[e], duration_s, path, sizeof(path));
			if (ret)
				snprintf(err->msg, sizeof(err->msg), "could not write %.400s: %s",
					 path, strerror(-ret));
		}
		if (!ret && log)
			fprintf(log,
				"kprof: %s flame graph: %s/%s.svg (also %s.folded, %s.pb.gz); %llu "
				"%s, "
				"%llu lost\n",
				c->desc->name, dir, c->desc->name, c->desc->name, c->desc->name,
				(unsigned long long)stack_profile_total_count(p),
				p->kind == STACK_OFFCPU ? "blocks" : "samples",
				(unsigned long long)p->lost);
		stack_profile_free(p);
		if (ret)
			break;
	}
	if (!ret && !sym && log)
		fprintf(log, "kprof: no stack collector ran (cpu, offcpu): nothing written to %s\n",
			dir);
	symbolizer_free(sym);
	return ret;
}
