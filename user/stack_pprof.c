// SPDX-License-Identifier: MIT
/*
 * pprof output: profile.proto (github.com/google/pprof/proto/profile.proto)
 * written with the small protobuf writer, gzipped with zlib. Each distinct
 * profile location becomes a Location with one Line; functions are
 * deduplicated by (name, file), mappings by the symbolizer's mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "gzip.h"
#include "pb_writer.h"
#include "stack_sink.h"

/* profile.proto field numbers. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,
	LABEL_KEY = 1,
	LABEL_STR = 2,
	LABEL_NUM = 3,
	MAPPING_ID = 1,
	MAPPING_START = 2,
	MAPPING_LIMIT = 3,
	MAPPING_OFFSET = 4,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

/* Open-addressing map from a 64-bit key to an id (ids start at 1). */
struct idmap {
	uint64_t *keys;
	uint32_t *ids;
	size_t cap, n;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static int idmap_grow(struct idmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	uint32_t *ids = calloc(cap, sizeof(*ids));

	if (!keys || !ids) {
		free(keys);
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t h;

		if (!m->ids[i])
			continue;
		for (h = mix(m->keys[i]) & (cap - 1); ids[h]; h = (h + 1) & (cap - 1))
			;
		keys[h] = m->keys[i];
		ids[h] = m->ids[i];
	}
	free(m->keys);
	free(m->ids);
	m->keys = keys;
	m->ids = ids;
	m->cap = cap;
	return 0;
}

/* The id of key; a new one (n + 1) is assigned and *fresh set when absent. 0 on OOM. */
static uint32_t idmap_get(struct idmap *m, uint64_t key, bool *fresh)
{
	size_t h;

	*fresh = false;
	if ((m->n + 1) * 2 > m->cap && idmap_grow(m))
		return 0;
	for (h = mix(key) & (m->cap - 1); m->ids[h]; h = (h + 1) & (m->cap - 1))
		if (m->keys[h] == key)
			return m->ids[h];
	m->keys[h] = key;
	m->ids[h] = (uint32_t)++m->n;
	*fresh = true;
	return m->ids[h];
}

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->ids);
}

/* The string table: index 0 is "", strings are not copied. */
struct strtab {
	const char **v;
	size_t n, cap;
	struct idmap byhash;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Index of s; strings with equal hashes but different text get their own entry. */
static int64_t strtab_index(struct strtab *t, const char *s)
{
	bool fresh;
	uint64_t h = str_hash(s);
	uint32_t id;

	if (!*s)
		return 0;
	/* Probe by hash, then confirm the text; on a hash collision, perturb. */
	for (int tries = 0; tries < 64; tries++, h = mix(h + 1)) {
		id = idmap_get(&t->byhash, h, &fresh);
		if (!id)
			return -1;
		if (!fresh) {
			if (!strcmp(t->v[id], s))
				return id;
			continue;
		}
		if (id >= t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;
			const char **v;

			while (cap <= id)
				cap *= 2;
			v = realloc(t->v, cap * sizeof(*v));
			if (!v)
				return -1;
			t->v = v;
			t->cap = cap;
			t->v[0] = "";
		}
		t->v[id] = s;
		t->n = id + 1;
		return id;
	}
	return -1;
}

struct encoder {
	const struct stack_profile *p;
	struct pb_buf out, msg, sub;
	struct strtab strs;
	struct idmap mappings, functions;
	uint32_t kernel_mapping;
	bool oom;
	char note[96];
};

static int64_t S(struct encoder *e, const char *s)
{
	int64_t i = strtab_index(&e->strs, s ? s : "");

	if (i < 0) {
		e->oom = true;
		return 0;
	}
	return i;
}

static void value_type(struct encoder *e, uint32_t field, const char *type, const char *unit)
{
	pb_reset(&e->msg);
	pb_uint(&e->msg, VALUE_TYPE_TYPE, S(e, type));
	pb_uint(&e->msg, VALUE_TYPE_UNIT, S(e, unit));
	pb_message(&e->out, field, &e->msg);
}

static void mapping(struct encoder *e, uint32_t id, const struct sym_mapping *m, const char *path)
{
	pb_reset(&e->msg);
	pb_uint(&e->msg, MAPPING_ID, id);
	if (m) {
		pb_uint(&e->msg, MAPPING_START, m->start);
		pb_uint(&e->msg, MAPPING_LIMIT, m->limit);
		pb_uint(&e->msg, MAPPING_OFFSET, m->file_offset);
		if (m->build_id && *m->build_id)
			pb_uint(&e->msg, MAPPING_BUILD_ID, S(e, m->build_id));
	}
	pb_uint(&e->msg, MAPPING_FILENAME, S(e, m && m->path ? m->path : path));
	/* Symbols are in the profile already: pprof must not look them up again. */
	pb_uint(&e->msg, MAPPING_HAS_FUNCTIONS, 1);
	pb_message(&e->out, PROFILE_MAPPING, &e->msg);
}

static uint32_t mapping_id(struct encoder *e, const struct stack_location *l)
{
	bool fresh;
	uint32_t id;

	if (!l->frame.mapping) {
		if (l->kind != LOC_KERNEL)
			return 0;
		if (!e->kernel_mapping) {
			e->kernel_mapping = idmap_get(&e->mappings, 0, &fresh);
			if (e->kernel_mapping)
				mapping(e, e->kernel_mapping, NULL, "[kernel.kallsyms]");
		}
		return e->kernel_mapping;
	}
	id = idmap_get(&e->mappings, (uint64_t)(uintptr_t)l->frame.mapping, &fresh);
	if (fresh)
		mapping(e, id, l->frame.mapping, "");
	return id;
}

static uint32_t function_id(struct encoder *e, const struct stack_location *l)
{
	int64_t name = S(e, l->frame.function), file = S(e, l->frame.file);
	bool fresh;
	uint32_t id = idmap_get(&e->functions, (uint64_t)name << 32 | (uint64_t)file, &fresh);

	if (!id) {
		e->oom = true;
		return 0;
	}
	if (fresh) {
		pb_reset(&e->msg);
		pb_uint(&e->msg, FUNCTION_ID, id);
		pb_uint(&e->msg, FUNCTION_NAME, name);
		pb_uint(&e->msg, FUNCTION_SYSTEM_NAME, name);
		pb_uint(&e->msg, FUNCTION_FILENAME, file);
		pb_message(&e->out, PROFILE_FUNCTION, &e->msg);
	}
	return id;
}

static void location(struct encoder *e, size_t i)
{
	const struct stack_location *l = &e->p->locs[i];
	uint32_t map = mapping_id(e, l), fn = function_id(e, l);

	pb_reset(&e->sub);
	pb_uint(&e->sub, LINE_FUNCTION_ID, fn);
	pb_reset(&e->msg);
	pb_uint(&e->msg, LOCATION_ID, i + 1);
	if (map)
		pb_uint(&e->msg, LOCATION_MAPPING_ID, map);
	pb_uint(&e->msg, LOCATION_ADDRESS, l->addr);
	pb_message(&e->msg, LOCATION_LINE, &e->sub);
	pb_message(&e->out, PROFILE_LOCATION, &e->msg);
}

static void label(struct encoder *e, const char *key, const char *str, uint64_t num)
{
	pb_reset(&e->sub);
	pb_uint(&e->sub, LABEL_KEY, S(e, key));
	if (str)
		pb_uint(&e->sub, LABEL_STR, S(e, str));
	else
		pb_uint(&e->sub, LABEL_NUM, num);
	pb_message(&e->msg, SAMPLE_LABEL, &e->sub);
}

static int sample(struct encoder *e, const struct stack_sample *s)
{
	size_t n = (size_t)s->nkern + s->nuser;
	uint64_t *ids = malloc((n ? n : 1) * sizeof(*ids)), values[2];

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ids[i] = (uint64_t)s->locs[i] + 1;
	values[0] = s->count;
	values[1] = s->weight_ns;
	pb_reset(&e->msg);
	pb_packed(&e->msg, SAMPLE_LOCATION_ID, ids, n);
	pb_packed(&e->msg, SAMPLE_VALUE, values, 2);
	label(e, "comm", s->comm, 0);
	label(e, "pid", NULL, s->pid);
	pb_message(&e->out, PROFILE_SAMPLE, &e->msg);
	free(ids);
	return 0;
}

static int encode(struct encoder *e)
{
	const struct stack_profile *p = e->p;
	const char *type = p->kind == STACK_OFFCPU ? "offcpu" : "cpu";

	S(e, ""); /* string 0 */
	value_type(e, PROFILE_SAMPLE_TYPE, "samples", "count");
	value_type(e, PROFILE_SAMPLE_TYPE, type, "nanoseconds");
	for (size_t i = 0; i < p->nlocs; i++)
		location(e, i);
	for (size_t i = 0; i < p->nsamples; i++)
		if (sample(e, &p->samples[i]))
			return -ENOMEM;
	if (p->start_ns)
		pb_uint(&e->out, PROFILE_TIME_NANOS, p->start_ns);
	pb_uint(&e->out, PROFILE_DURATION_NANOS, p->duration_ns);
	value_type(e, PROFILE_PERIOD_TYPE, type, "nanoseconds");
	pb_uint(&e->out, PROFILE_PERIOD, p->kind == STACK_CPU ? p->period_ns : 1);
	pb_uint(&e->out, PROFILE_DEFAULT_SAMPLE_TYPE, S(e, type));
	if (p->lost) {
		snprintf(e->note, sizeof(e->note),
			 "kprof: %llu samples lost (see kprof_lost_events_total)",
			 (unsigned long long)p->lost);
		pb_uint(&e->out, PROFILE_COMMENT, S(e, e->note));
	}
	for (size_t i = 0; i < e->strs.n; i++)
		pb_string(&e->out, PROFILE_STRING_TABLE, e->strs.v[i]);
	return 0;
}

int stack_pprof_encode(const struct stack_profile *p, unsigned char **buf, size_t *len)
{
	struct encoder e = {.p = p};
	int ret;

	ret = encode(&e);
	if (!ret && (e.oom || e.out.oom || e.msg.oom || e.sub.oom))
		ret = -ENOMEM;
	if (!ret && e.out.len > UINT32_MAX)
		ret = -E2BIG;
	if (!ret)
		ret = gzip_compress_level(e.out.data, e.out.len, Z_DEFAULT_COMPRESSION,
					  (void **)buf, len);
	pb_free(&e.out);
	pb_free(&e.msg);
	pb_free(&e.sub);
	free(e.strs.v);
	idmap_free(&e.strs.byhash);
	idmap_free(&e.mappings);
	idmap_free(&e.functions);
	return ret;
}

int stack_write_pprof(const struct stack_profile *p, FILE *out)
{
	unsigned char *buf;
	size_t len;
	int ret = stack_pprof_encode(p, &buf, &len);

	if (ret)
		return ret;
	if (fwrite(buf, 1, len, out) != len)
		ret = -EIO;
	free(buf);
	return ret;
}
