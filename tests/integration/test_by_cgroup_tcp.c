// SPDX-License-Identifier: MIT
/*
 * --by cgroup with the tcp collector: a server in cgroup a listens, a
 * client in cgroup b makes N loopback connects to it, a client in c makes
 * connects nobody accepts; each count lands exactly under the cgroup of the
 * socket's owner: the connect latencies and the client sides' lifetimes
 * under b, the accepted sides' lifetimes under a (the task that called
 * listen()), the refused connects under c; over --cgroup.max-series, under
 * "other"; with --cgroup.grace 2s, a removed cgroup's series go exactly
 * after the grace and its entries in both kernel hashes are deleted. The
 * collector is filtered (--cgroup) on the test's parent cgroup so that the
 * rest of the host does not take the series.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "cgroup.h"
#include "kprof_test.h"
#include "cgroup_test.h"

#define N   20
#define NCG 6

static char parent[64], cg[NCG][96];
static const char conn[] = "kprof_tcp_connect_latency_seconds";
static const char life[] = "kprof_tcp_connection_duration_seconds";

static int setup(void **state)
{
	(void)state;
	return make_test_cgroups("kprof-bycg-tcp", parent, sizeof(parent), cg, NCG);
}

static int teardown(void **state)
{
	(void)state;
	return remove_test_cgroups(parent, cg, NCG);
}

struct xfer {
	int lfd; /* bound, not yet listening */
	struct sockaddr_in addr;
};

/* A loopback socket bound to a free port, for the server or a refused port. */
static void bind_free_port(struct xfer *x)
{
	socklen_t len = sizeof(x->addr);

	memset(&x->addr, 0, sizeof(x->addr));
	x->addr.sin_family = AF_INET;
	x->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	x->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(x->lfd >= 0);
	assert_int_equal(bind(x->lfd, (struct sockaddr *)&x->addr, len), 0);
	assert_int_equal(getsockname(x->lfd, (struct sockaddr *)&x->addr, &len), 0);
}

/* listen() here, in the server's cgroup, then accept and close N connections. */
static void serve(void *arg)
{
	struct xfer *x = arg;
	char c;

	if (listen(x->lfd, 128))
		_exit(5);
	for (int i = 0; i < N; i++) {
		int fd = accept(x->lfd, NULL, NULL);

		if (fd < 0)
			_exit(6);
		/* The client closes first; then this side closes. */
		while (read(fd, &c, 1) > 0)
			;
		close(fd);
	}
}

static void connect_n(void *arg)
{
	struct xfer *x = arg;
	char c;

	for (int i = 0; i < N; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&x->addr, sizeof(x->addr)))
			_exit(8);
		shutdown(fd, SHUT_WR);
		while (read(fd, &c, 1) > 0)
			;
		close(fd);
	}
}

/* N connects to a port bound but not listening: each refused. */
static void connect_refused(void *arg)
{
	struct xfer *x = arg;

	for (int i = 0; i < N; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || !connect(fd, (struct sockaddr *)&x->addr, sizeof(x->addr)) ||
		    errno != ECONNREFUSED)
			_exit(10);
		close(fd);
	}
}

static __u64 hist_count(struct model *m, const char *name, const char *cgroup)
{
	const char *values[] = {cgroup, "", ""};
	struct series *s = find_series(m, name, values);

	return s ? s->hist->count : 0;
}

static double refused(struct model *m, const char *cgroup)
{
	const char *values[] = {"ECONNREFUSED", cgroup, "", ""};
	struct series *s = find_series(m, "kprof_tcp_connect_failures_total", values);

	return s ? s->value : 0;
}

/* Connection lifetimes over all cgroups. */
static __u64 lifetimes(struct model *m)
{
	return family_hist_count(m, life);
}

/* Server in cgroup srv_cg, client in cli_cg: N connections, start to end. */
static void run_pair(const char *srv_cg, const char *cli_cg)
{
	struct workload srv, cli;
	struct xfer x;

	bind_free_port(&x);
	workload_fork(&srv, serve, &x);
	workload_fork(&cli, connect_n, &x);
	close(x.lfd);
	move_to(&srv, srv_cg);
	move_to(&cli, cli_cg);
	workload_go(&srv);
	usleep(100000); /* the server listens */
	workload_go(&cli);
	workload_wait(&cli);
	workload_wait(&srv);
}

static void run_refused(const char *rel)
{
	struct workload w;
	struct xfer x;

	bind_free_port(&x); /* bound, never listening: connects are refused */
	workload_fork(&w, connect_refused, &x);
	move_to(&w, rel);
	workload_go(&w);
	workload_wait(&w);
	close(x.lfd);
}

static void test_each_owner_under_its_label(void **state)
{
	struct collector c;
	struct model *m;
	struct family *f;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("tcp"), parent, 100, 0);
	run_pair(cg[0], cg[1]);
	run_refused(cg[2]);
	m = collect_until(&c, life, 2 * N);
	collector_stop(&c);
	f = model_find(m, conn);
	assert_non_null(f);
	assert_int_equal(f->nlabels, 3);
	assert_string_equal(f->label_names[0], "cgroup");
	/* Active side: the client's cgroup; passive side: the listener's. */
	assert_int_equal(hist_count(m, conn, cg[1]), N);
	assert_int_equal(hist_count(m, conn, cg[0]), 0);
	assert_int_equal(hist_count(m, life, cg[1]), N);
	assert_int_equal(hist_count(m, life, cg[0]), N);
	assert_int_equal(lifetimes(m), 2 * N);
	assert_true(refused(m, cg[2]) == N);
	assert_true(refused(m, "other") == 0);
	assert_true(dropped_of(m, conn) == 0);
	model_free(m);
}

/* With a cap of 2, a and b (seen first) keep their series; d goes to "other". */
static void test_over_max_series_is_other(void **state)
{
	struct collector c;
	struct model *m;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("tcp"), parent, 2, 0);
	run_pair(cg[0], cg[1]);
	m = collect_until(&c, life, 2 * N);
	assert_int_equal(hist_count(m, conn, cg[1]), N);
	model_free(m);
	run_pair(cg[0], cg[3]);
	m = collect_until(&c, life, 4 * N);
	collector_stop(&c);
	assert_int_equal(hist_count(m, conn, cg[1]), N);
	assert_int_equal(hist_count(m, conn, cg[3]), 0);
	assert_int_equal(hist_count(m, conn, "other"), N);
	assert_true(dropped_of(m, conn) == N);
	/* The accepted sides are the listener's, in a: admitted. */
	assert_int_equal(hist_count(m, "kprof_tcp_connection_duration_seconds", cg[0]), 2 * N);
	model_free(m);
}

/* Series of cgroup label value in any tcp family. */
static size_t series_of_cgroup(struct model *m, const char *cgroup)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nfamilies; i++) {
		struct family *f = m->families[i];
		int at = -1;

		for (int j = 0; j < f->nlabels; j++)
			if (!strcmp(f->label_names[j], "cgroup"))
				at = j;
		for (size_t k = 0; at >= 0 && k < f->nseries; k++)
			n += !strcmp(f->series[k].labels[at], cgroup);
	}
	return n;
}

/*
 * --cgroup.grace 2s, as the syscall test does it: a client in e (N
 * connects to a server in f, then N refused ones: both hashes) removed
 * keeps its series (and its path label) during the grace, counted from the
 * last read its counts grew; its entries in both kernel hashes go at the
 * first read 1 s after (drained: the series then comes from userspace);
 * the first read 2 s after has no series of that cgroup. f, as idle but
 * still there, is kept.
 */
static void test_removed_cgroup_goes_after_grace(void **state)
{
	struct collector c;
	struct model *m;
	double t0, t1;
	uint64_t id;

	(void)state;
	REQUIRE_CGROUPS();
	start_by_cgroup(&c, collector_find("tcp"), parent, 100, TEST_GRACE_NS);
	id = cgroup_id_of(mount, cg[4]);
	run_pair(cg[5], cg[4]);
	model_free(collect_until(&c, life, 2 * N)); /* every lifetime in */
	/* Refused connects are counted before connect() returns: e's last growth is the next read.
	 */
	run_refused(cg[4]);
	t0 = now_s();
	m = collect_until(&c, life, 2 * N);
	t1 = now_s();
	assert_int_equal(hist_count(m, conn, cg[4]), N);
	assert_true(refused(m, cg[4]) == N);
	model_free(m);
	remove_cgroup(cg[4]);
	assert_true(kernel_entries_of(&c, "tcp_cg_stats", id) > 0);
	assert_true(kernel_entries_of(&c, "tcp_cg_failures", id) > 0);
	sleep_until(t0 + 0.5);
	m = collect_model(&c); /* gone: drained, the series from userspace */
	assert_int_equal(hist_count(m, conn, cg[4]), N);
	assert_int_equal(kernel_entries_of(&c, "tcp_cg_stats", id), 0);
	assert_int_equal(kernel_entries_of(&c, "tcp_cg_failures", id), 0);
	model_free(m);
	sleep_until(t0 + 1.9);
	m = collect_model(&c);
	assert_int_equal(hist_count(m, conn, cg[4]), N);
	assert_int_equal(hist_count(m, life, cg[4]), N);
	assert_true(refused(m, cg[4]) == N);
	assert_int_equal(series_of_cgroup(m, "gone"), 0);
	model_free(m);
	sleep_until(t1 + 2.05);
	m = collect_model(&c);
	assert_int_equal(series_of_cgroup(m, cg[4]), 0);
	assert_int_equal(series_of_cgroup(m, "gone"), 0);
	assert_int_equal(kernel_entries_of(&c, "tcp_cg_stats", id), 0);
	assert_int_equal(kernel_entries_of(&c, "tcp_cg_failures", id), 0);
	/* Nothing of e moved to "other" either: its counts went with it. */
	assert_int_equal(hist_count(m, conn, "other"), 0);
	assert_true(refused(m, "other") == 0);
	assert_int_equal(hist_count(m, life, cg[5]), N);
	model_free(m);
	collector_stop(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_owner_under_its_label),
		cmocka_unit_test(test_over_max_series_is_other),
		cmocka_unit_test(test_removed_cgroup_goes_after_grace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
