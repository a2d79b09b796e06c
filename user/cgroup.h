/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2 ids (as bpf_get_current_cgroup_id() returns them) to paths, and
 * the container and pod a path belongs to, derived locally from the path
 * patterns of docker, containerd and cri-o: no API server.
 */
#ifndef KPROF_CGROUP_H
#define KPROF_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A walk of the hierarchy stops after this many cgroups (bounded work). */
#define CGROUP_WALK_MAX 16384
#define CGROUP_PATH_MAX 512

/*
 * The mount point of the cgroup v2 hierarchy, from a mountinfo file
 * (/proc/self/mountinfo): /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones. 0 or -ENOENT.
 */
int cgroup2_mount_point(const char *mountinfo, char *buf, size_t len);

struct cgroup_resolver;

/* NULL on out of memory. mount is the cgroup v2 mount point. */
struct cgroup_resolver *cgroup_resolver_new(const char *mount);
void cgroup_resolver_free(struct cgroup_resolver *r);

/*
 * The path of cgroup id relative to the mount ("/" for the root,
 * "/system.slice/x.service"), written to buf; false when no such cgroup
 * exists (any more). A miss rescans the hierarchy, at most once per
 * min_rescan_ms, so a stream of unknown ids costs bounded work.
 */
bool cgroup_resolve(struct cgroup_resolver *r, uint64_t id, char *buf, size_t len);
void cgroup_resolver_set_min_rescan_ms(struct cgroup_resolver *r, unsigned int ms);
/* Rescans now, whatever the last scan's time (for a caller that limits its own rate). */
void cgroup_resolver_rescan(struct cgroup_resolver *r);

/* The cgroup id of a path under the mount (its inode number), or 0. */
uint64_t cgroup_id_of(const char *mount, const char *path);

/*
 * container_id (64 hex digits of docker, containerd or cri-o) and pod_uid
 * (a Kubernetes pod UID, dashes restored) of a cgroup path; "" when the path
 * has none. Both buffers need 65 bytes.
 */
void cgroup_container_labels(const char *path, char container_id[65], char pod_uid[65]);

#endif /* KPROF_CGROUP_H */
