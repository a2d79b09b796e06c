// SPDX-License-Identifier: MIT
/*
 * Parsed ELF files, keyed by the file's identity (device, inode, size,
 * mtime), with build-id aliases so the same binary in many containers
 * (different overlay devices) is parsed once. An alias needs the same build
 * id and the same size: a stripped copy is a different file, and a forged
 * build id alone does not lend a container's symbols to the host's file. Bounded by file count and
 * bytes; the least recently used files go first.
 */
#include <stdlib.h>
#include <string.h>
#include "symbolize_internal.h"

#define NBUCKETS 4096

struct entry {
	struct entry *prev, *next; /* LRU: head is most recent */
	struct elf_syms *es;
	size_t bytes;
	uint64_t file_size;
};

struct knode {
	struct knode *next;
	struct file_key key;
	struct entry *e;
	bool alias;
};

struct file_cache {
	struct knode *b[NBUCKETS];
	struct entry *head, *tail;
	size_t files, bytes, max_files, max_bytes, aliases;
	uint64_t evictions;
};

static size_t bucket(const struct file_key *k)
{
	uint64_t h = k->dev * 0x9e3779b97f4a7c15ull ^ k->ino * 0xc2b2ae3d27d4eb4full ^ k->size ^
		     (uint64_t)k->mtime_ns;

	return (size_t)(h ^ h >> 29) % NBUCKETS;
}

struct file_cache *fcache_new(size_t max_files, size_t max_bytes)
{
	struct file_cache *fc = calloc(1, sizeof(*fc));

	if (!fc)
		return NULL;
	fc->max_files = max_files ? max_files : 1;
	fc->max_bytes = max_bytes;
	return fc;
}

static void lru_unlink(struct file_cache *fc, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		fc->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		fc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct file_cache *fc, struct entry *e)
{
	e->next = fc->head;
	e->prev = NULL;
	if (fc->head)
		fc->head->prev = e;
	fc->head = e;
	if (!fc->tail)
		fc->tail = e;
}

/* Removes key nodes: those of entry e, or (e NULL) all aliases. */
static void drop_keys(struct file_cache *fc, const struct entry *e)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct knode **pp = &fc->b[i];

		while (*pp) {
			struct knode *n = *pp;

			if (e ? n->e == e : n->alias) {
				*pp = n->next;
				fc->aliases -= n->alias;
				free(n);
			} else {
				pp = &n->next;
			}
		}
	}
}

static void evict(struct file_cache *fc, struct entry *e)
{
	lru_unlink(fc, e);
	drop_keys(fc, e);
	fc->files--;
	fc->bytes -= e->bytes;
	fc->evictions++;
	elf_syms_free(e->es);
	free(e->es);
	free(e);
}

static struct knode *find(struct file_cache *fc, const struct file_key *k)
{
	for (struct knode *n = fc->b[bucket(k)]; n; n = n->next)
		if (!memcmp(&n->key, k, sizeof(*k)))
			return n;
	return NULL;
}

static bool add_key(struct file_cache *fc, const struct file_key *k, struct entry *e, bool alias)
{
	struct knode *n;

	/* Aliases are cheap to rebuild (open + build id): drop them all
	 * rather than grow without bound. */
	if (alias && fc->aliases >= fc->max_files * 16)
		drop_keys(fc, NULL);
	n = calloc(1, sizeof(*n));
	if (!n)
		return false;
	n->key = *k;
	n->e = e;
	n->alias = alias;
	n->next = fc->b[bucket(k)];
	fc->b[bucket(k)] = n;
	fc->aliases += alias;
	return true;
}

struct elf_syms *fcache_get(struct file_cache *fc, const struct file_key *k)
{
	struct knode *n = find(fc, k);

	if (!n)
		return NULL;
	lru_unlink(fc, n->e);
	lru_push(fc, n->e);
	return n->e->es;
}

struct elf_syms *fcache_get_build_id(struct file_cache *fc, const char *build_id,
				     const struct file_key *k)
{
	if (!build_id[0])
		return NULL;
	for (struct entry *e = fc->head; e; e = e->next)
		if (e->file_size == k->size && !strcmp(e->es->build_id, build_id)) {
			if (!find(fc, k))
				add_key(fc, k, e, true);
			lru_unlink(fc, e);
			lru_push(fc, e);
			return e->es;
		}
	return NULL;
}

struct elf_syms *fcache_put(struct file_cache *fc, const struct file_key *k, struct elf_syms *es)
{
	struct entry *e = calloc(1, sizeof(*e));
	struct knode *old = find(fc, k);

	if (old)
		evict(fc, old->e);
	if (!e)
		goto out_free;
	e->es = es;
	e->file_size = k->size;
	e->bytes = elf_syms_bytes(es) + sizeof(*e) + sizeof(struct knode);
	while (fc->tail && (fc->files + 1 > fc->max_files || fc->bytes + e->bytes > fc->max_bytes))
		evict(fc, fc->tail);
	if (!add_key(fc, k, e, false)) {
		free(e);
		goto out_free;
	}
	lru_push(fc, e);
	fc->files++;
	fc->bytes += e->bytes;
	return es;
out_free:
	elf_syms_free(es);
	free(es);
	return NULL;
}

void fcache_stats(const struct file_cache *fc, size_t *files, size_t *bytes, uint64_t *evictions)
{
	*files = fc->files;
	*bytes = fc->bytes;
	*evictions = fc->evictions;
}

void fcache_free(struct file_cache *fc)
{
	if (!fc)
		return;
	while (fc->tail)
		evict(fc, fc->tail);
	drop_keys(fc, NULL);
	free(fc);
}
