// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "cgroup_filter.h"

/* Set by cgroup_filter_prepare(), which runs inside a macro with no return value. */
static int pending_error;

/* Opens mount + path as a directory of the cgroup v2 filesystem; fd or -errno. */
static int open_cgroup(const char *mount, const char *path)
{
	char full[CGROUP_PATH_MAX + 4096];
	struct statfs fs;
	int fd;

	if (snprintf(full, sizeof(full), "%s%s", mount, path) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* "/../../etc" resolves outside the hierarchy: not a cgroup. */
	if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return -ENOTDIR;
	}
	return fd;
}

int cgroup_filter_check(const char *path, struct kprof_error *err)
{
	char mount[CGROUP_PATH_MAX];
	int fd;

	if (cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount))) {
		snprintf(err->msg, sizeof(err->msg),
			 "--cgroup needs the cgroup v2 hierarchy, and none is mounted here");
		return -ENOENT;
	}
	fd = open_cgroup(mount, path);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "no cgroup '%.200s' under the cgroup v2 mount %.200s (%.60s)", path, mount,
			 fd == -ENOTDIR ? "not a cgroup v2 directory" : strerror(-fd));
		return fd;
	}
	close(fd);
	return 0;
}

static int fill(int map_fd, const char *mount, const struct kprof_config *cfg, __u64 *ids)
{
	for (__u32 i = 0; i < (__u32)cfg->ncgroups; i++) {
		int fd = open_cgroup(mount, cfg->cgroups[i]);
		struct stat st;
		int ret = 0;

		if (fd < 0)
			return fd;
		/* On the cgroup v2 filesystem the inode number is the cgroup id. */
		if (fstat(fd, &st) || bpf_map_update_elem(map_fd, &i, &fd, BPF_ANY))
			ret = -errno;
		else
			ids[i] = st.st_ino;
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

__u32 cgroup_filter_prepare(struct bpf_object *obj, const struct kprof_config *cfg, __u64 *ids)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "filter_cgroups");
	char mount[CGROUP_PATH_MAX];
	int map_fd, ret;

	if (!cfg->ncgroups)
		return 0;
	if (!map) {
		pending_error = -ENOENT;
		return cfg->ncgroups;
	}
	ret = cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount));
	if (ret) {
		pending_error = ret;
		return cfg->ncgroups;
	}
	map_fd = bpf_map_create(BPF_MAP_TYPE_CGROUP_ARRAY, "filter_cgroups", sizeof(__u32),
				sizeof(__u32), KPROF_MAX_CGROUPS, NULL);
	if (map_fd < 0) {
		pending_error = -errno;
		return cfg->ncgroups;
	}
	ret = fill(map_fd, mount, cfg, ids);
	/* The object dups the fd; the map lives as long as the object. */
	if (!ret)
		ret = bpf_map__reuse_fd(map, map_fd);
	close(map_fd);
	if (ret)
		pending_error = ret;
	return cfg->ncgroups;
}

int cgroup_filter_take_error(void)
{
	int ret = pending_error;

	pending_error = 0;
	return ret;
}
