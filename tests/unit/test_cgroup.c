// SPDX-License-Identifier: MIT
/* cgroup mount discovery, id -> path resolution, container and pod labels. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cgroup.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void labels(const char *path, const char *want_cid, const char *want_pod)
{
	char cid[65], pod[65];

	cgroup_container_labels(path, cid, pod);
	if (strcmp(cid, want_cid) || strcmp(pod, want_pod))
		fail_msg("%s: container '%s' pod '%s'", path, cid, pod);
}

static void test_container_labels(void **state)
{
	(void)state;
	/* docker, systemd and cgroupfs drivers */
	labels("/system.slice/docker-" CID ".scope", CID, "");
	labels("/docker/" CID, CID, "");
	/* Kubernetes + containerd, systemd driver */
	labels("/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod1b2c3d4e_1111_2222_3333_444455556666.slice/"
	       "cri-containerd-" CID ".scope",
	       CID, "1b2c3d4e-1111-2222-3333-444455556666");
	/* Kubernetes + cri-o, systemd driver; guaranteed QoS has no qos slice */
	labels("/kubepods.slice/kubepods-pod1b2c3d4e_1111_2222_3333_444455556666.slice/crio-" CID
	       ".scope",
	       CID, "1b2c3d4e-1111-2222-3333-444455556666");
	/* Kubernetes, cgroupfs driver */
	labels("/kubepods/besteffort/pod1b2c3d4e-1111-2222-3333-444455556666/" CID, CID,
	       "1b2c3d4e-1111-2222-3333-444455556666");
	/* Pod slice without a container yet */
	labels("/kubepods.slice/kubepods-pod1b2c3d4e_1111_2222_3333_444455556666.slice", "",
	       "1b2c3d4e-1111-2222-3333-444455556666");
	/* Not containers */
	labels("/", "", "");
	labels("/system.slice/sshd.service", "", "");
	labels("/user.slice/user-1000.slice/session-3.scope", "", "");
	labels("/docker-" CID "x.scope", "", "");
	labels("/docker-0123.scope", "", "");
	labels("/podcast.slice", "", "");
	labels("/apod1b2c3d4e-1111-2222-3333-444455556666", "", "");
	labels("////", "", "");
}

static void test_mount_point(void **state)
{
	char path[] = "/tmp/kprof-mountinfo-XXXXXX", buf[256];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	      "41 31 0:38 / /sys/fs/cgroup/uni\\040fied rw,relatime shared:9 - cgroup2 cgroup2 "
	      "rw\n",
	      f);
	fclose(f);
	assert_int_equal(cgroup2_mount_point(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/uni fied");
	f = fopen(path, "w");
	fputs("garbage\n - cgroup2\n1 2 3\n", f);
	fclose(f);
	assert_int_equal(cgroup2_mount_point(path, buf, sizeof(buf)), -ENOENT);
	unlink(path);
	assert_true(cgroup2_mount_point("/nonexistent", buf, sizeof(buf)) < 0);
}

static void test_resolver_on_a_tree(void **state)
{
	char root[] = "/tmp/kprof-cgtree-XXXXXX", dir[256], buf[512];
	struct cgroup_resolver *r;
	uint64_t id;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/a", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/a/b", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	r = cgroup_resolver_new(root);
	assert_non_null(r);
	cgroup_resolver_set_min_rescan_ms(r, 0);
	id = cgroup_id_of(root, "/a/b");
	assert_true(id != 0);
	assert_true(cgroup_resolve(r, id, buf, sizeof(buf)));
	assert_string_equal(buf, "/a/b");
	assert_true(cgroup_resolve(r, cgroup_id_of(root, ""), buf, sizeof(buf)));
	assert_string_equal(buf, "/");
	/* Gone: a rescan no longer finds it. */
	assert_int_equal(rmdir(dir), 0);
	assert_true(cgroup_resolve(r, id, buf, sizeof(buf))); /* cached until a miss */
	assert_false(cgroup_resolve(r, 12345678901ULL, buf, sizeof(buf)));
	assert_false(cgroup_resolve(r, id, buf, sizeof(buf)));
	/* Rate-limited rescans: a new cgroup is not seen until the interval passes. */
	cgroup_resolver_set_min_rescan_ms(r, 60000);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_false(cgroup_resolve(r, cgroup_id_of(root, "/a/b"), buf, sizeof(buf)));
	cgroup_resolver_free(r);
	cgroup_resolver_free(NULL);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/a", root);
	rmdir(dir);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_labels),
		cmocka_unit_test(test_mount_point),
		cmocka_unit_test(test_resolver_on_a_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
