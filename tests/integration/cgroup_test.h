/* SPDX-License-Identifier: MIT */
/*
 * Cgroups for integration tests: made under the cgroup v2 mount (the test's
 * setup fills `mount`), workloads moved into them, removed at the end.
 * Include after kprof_test.h.
 */
#ifndef KPROF_CGROUP_TEST_H
#define KPROF_CGROUP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "cgroup.h"

/* The cgroup v2 mount; empty when cgroups cannot be made here. */
static char mount[CGROUP_PATH_MAX];

static inline int make_cgroup(const char *rel)
{
	char path[CGROUP_PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s%s", mount, rel);
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

/* Removes a cgroup; its last task may still be leaving it for a moment. */
static inline void remove_cgroup(const char *rel)
{
	char path[CGROUP_PATH_MAX + 128];
	struct timespec ts = {0, 10000000};

	snprintf(path, sizeof(path), "%s%s", mount, rel);
	for (int i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
		nanosleep(&ts, NULL);
}

static inline int cgroup_write_file(const char *rel, const char *file, const char *value)
{
	char path[CGROUP_PATH_MAX + 256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s%s/%s", mount, rel, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		ret = -errno;
	close(fd);
	return ret;
}

/* Moves a workload (before its go signal) into cgroup rel, or fails the test. */
static inline void move_to(const struct workload *w, const char *rel)
{
	char pid[24];
	int ret;

	snprintf(pid, sizeof(pid), "%d", (int)w->pid);
	ret = cgroup_write_file(rel, "cgroup.procs", pid);
	if (ret)
		fail_msg("cannot move pid %s into %s%s: %s", pid, mount, rel, strerror(-ret));
}

#define REQUIRE_CGROUPS()                                                                          \
	do {                                                                                       \
		REQUIRE_BPF();                                                                     \
		if (!mount[0]) {                                                                   \
			print_message("skipped: cannot create cgroups under the cgroup v2 "        \
				      "mount (none mounted, or not root)\n");                      \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

#endif /* KPROF_CGROUP_TEST_H */
