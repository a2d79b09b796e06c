// SPDX-License-Identifier: MIT
/* Userspace side of the tcp collector: load, attach, read its maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "collector.h"
#include "kprof/tcp.h"
#include "tcp.skel.h"

#define NAME "tcp"

struct tcp_collector {
	struct tcp_bpf *skel;
	enum kprof_tcp_by by;
	__u32 nslots; /* entries of tcp_stats */
	/* tcp_port_slot mmap()ed, with --tcp-by: array elements are 8-byte aligned. */
	const __u64 *port_slot;
	size_t port_slot_len; /* bytes mapped */
};

static enum kprof_tcp_by by_of(const struct kprof_config *cfg)
{
	if (cfg->tcp_by == TCP_BY_LPORT)
		return KPROF_TCP_BY_LPORT;
	if (cfg->tcp_by == TCP_BY_RPORT)
		return KPROF_TCP_BY_RPORT;
	return KPROF_TCP_BY_NONE;
}

/* Tunables and map sizes between open and load. */
static int tcp_configure(struct tcp_collector *c, const struct kprof_config *cfg,
			 struct kprof_error *err)
{
	struct tcp_bpf *skel = c->skel;
	int ret;

	c->by = by_of(cfg);
	c->nslots = 1;
	if (c->by != KPROF_TCP_BY_NONE) {
		if (cfg->tcp_max_ports < 1 || cfg->tcp_max_ports > KPROF_TCP_MAX_PORTS) {
			snprintf(err->msg, sizeof(err->msg),
				 "--tcp-max-ports %d is out of range: expected 1 to %d",
				 cfg->tcp_max_ports, KPROF_TCP_MAX_PORTS);
			return -EINVAL;
		}
		c->nslots = 1 + (__u32)cfg->tcp_max_ports;
		ret = bpf_map__set_max_entries(skel->maps.tcp_stats, c->nslots);
		if (!ret)
			ret = bpf_map__set_max_entries(skel->maps.tcp_port_slot, KPROF_TCP_PORTS);
		if (ret) {
			kprof_explain_bpf_error(NAME, "size", ret, err);
			return ret;
		}
	}
	KPROF_SET_FILTER_RODATA(skel, cfg);
	skel->rodata->tcp_by = c->by;
	skel->rodata->tcp_max_ports = c->by == KPROF_TCP_BY_NONE ? 0 : (__u32)cfg->tcp_max_ports;
	skel->rodata->rtt_interval_ns = cfg->tcp_rtt_interval_ns;
	return 0;
}

/* The port -> slot array as read-only memory: 512 KiB read without a syscall. */
static int map_port_slots(struct tcp_collector *c, struct kprof_error *err)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	c->port_slot_len = (KPROF_TCP_PORTS * sizeof(__u64) + page - 1) / page * page;
	p = mmap(NULL, c->port_slot_len, PROT_READ, MAP_SHARED,
		 bpf_map__fd(c->skel->maps.tcp_port_slot), 0);
	if (p == MAP_FAILED) {
		int ret = -errno;

		snprintf(err->msg, sizeof(err->msg),
			 "could not map the tcp collector's port table into memory (%s)",
			 strerror(-ret));
		return ret;
	}
	c->port_slot = p;
	return 0;
}

static void unmap_port_slots(struct tcp_collector *c)
{
	if (c->port_slot)
		munmap((void *)c->port_slot, c->port_slot_len);
	c->port_slot = NULL;
}

static int tcp_start(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
		     struct kprof_error *err)
{
	struct tcp_collector *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		snprintf(err->msg, sizeof(err->msg), "out of memory starting the tcp collector");
		return -ENOMEM;
	}
	c->skel = tcp_bpf__open();
	if (!c->skel) {
		ret = -errno;
		kprof_explain_bpf_error(NAME, "open", ret, err);
		goto out_free;
	}
	ret = tcp_configure(c, cfg, err);
	if (ret)
		goto out_destroy;
	ret = kprof_skel_load_attach(NAME, c->skel->skeleton, cfg, true, err);
	if (!ret && c->by != KPROF_TCP_BY_NONE)
		ret = map_port_slots(c, err);
	if (ret)
		goto out_destroy;
	*state = c;
	*obj = c->skel->obj;
	return 0;
out_destroy:
	unmap_port_slots(c);
	tcp_bpf__destroy(c->skel);
out_free:
	free(c);
	return ret;
}

/* Slot -> port name ("other" for slot 0), from the port -> slot array. */
static void read_port_names(struct tcp_collector *c, char (*names)[8], __u32 used)
{
	for (__u32 i = 0; i < used; i++)
		names[i][0] = 0;
	snprintf(names[0], sizeof(names[0]), "other");
	if (!c->port_slot)
		return;
	for (__u32 port = 0; port < KPROF_TCP_PORTS; port++) {
		/* The BPF side writes it at any time: read each entry once. */
		__u32 slot = __atomic_load_n((const __u32 *)&c->port_slot[port], __ATOMIC_RELAXED);

		if (slot > 0 && slot < used)
			snprintf(names[slot], sizeof(names[0]), "%u", port);
	}
}

/* Slots handed out so far, "other" included: the entries of tcp_stats worth reading. */
static __u32 slots_used(struct tcp_collector *c)
{
	__u32 next = __atomic_load_n(&c->skel->bss->next_slot, __ATOMIC_RELAXED);

	return next < c->nslots - 1 ? next + 1 : c->nslots;
}

enum { F_CONNECT, F_RTT, F_DURATION, F_RETRANS, F_RESETS, F_NFAMILIES };

static const char *const family_names[F_NFAMILIES] = {
	[F_CONNECT] = "kprof_tcp_connect_latency_seconds",
	[F_RTT] = "kprof_tcp_rtt_seconds",
	[F_DURATION] = "kprof_tcp_connection_duration_seconds",
	[F_RETRANS] = "kprof_tcp_retransmits_total",
	[F_RESETS] = "kprof_tcp_resets_total",
};

static int make_families(struct tcp_collector *c, struct model *m, struct family **f)
{
	static const char *const port[] = {"port"};
	static const char *const dir[] = {"direction"};
	static const char *const dir_port[] = {"direction", "port"};
	int np = c->by == KPROF_TCP_BY_NONE ? 0 : 1;

	f[F_CONNECT] = model_family(m, NAME, family_names[F_CONNECT],
				    "Active opens: connect() (SYN_SENT) to ESTABLISHED.",
				    FAMILY_HISTOGRAM, np, port);
	f[F_RTT] = model_family(m, NAME, family_names[F_RTT],
				"Smoothed RTT (srtt), sampled at most once per socket per "
				"--tcp-rtt-interval.",
				FAMILY_HISTOGRAM, np, port);
	f[F_DURATION] = model_family(m, NAME, family_names[F_DURATION],
				     "Connection lifetime: ESTABLISHED to CLOSE.", FAMILY_HISTOGRAM,
				     np, port);
	f[F_RETRANS] = model_family(m, NAME, family_names[F_RETRANS],
				    "Segments retransmitted (as TcpRetransSegs counts them).",
				    FAMILY_COUNTER, np, port);
	f[F_RESETS] = model_family(m, NAME, family_names[F_RESETS], "TCP resets, sent or received.",
				   FAMILY_COUNTER, 1 + np, np ? dir_port : dir);
	for (int i = 0; i < F_NFAMILIES; i++)
		if (!f[i])
			return -ENOMEM;
	/* Each model_family() may move the families array: take the final addresses. */
	for (int i = 0; i < F_NFAMILIES; i++)
		f[i] = model_find(m, family_names[i]);
	return 0;
}

/* Adds one slot's merged stats to the families; name is its port or NULL. */
static int add_slot(struct family **f, const char *name, const struct kprof_tcp_stats *st,
		    bool always)
{
	const struct kprof_hist *h[3] = {&st->connect, &st->rtt, &st->duration};
	const char *v1[] = {name};
	const char *sent[] = {"sent", name}, *recv[] = {"received", name};
	struct series *s;

	for (int i = 0; i < 3; i++) {
		if (!h[i]->count)
			continue;
		s = family_series(f[F_CONNECT + i], v1);
		if (!s)
			return -ENOMEM;
		hist_merge(s->hist, h[i]);
	}
	if (always || st->retransmits) {
		s = family_series(f[F_RETRANS], v1);
		if (!s)
			return -ENOMEM;
		s->value += (double)st->retransmits;
	}
	if (always || st->resets_sent) {
		s = family_series(f[F_RESETS], sent);
		if (!s)
			return -ENOMEM;
		s->value += (double)st->resets_sent;
	}
	if (always || st->resets_received) {
		s = family_series(f[F_RESETS], recv);
		if (!s)
			return -ENOMEM;
		s->value += (double)st->resets_received;
	}
	return 0;
}

static int collect_stats(struct tcp_collector *c, struct model *m)
{
	int ncpus = kprof_ncpus(), ret;
	struct kprof_tcp_stats *all, sum;
	struct family *f[F_NFAMILIES];
	char(*names)[8];
	__u32 used;

	/*
	 * model_family() may move the families made before it (the model grows
	 * its array): a second pass finds all five in place and moves nothing.
	 */
	ret = make_families(c, m, f);
	if (!ret)
		ret = make_families(c, m, f);
	if (ret)
		return ret;
	used = slots_used(c);
	names = calloc(used, sizeof(*names));
	all = calloc((size_t)ncpus * used, sizeof(*all));
	if (!names || !all) {
		ret = -ENOMEM;
		goto out_free;
	}
	read_port_names(c, names, used);
	ret = kprof_array_read(bpf_map__fd(c->skel->maps.tcp_stats), used, all, sizeof(*all), true);
	for (__u32 slot = 0; !ret && slot < used; slot++) {
		const struct kprof_tcp_stats *vals = all + (size_t)slot * ncpus;

		if (slot && !names[slot][0])
			continue;
		memset(&sum, 0, sizeof(sum));
		for (int cpu = 0; cpu < ncpus; cpu++) {
			sum.retransmits += vals[cpu].retransmits;
			sum.resets_sent += vals[cpu].resets_sent;
			sum.resets_received += vals[cpu].resets_received;
			hist_merge(&sum.connect, &vals[cpu].connect);
			hist_merge(&sum.rtt, &vals[cpu].rtt);
			hist_merge(&sum.duration, &vals[cpu].duration);
		}
		/* Without --tcp-by the counters exist even at 0: "none" is news. */
		ret = add_slot(f, names[slot], &sum, c->by == KPROF_TCP_BY_NONE);
	}
out_free:
	free(all);
	free(names);
	return ret;
}

static int collect_failures(struct tcp_collector *c, struct model *m)
{
	static const char *const labels[] = {"reason"};
	int ncpus = kprof_ncpus(), ret;
	struct family *f;
	__u64 *all;

	f = model_family(m, NAME, "kprof_tcp_connect_failures_total",
			 "Active opens that ended in CLOSE before ESTABLISHED, by the socket's "
			 "error (closed: by the application).",
			 FAMILY_COUNTER, 1, labels);
	if (!f)
		return -ENOMEM;
	all = calloc((size_t)ncpus * KPROF_TCP_ERRNO_SLOTS, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = kprof_array_read(bpf_map__fd(c->skel->maps.tcp_connect_failures),
			       KPROF_TCP_ERRNO_SLOTS, all, sizeof(*all), true);
	for (__u32 e = 0; !ret && e < KPROF_TCP_ERRNO_SLOTS; e++) {
		const char *values[1];
		struct series *s;
		__u64 n = 0;

		for (int cpu = 0; cpu < ncpus; cpu++)
			n += all[(size_t)e * ncpus + cpu];
		if (!n)
			continue;
		if (!e)
			values[0] = "closed";
		else if (e == KPROF_TCP_ERRNO_SLOTS - 1 || !strerrorname_np((int)e))
			values[0] = "other";
		else
			values[0] = strerrorname_np((int)e);
		s = family_series(f, values);
		if (!s) {
			ret = -ENOMEM;
			break;
		}
		s->value += (double)n;
	}
	free(all);
	return ret;
}

static const char *const lost_reasons[KPROF_TCP_LOST_REASONS] = {
	[KPROF_TCP_LOST_STORAGE] = "sk_storage_unavailable",
	[KPROF_TCP_LOST_PORT_SLOTS] = "port_slots_full",
};

static int tcp_collect(void *state, struct model *m)
{
	struct tcp_collector *c = state;
	int ret;

	ret = collect_stats(c, m);
	if (!ret)
		ret = collect_failures(c, m);
	if (!ret)
		ret = kprof_collect_lost(m, NAME, bpf_map__fd(c->skel->maps.tcp_lost), lost_reasons,
					 KPROF_TCP_LOST_REASONS);
	return ret;
}

static void tcp_stop(void *state)
{
	struct tcp_collector *c = state;

	if (!c)
		return;
	unmap_port_slots(c);
	tcp_bpf__destroy(c->skel);
	free(c);
}

static struct bpf_object *tcp_open_object(void **state)
{
	struct tcp_bpf *skel = tcp_bpf__open();

	*state = skel;
	return skel ? skel->obj : NULL;
}

static void tcp_close_object(void *state)
{
	tcp_bpf__destroy(state);
}

static const char *const tracepoints[] = {
	"inet_sock_set_state",
	"tcp_probe",
	"tcp_retransmit_skb",
	"tcp_retransmit_synack",
	"tcp_send_reset",
	"tcp_receive_reset",
	NULL,
};

const struct collector_desc collector_tcp = {
	.name = NAME,
	.summary = "connect latency, RTT, lifetime, retransmits and resets of TCP connections",
	.tracepoints = tracepoints,
	.start = tcp_start,
	.collect = tcp_collect,
	.stop = tcp_stop,
	.open_object = tcp_open_object,
	.close_object = tcp_close_object,
};
