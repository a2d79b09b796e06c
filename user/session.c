// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include "load_memory.h"
#include "session.h"

static int start_one(struct session *s, const struct collector_desc *d,
		     const struct kprof_config *cfg, FILE *log, struct kprof_error *err)
{
	int ret = collector_start(&s->collectors[s->n], d, cfg, err);

	if (ret)
		return ret;
	s->n++;
	/* A note, not an error: --by cgroup stays usable with every collector on. */
	if (cfg->by_cgroup && !d->by_cgroup && log)
		fprintf(log,
			"kprof: the %s collector has no --by cgroup breakdown yet; its "
			"figures cover all cgroups\n",
			d->name);
	return 0;
}

static int start_all(struct session *s, const struct kprof_config *cfg, FILE *log,
		     struct kprof_error *err)
{
	struct kprof_error why;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < cfg->ncollectors; i++) {
		ret = start_one(s, collector_find(cfg->collectors[i]), cfg, log, err);
		if (ret)
			goto out_stop;
	}
	if (cfg->ncollectors)
		return 0;
	for (int i = 0; kprof_collectors[i] && s->n < KPROF_MAX_COLLECTORS; i++) {
		/* Stack collectors make flame graphs: by default only when there is a place for
		 * them. */
		if (kprof_collectors[i]->collect_stacks && !cfg->output_dir)
			continue;
		ret = start_one(s, kprof_collectors[i], cfg, log, &why);
		if (ret && log)
			fprintf(log, "kprof: skipping the %s collector: %s\n",
				kprof_collectors[i]->name, why.msg);
		if (ret)
			*err = why;
	}
	if (s->n)
		return 0;
	return ret ? ret : -ENOENT;
out_stop:
	session_stop(s);
	return ret;
}

int session_start(struct session *s, const struct kprof_config *cfg, FILE *log,
		  struct kprof_error *err)
{
	int ret;

	load_memory_begin();
	ret = start_all(s, cfg, log, err);
	load_memory_end();
	return ret;
}

int session_collect(struct session *s, struct model *m)
{
	for (int i = 0; i < s->n; i++) {
		int ret = collector_collect(&s->collectors[i], m);

		if (ret)
			return ret;
	}
	return 0;
}

void session_stop(struct session *s)
{
	for (int i = 0; i < s->n; i++)
		collector_stop(&s->collectors[i]);
	s->n = 0;
}

void session_names(const struct session *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < s->n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "",
				s->collectors[i].desc->name);
}
