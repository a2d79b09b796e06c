// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model_stack.h"

struct stack_profile *stack_profile_new(enum stack_kind kind, const char *collector)
{
	struct stack_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->kind = kind;
	strncpy(p->collector, collector, sizeof(p->collector) - 1);
	return p;
}

void stack_profile_free(struct stack_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsamples; i++)
		free(p->samples[i].locs);
	free(p->samples);
	free(p->locs);
	free(p->loc_index);
	free(p);
}

static uint64_t loc_hash(enum location_kind kind, uint32_t pid, uint64_t addr)
{
	uint64_t h = addr ^ ((uint64_t)pid << 32) ^ ((uint64_t)kind << 60);

	/* A 64-bit finaliser (splitmix64): addresses differ in few low bits. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* Index slots hold location index + 1; 0 is empty. Kept at most half full. */
static int index_grow(struct stack_profile *p)
{
	size_t cap = p->loc_index_cap ? p->loc_index_cap * 2 : 1024;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < p->nlocs; i++) {
		const struct stack_location *l = &p->locs[i];
		size_t h = loc_hash(l->kind, l->pid, l->addr) & (cap - 1);

		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)i + 1;
	}
	free(p->loc_index);
	p->loc_index = idx;
	p->loc_index_cap = cap;
	return 0;
}

static int intern(struct stack_profile *p, enum location_kind kind, uint32_t pid, uint64_t addr,
		  uint32_t *out)
{
	size_t h;

	if ((p->nlocs + 1) * 2 > p->loc_index_cap && index_grow(p))
		return -ENOMEM;
	h = loc_hash(kind, pid, addr) & (p->loc_index_cap - 1);
	while (p->loc_index[h]) {
		const struct stack_location *l = &p->locs[p->loc_index[h] - 1];

		if (l->kind == kind && l->pid == pid && l->addr == addr) {
			*out = p->loc_index[h] - 1;
			return 0;
		}
		h = (h + 1) & (p->loc_index_cap - 1);
	}
	if (p->nlocs == p->locs_cap) {
		size_t cap = p->locs_cap ? p->locs_cap * 2 : 256;
		struct stack_location *locs = realloc(p->locs, cap * sizeof(*locs));

		if (!locs)
			return -ENOMEM;
		p->locs = locs;
		p->locs_cap = cap;
	}
	memset(&p->locs[p->nlocs], 0, sizeof(p->locs[0]));
	p->locs[p->nlocs].kind = kind;
	p->locs[p->nlocs].pid = pid;
	p->locs[p->nlocs].addr = addr;
	p->locs[p->nlocs].frame.function = "[unknown]";
	p->locs[p->nlocs].frame.file = "";
	p->locs[p->nlocs].frame.addr = addr;
	p->loc_index[h] = (uint32_t)p->nlocs + 1;
	*out = (uint32_t)p->nlocs++;
	return 0;
}

static int add_frames(struct stack_profile *p, uint32_t *dst, enum location_kind kind,
		      enum location_kind lost, uint32_t pid, const uint64_t *ips, uint32_t n)
{
	if (!ips)
		return n ? intern(p, lost, 0, 0, dst) : 0;
	for (uint32_t i = 0; i < n; i++)
		if (intern(p, kind, kind == LOC_USER ? pid : 0, ips[i], &dst[i]))
			return -ENOMEM;
	return 0;
}

int stack_profile_add(struct stack_profile *p, uint32_t pid, const char *comm, const uint64_t *kern,
		      uint32_t nkern, const uint64_t *user, uint32_t nuser, uint64_t count,
		      uint64_t weight_ns)
{
	struct stack_sample *s;

	if (!kern && nkern > 1)
		nkern = 1;
	if (!user && nuser > 1)
		nuser = 1;
	if (p->nsamples == p->samples_cap) {
		size_t cap = p->samples_cap ? p->samples_cap * 2 : 64;
		struct stack_sample *samples = realloc(p->samples, cap * sizeof(*samples));

		if (!samples)
			return -ENOMEM;
		p->samples = samples;
		p->samples_cap = cap;
	}
	s = &p->samples[p->nsamples];
	memset(s, 0, sizeof(*s));
	s->locs = calloc((size_t)nkern + nuser + 1, sizeof(*s->locs));
	if (!s->locs)
		return -ENOMEM;
	if (add_frames(p, s->locs, LOC_KERNEL, LOC_LOST_KERNEL, pid, kern, nkern) ||
	    add_frames(p, s->locs + nkern, LOC_USER, LOC_LOST_USER, pid, user, nuser)) {
		free(s->locs);
		return -ENOMEM;
	}
	s->pid = pid;
	strncpy(s->comm, comm, sizeof(s->comm) - 1);
	s->nkern = nkern;
	s->nuser = nuser;
	s->count = count;
	s->weight_ns = weight_ns;
	p->nsamples++;
	return 0;
}

/*
 * A tracepoint with more than one probe attached calls them through
 * __traceiter_<name>: stacks walked from a tracepoint program (offcpu) have
 * that frame on top, or not, depending on what else is attached to the
 * tracepoint. Dropped, so the stacks do not.
 */
static void drop_traceiter_leaf(struct stack_profile *p, struct stack_sample *s)
{
	while (s->nkern > 1) {
		const struct stack_location *l = &p->locs[s->locs[0]];

		if (l->kind != LOC_KERNEL || strncmp(l->frame.function, "__traceiter_", 12))
			break;
		memmove(s->locs, s->locs + 1, (s->nkern + s->nuser - 1) * sizeof(*s->locs));
		s->nkern--;
	}
}

void stack_profile_symbolize(struct stack_profile *p, struct symbolizer *s)
{
	for (size_t i = 0; i < p->nlocs; i++) {
		struct stack_location *l = &p->locs[i];

		switch (l->kind) {
		case LOC_USER:
			if (s)
				symbolize_user(s, l->pid, l->addr, &l->frame);
			break;
		case LOC_KERNEL:
			if (s)
				symbolize_kernel(s, l->addr, &l->frame);
			break;
		case LOC_LOST_USER:
		case LOC_LOST_KERNEL:
			l->frame.function = "[lost stack]";
			break;
		}
		if (!l->frame.function || !*l->frame.function)
			l->frame.function = "[unknown]";
		if (!l->frame.file)
			l->frame.file = "";
	}
	for (size_t i = 0; i < p->nsamples; i++)
		drop_traceiter_leaf(p, &p->samples[i]);
}

uint64_t stack_profile_total_count(const struct stack_profile *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->nsamples; i++)
		n += p->samples[i].count;
	return n;
}

uint64_t stack_profile_total_weight(const struct stack_profile *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->nsamples; i++)
		n += p->samples[i].weight_ns;
	return n;
}

uint64_t stack_sample_raw(const struct stack_profile *p, const struct stack_sample *s)
{
	return p->kind == STACK_OFFCPU ? s->weight_ns : s->count;
}

uint64_t stack_value_out(const struct stack_profile *p, uint64_t raw)
{
	return p->kind == STACK_OFFCPU ? raw / 1000 : raw;
}

const char *stack_value_unit(const struct stack_profile *p)
{
	return p->kind == STACK_OFFCPU ? "us" : "samples";
}

const char *stack_frame_name(const struct stack_location *l, char *buf, size_t len)
{
	const char *fn = l->frame.function ? l->frame.function : "[unknown]";
	bool kernel = l->kind == LOC_KERNEL || l->kind == LOC_LOST_KERNEL;
	size_t n = 0;

	for (; *fn && n + 1 < len; fn++) {
		unsigned char c = (unsigned char)*fn;

		buf[n++] = c == ';' ? ':' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[n] = 0;
	if (kernel && n + 5 < len)
		memcpy(buf + n, "_[k]", 5);
	return buf;
}
