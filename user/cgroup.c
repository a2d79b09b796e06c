// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

int cgroup2_mount_point(const char *mountinfo, char *buf, size_t len)
{
	FILE *f = fopen(mountinfo, "re");
	char line[4096];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char *fields[16], *save = NULL, *sep;
		int n = 0;

		/* "id parent maj:min root mountpoint opts [optional...] - fstype source" */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = 0;
		for (char *t = strtok_r(line, " ", &save); t && n < 16;
		     t = strtok_r(NULL, " ", &save))
			fields[n++] = t;
		if (n < 5)
			continue;
		unescape(fields[4]);
		if (strlen(fields[4]) >= len)
			continue;
		strcpy(buf, fields[4]);
		ret = 0;
	}
	fclose(f);
	return ret;
}

uint64_t cgroup_id_of(const char *mount, const char *path)
{
	char full[CGROUP_PATH_MAX * 2];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", mount, path);
	return stat(full, &st) || !S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_ino;
}

/* Open addressing, id -> path; sized for CGROUP_WALK_MAX entries. */
#define TABLE_SIZE (CGROUP_WALK_MAX * 2)

struct entry {
	uint64_t id;
	char *path;
};

struct cgroup_resolver {
	char mount[CGROUP_PATH_MAX];
	struct entry *table;
	size_t n;
	unsigned int min_rescan_ms;
	double last_scan;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct cgroup_resolver *cgroup_resolver_new(const char *mount)
{
	struct cgroup_resolver *r = calloc(1, sizeof(*r));

	if (!r || strlen(mount) >= sizeof(r->mount)) {
		free(r);
		return NULL;
	}
	r->table = calloc(TABLE_SIZE, sizeof(*r->table));
	if (!r->table) {
		free(r);
		return NULL;
	}
	strcpy(r->mount, mount);
	r->min_rescan_ms = 1000;
	r->last_scan = -1e18;
	return r;
}

static void clear(struct cgroup_resolver *r)
{
	/* Writes only used entries: untouched pages of the table stay unallocated. */
	for (size_t i = 0; i < TABLE_SIZE && r->n; i++) {
		if (!r->table[i].path)
			continue;
		free(r->table[i].path);
		r->table[i].path = NULL;
		r->table[i].id = 0;
		r->n--;
	}
	r->n = 0;
}

void cgroup_resolver_free(struct cgroup_resolver *r)
{
	if (!r)
		return;
	clear(r);
	free(r->table);
	free(r);
}

void cgroup_resolver_set_min_rescan_ms(struct cgroup_resolver *r, unsigned int ms)
{
	r->min_rescan_ms = ms;
}

static struct entry *slot(struct cgroup_resolver *r, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL) % TABLE_SIZE;

	while (r->table[i].path && r->table[i].id != id)
		i = (i + 1) % TABLE_SIZE;
	return &r->table[i];
}

static void insert(struct cgroup_resolver *r, uint64_t id, const char *path)
{
	struct entry *e;

	if (r->n >= CGROUP_WALK_MAX)
		return;
	e = slot(r, id);
	if (e->path)
		return;
	e->path = strdup(path);
	if (!e->path)
		return;
	e->id = id;
	r->n++;
}

/* Depth-first walk without recursion on the C stack: an explicit stack of paths. */
static void rescan(struct cgroup_resolver *r)
{
	char **stack = calloc(CGROUP_WALK_MAX, sizeof(*stack));
	size_t top = 0, seen = 0;

	clear(r);
	r->last_scan = now_ms();
	if (!stack)
		return;
	stack[top++] = strdup("");
	while (top && seen < CGROUP_WALK_MAX) {
		char *rel = stack[--top], full[CGROUP_PATH_MAX * 2];
		struct dirent *de;
		struct stat st;
		DIR *d;

		if (!rel)
			continue;
		snprintf(full, sizeof(full), "%s%s", r->mount, rel);
		d = opendir(full);
		if (d && !fstat(dirfd(d), &st)) {
			insert(r, st.st_ino, *rel ? rel : "/");
			seen++;
		}
		while (d && (de = readdir(d))) {
			char child[CGROUP_PATH_MAX];

			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(child, sizeof(child), "%s/%s", rel, de->d_name) >=
			    sizeof(child))
				continue;
			if (top < CGROUP_WALK_MAX)
				stack[top++] = strdup(child);
		}
		if (d)
			closedir(d);
		free(rel);
	}
	while (top)
		free(stack[--top]);
	free(stack);
}

void cgroup_resolver_rescan(struct cgroup_resolver *r)
{
	rescan(r);
}

bool cgroup_resolve(struct cgroup_resolver *r, uint64_t id, char *buf, size_t len)
{
	struct entry *e = slot(r, id);

	if (!e->path && now_ms() - r->last_scan >= r->min_rescan_ms) {
		rescan(r);
		e = slot(r, id);
	}
	if (!e->path || strlen(e->path) >= len)
		return false;
	strcpy(buf, e->path);
	return true;
}

static bool is_hex64(const char *s)
{
	return strspn(s, "0123456789abcdef") >= 64;
}

/* The 64-hex-digit id after prefix in a path component, if any. */
static bool container_in(const char *comp, char out[65])
{
	static const char *const prefixes[] = {"docker-",     "cri-containerd-", "crio-",
					       "containerd-", "libpod-",	 ""};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(comp, prefixes[i], n) || !is_hex64(comp + n))
			continue;
		/* The id is the whole rest, or followed by ".scope". */
		if (comp[n + 64] && strcmp(comp + n + 64, ".scope"))
			continue;
		memcpy(out, comp + n, 64);
		out[64] = 0;
		return true;
	}
	return false;
}

/* "pod<uid>" (cgroupfs driver) or "kubepods-<qos>-pod<uid_with_underscores>.slice". */
static bool pod_in(const char *comp, char out[65])
{
	for (const char *p = strstr(comp, "pod"); p; p = strstr(p + 1, "pod")) {
		const char *uid = p + 3;
		size_t n = strspn(uid, "0123456789abcdef-_");

		if ((p != comp && p[-1] != '-') || n != 36 || (uid[n] && strcmp(uid + n, ".slice")))
			continue;
		for (size_t i = 0; i < n; i++)
			out[i] = uid[i] == '_' ? '-' : uid[i];
		out[n] = 0;
		return true;
	}
	return false;
}

void cgroup_container_labels(const char *path, char container_id[65], char pod_uid[65])
{
	char comp[CGROUP_PATH_MAX];
	const char *s = path;

	container_id[0] = pod_uid[0] = 0;
	while (*s) {
		size_t n;

		s += strspn(s, "/");
		n = strcspn(s, "/");
		if (!n)
			break;
		if (n < sizeof(comp)) {
			memcpy(comp, s, n);
			comp[n] = 0;
			if (!container_id[0])
				container_in(comp, container_id);
			if (!pod_uid[0])
				pod_in(comp, pod_uid);
		}
		s += n;
	}
}
