// SPDX-License-Identifier: MIT
/* The tcp collector in the running kernel, on loopback workloads of known counts. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include "kprof_test.h"

#define N 20

struct xfer {
	int family;
	int lfd; /* bound, not yet listening: the server's socket */
	int port;
	int n;
	long bytes;
};

static socklen_t addr_of(const struct xfer *x, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (x->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(x->port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(x->port);
	a6->sin6_addr = in6addr_loopback;
	return sizeof(*a6);
}

/* A loopback socket bound to a free port; x->port says which. */
static void bind_free_port(struct xfer *x, int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	x->family = family;
	x->port = 0;
	x->lfd = socket(family, SOCK_STREAM, 0);
	assert_true(x->lfd >= 0);
	setsockopt(x->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = addr_of(x, &ss);
	assert_int_equal(bind(x->lfd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(getsockname(x->lfd, (struct sockaddr *)&ss, &len), 0);
	x->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						: ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* listen() here, in the server process, then serve x->n connections. */
static void serve(void *arg)
{
	struct xfer *x = arg;

	if (listen(x->lfd, 128))
		_exit(5);
	for (int i = 0; i < x->n; i++) {
		int fd = accept(x->lfd, NULL, NULL);

		if (fd < 0)
			_exit(6);
		drain(fd);
		if (write(fd, "k", 1) != 1)
			_exit(7);
		close(fd);
	}
}

/* x->n connections, each sending x->bytes and reading the answer. */
static void connect_n(void *arg)
{
	static char buf[16384];
	struct xfer *x = arg;
	struct sockaddr_storage ss;
	socklen_t len = addr_of(x, &ss);

	for (int i = 0; i < x->n; i++) {
		int fd = socket(x->family, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
			_exit(8);
		for (long left = x->bytes; left > 0;) {
			ssize_t w =
				write(fd, buf, left < (long)sizeof(buf) ? left : (long)sizeof(buf));

			if (w <= 0)
				_exit(9);
			left -= w;
		}
		shutdown(fd, SHUT_WR);
		drain(fd);
		close(fd);
	}
}

/* x->n connects to a port nobody listens on: each must be refused. */
static void connect_refused(void *arg)
{
	struct xfer *x = arg;
	struct sockaddr_storage ss;
	socklen_t len = addr_of(x, &ss);

	for (int i = 0; i < x->n; i++) {
		int fd = socket(x->family, SOCK_STREAM, 0);

		if (fd < 0 || !connect(fd, (struct sockaddr *)&ss, len) || errno != ECONNREFUSED)
			_exit(10);
		close(fd);
	}
}

static const char *const no_labels[] = {NULL};

static __u64 hist_count(struct model *m, const char *name)
{
	struct series *s = find_series(m, name, no_labels);

	return s ? s->hist->count : 0;
}

static double counter(struct model *m, const char *name, const char *const *labels)
{
	struct series *s = find_series(m, name, labels);

	return s ? s->value : 0;
}

enum who { CLIENT, SERVER, NOBODY };

/*
 * Server and client processes on loopback; the collector filtered to one of
 * them (--pid), started before either listens or connects.
 */
static struct model *run_pair(int family, enum who filter, __u64 rtt_interval_ns, long bytes,
			      __u64 want_lifetimes)
{
	struct kprof_config cfg;
	struct kprof_error err;
	struct workload srv, cli;
	struct collector c;
	struct xfer x;
	struct model *m;

	bind_free_port(&x, family);
	x.n = N;
	x.bytes = bytes;
	workload_fork(&srv, serve, &x);
	workload_fork(&cli, connect_n, &x);
	close(x.lfd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.tcp_rtt_interval_ns = rtt_interval_ns;
	if (filter != NOBODY) {
		cfg.pids[0] = filter == CLIENT ? cli.pid : srv.pid;
		cfg.npids = 1;
	}
	if (collector_start(&c, collector_find("tcp"), &cfg, &err)) {
		workload_kill(&srv);
		workload_kill(&cli);
		fail_msg("%s", err.msg);
	}
	workload_go(&srv);
	usleep(100000); /* the server listens */
	workload_go(&cli);
	workload_wait(&cli);
	workload_wait(&srv);
	m = collect_until(&c, "kprof_tcp_connection_duration_seconds", want_lifetimes);
	collector_stop(&c);
	return m;
}

static void check_client_side(int family)
{
	static const char *const recv[] = {"received"}, *const sent[] = {"sent"};
	struct series *conn, *life;
	struct family *fails;
	struct model *m;

	m = run_pair(family, CLIENT, 10000000, 1000, N);
	conn = find_series(m, "kprof_tcp_connect_latency_seconds", no_labels);
	life = find_series(m, "kprof_tcp_connection_duration_seconds", no_labels);
	assert_non_null(conn);
	assert_non_null(life);
	print_message("%s: %llu connects p50 %.1f us max %.1f us, %llu lifetimes p50 %.1f us\n",
		      family == AF_INET ? "IPv4" : "IPv6", (unsigned long long)conn->hist->count,
		      hist_quantile(conn->hist, 0.5) * 1e6, conn->hist->max_ns / 1e3,
		      (unsigned long long)life->hist->count, hist_quantile(life->hist, 0.5) * 1e6);
	assert_int_equal(conn->hist->count, N);
	assert_int_equal(hist_total(conn->hist), N);
	assert_int_equal(life->hist->count, N);
	/* A loopback handshake is well under a second even on a loaded host. */
	assert_true(conn->hist->max_ns < 1000000000ULL);
	fails = model_find(m, "kprof_tcp_connect_failures_total");
	assert_true(fails && fails->nseries == 0);
	assert_true(counter(m, "kprof_tcp_resets_total", recv) == 0);
	assert_true(counter(m, "kprof_tcp_resets_total", sent) == 0);
	/* Retransmits: tcp_retransmits.sh (a loaded host may send a loss probe here). */
	assert_non_null(find_series(m, "kprof_tcp_retransmits_total", no_labels));
	model_free(m);
}

static void test_ipv4_connects_exact(void **state)
{
	(void)state;
	REQUIRE_BPF();
	check_client_side(AF_INET);
}

static void test_ipv6_connects_exact(void **state)
{
	(void)state;
	REQUIRE_BPF();
	check_client_side(AF_INET6);
}

/* Accepted sockets belong to the process that called listen(). */
static void test_passive_side_belongs_to_listener(void **state)
{
	struct model *m;

	(void)state;
	REQUIRE_BPF();
	m = run_pair(AF_INET, SERVER, 10000000, 1000, N);
	assert_int_equal(hist_count(m, "kprof_tcp_connect_latency_seconds"), 0);
	assert_int_equal(hist_count(m, "kprof_tcp_connection_duration_seconds"), N);
	assert_true(hist_count(m, "kprof_tcp_rtt_seconds") > 0);
	model_free(m);
}

static void test_rtt_rate_limited_per_socket(void **state)
{
	struct series *rtt;
	struct model *m;

	(void)state;
	REQUIRE_BPF();
	/* An interval longer than the test: exactly the first sample of each socket. */
	m = run_pair(AF_INET, CLIENT, 3600ULL * 1000000000ULL, 200000, N);
	rtt = find_series(m, "kprof_tcp_rtt_seconds", no_labels);
	assert_non_null(rtt);
	assert_int_equal(rtt->hist->count, N);
	model_free(m);
	/*
	 * No limit: a sample per segment received, on the server, which
	 * receives 1 MB per connection in 64 KiB loopback segments or smaller.
	 */
	m = run_pair(AF_INET, SERVER, 0, 1000000, N);
	rtt = find_series(m, "kprof_tcp_rtt_seconds", no_labels);
	assert_non_null(rtt);
	print_message("rtt: %llu samples, p50 %.1f us, p90 %.1f us, max %.1f us\n",
		      (unsigned long long)rtt->hist->count, hist_quantile(rtt->hist, 0.5) * 1e6,
		      hist_quantile(rtt->hist, 0.9) * 1e6, rtt->hist->max_ns / 1e3);
	assert_true(rtt->hist->count > 4 * N);
	/* Loopback: well below 1 ms; the max allows for a loaded 2-CPU host. */
	assert_true(hist_quantile(rtt->hist, 0.9) < 1e-3);
	assert_true(rtt->hist->max_ns < 50000000);
	model_free(m);
}

static void test_refused_connects(void **state)
{
	static const char *const refused[] = {"ECONNREFUSED"};
	static const char *const recv[] = {"received"}, *const sent[] = {"sent"};
	struct kprof_config cfg;
	struct kprof_error err;
	struct workload w;
	struct collector c;
	struct xfer x;
	struct model *m;

	(void)state;
	REQUIRE_BPF();
	for (int filtered = 1; filtered >= 0; filtered--) {
		/* Bound but not listening: the port stays ours and closed. */
		bind_free_port(&x, AF_INET);
		x.n = N;
		workload_fork(&w, connect_refused, &x);
		memset(&cfg, 0, sizeof(cfg));
		cfg.pids[0] = w.pid;
		cfg.npids = filtered;
		if (collector_start(&c, collector_find("tcp"), &cfg, &err)) {
			workload_kill(&w);
			fail_msg("%s", err.msg);
		}
		workload_go(&w);
		workload_wait(&w);
		m = model_new();
		assert_non_null(m);
		assert_int_equal(collector_collect(&c, m), 0);
		collector_stop(&c);
		close(x.lfd);
		print_message("refused (%s): failures %.0f, resets received %.0f, sent %.0f\n",
			      filtered ? "--pid" : "no filter",
			      counter(m, "kprof_tcp_connect_failures_total", refused),
			      counter(m, "kprof_tcp_resets_total", recv),
			      counter(m, "kprof_tcp_resets_total", sent));
		if (filtered) {
			assert_true(counter(m, "kprof_tcp_connect_failures_total", refused) == N);
			assert_true(counter(m, "kprof_tcp_resets_total", recv) == N);
			/* The RST came from no socket, so from no task: not the client's. */
			assert_true(counter(m, "kprof_tcp_resets_total", sent) == 0);
			assert_int_equal(hist_count(m, "kprof_tcp_connect_latency_seconds"), 0);
			assert_int_equal(hist_count(m, "kprof_tcp_connection_duration_seconds"), 0);
		} else {
			/* The whole host: at least ours, both ways. */
			assert_true(counter(m, "kprof_tcp_connect_failures_total", refused) >= N);
			assert_true(counter(m, "kprof_tcp_resets_total", recv) >= N);
			assert_true(counter(m, "kprof_tcp_resets_total", sent) >= N);
		}
		model_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_connects_exact),
		cmocka_unit_test(test_ipv6_connects_exact),
		cmocka_unit_test(test_passive_side_belongs_to_listener),
		cmocka_unit_test(test_rtt_rate_limited_per_socket),
		cmocka_unit_test(test_refused_connects),
	};
	bpf_util_set_verbose(getenv("KPROF_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
