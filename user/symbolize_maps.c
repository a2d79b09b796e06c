// SPDX-License-Identifier: MIT
/*
 * /proc/PID/maps: "start-end perms offset major:minor inode [path]".
 * Only executable mappings are kept (stack addresses are code); junk
 * lines are skipped, the number of mappings is capped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize_internal.h"

static bool decnum(char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(**p - '0');
	}
	*out = v;
	return n > 0;
}

static bool expect(char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int add_path(struct maps *mp, const char *path, size_t len, uint32_t *off)
{
	if (mp->paths_len + len + 1 > mp->paths_cap) {
		size_t ncap = mp->paths_cap ? mp->paths_cap : 1024;
		char *np;

		while (ncap < mp->paths_len + len + 1)
			ncap *= 2;
		np = realloc(mp->paths, ncap);
		if (!np)
			return -ENOMEM;
		mp->paths = np;
		mp->paths_cap = ncap;
	}
	*off = (uint32_t)mp->paths_len;
	memcpy(mp->paths + mp->paths_len, path, len);
	mp->paths[mp->paths_len + len] = 0;
	mp->paths_len += len + 1;
	return 0;
}

/* 1 kept, 0 skipped, -ENOMEM. */
static int parse_line(struct maps *mp, char *p)
{
	struct map_entry e = {0};
	uint64_t maj, min;
	char perms[4];
	const char *path;
	size_t len;
	int err;

	if (!parse_hex_u64(&p, &e.start) || !expect(&p, '-') || !parse_hex_u64(&p, &e.end) ||
	    !expect(&p, ' ') || e.end <= e.start)
		return 0;
	for (int i = 0; i < 4; i++, p++) {
		if (!*p)
			return 0;
		perms[i] = *p;
	}
	if (!expect(&p, ' ') || !parse_hex_u64(&p, &e.offset) || !expect(&p, ' ') ||
	    !parse_hex_u64(&p, &maj) || !expect(&p, ':') || !parse_hex_u64(&p, &min) ||
	    !expect(&p, ' ') || !decnum(&p, &e.inode))
		return 0;
	if (perms[2] != 'x')
		return 0;
	e.dev = maj << 32 | (min & 0xffffffff);
	while (*p == ' ')
		p++;
	path = p;
	len = strlen(path);
	if (len == 0) {
		e.kind = MAPK_ANON;
	} else if (path[0] == '/') {
		e.kind = MAPK_FILE;
		if (len > 10 && !strcmp(path + len - 10, " (deleted)")) {
			len -= 10;
			e.deleted = true;
		}
	} else {
		/* [vdso], [vsyscall], [anon:name], memfd names... */
		e.kind = path[0] == '[' && !strncmp(path, "[anon:", 6) ? MAPK_ANON : MAPK_SPECIAL;
	}
	if (mp->n == mp->cap) {
		size_t ncap = mp->cap ? mp->cap * 2 : 64;
		struct map_entry *nm;

		if (ncap > SYM_MAX_MAPPINGS)
			ncap = SYM_MAX_MAPPINGS;
		nm = realloc(mp->m, ncap * sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		mp->m = nm;
		mp->cap = ncap;
	}
	if ((err = add_path(mp, path, len, &e.path)))
		return err;
	mp->m[mp->n++] = e;
	return 1;
}

static int cmp_map(const void *a, const void *b)
{
	const struct map_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int maps_parse(struct line_reader *lr, struct maps *out)
{
	char *line;
	size_t len;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (out->n < SYM_MAX_MAPPINGS && lr_next(lr, &line, &len)) {
		int r = parse_line(out, line);

		if (r < 0) {
			err = r;
			break;
		}
	}
	/* The kernel writes them sorted; a fake file may not. */
	if (out->n)
		qsort(out->m, out->n, sizeof(*out->m), cmp_map);
	return err;
}

const struct map_entry *maps_find(const struct maps *mp, uint64_t addr)
{
	size_t lo = 0, hi = mp->n;

	/* Overlaps only come from fake files; any covering entry will do. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mp->m[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	return addr < mp->m[lo - 1].end ? &mp->m[lo - 1] : NULL;
}

void maps_free(struct maps *mp)
{
	free(mp->m);
	free(mp->paths);
	memset(mp, 0, sizeof(*mp));
}
