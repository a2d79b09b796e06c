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
#include "cgroup_map.h"
#include "collector.h"
#include "collector_tcp.h"
#include "tcp.skel.h"

#define NAME "tcp"

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
	if (cfg->by_cgroup) {
		c->cgroups = cgroup_map_series_new(cfg, err, &ret);
		if (!c->cgroups)
			return ret;
		skel->rodata->by_cgroup = true;
		ret = bpf_map__set_max_entries(
			skel->maps.tcp_cg_stats,
			cgroup_map_entries(sizeof(struct kprof_tcp_stats), KPROF_TCP_CG_BUDGET,
					   KPROF_TCP_CG_ENTRIES_MIN, KPROF_TCP_CG_ENTRIES_MAX));
		if (!ret)
			ret = bpf_map__set_max_entries(skel->maps.tcp_cg_failures,
						       KPROF_TCP_CG_FAILURES_MAX);
		if (ret) {
			kprof_explain_bpf_error(NAME, "size the cgroup maps", ret, err);
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
	if (!ret && c->cgroups) {
		ret = tcp_cgroup_maps_new(c);
		if (ret)
			kprof_explain_bpf_error(NAME, "read the cgroup maps' info", ret, err);
	}
	if (ret)
		goto out_destroy;
	*state = c;
	*obj = c->skel->obj;
	return 0;
out_destroy:
	unmap_port_slots(c);
	tcp_cgroup_maps_free(c);
	tcp_bpf__destroy(c->skel);
out_free:
	cgroup_series_free(c->cgroups);
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

const char *const tcp_family_names[F_NFAMILIES] = {
	[F_CONNECT] = "kprof_tcp_connect_latency_seconds",
	[F_RTT] = "kprof_tcp_rtt_seconds",
	[F_DURATION] = "kprof_tcp_connection_duration_seconds",
	[F_RETRANS] = "kprof_tcp_retransmits_total",
	[F_RESETS] = "kprof_tcp_resets_total",
};

void tcp_labels_of(const struct tcp_collector *c, const char *port, const struct cgroup_labels *l,
		   struct tcp_labels *out)
{
	out->n = 0;
	if (c->by != KPROF_TCP_BY_NONE)
		out->v[out->n++] = port;
	for (int i = 0; c->cgroups && i < CGROUP_SERIES_NLABELS; i++)
		out->v[out->n++] = l->values[i];
}

static int make_families(struct tcp_collector *c, struct model *m, struct family **f)
{
	struct cgroup_labels names = {.values = {"cgroup", "container_id", "pod_uid"}};
	const char *dir[1 + TCP_MAX_LABELS] = {"direction"};
	struct tcp_labels l;

	/* The label names, built like label values. */
	tcp_labels_of(c, "port", &names, &l);
	memcpy(dir + 1, l.v, sizeof(l.v));
	f[F_CONNECT] = model_family(m, NAME, tcp_family_names[F_CONNECT],
				    "Active opens: connect() (SYN_SENT) to ESTABLISHED.",
				    FAMILY_HISTOGRAM, l.n, l.v);
	f[F_RTT] = model_family(m, NAME, tcp_family_names[F_RTT],
				"Smoothed RTT (srtt), sampled at most once per socket per "
				"--tcp-rtt-interval.",
				FAMILY_HISTOGRAM, l.n, l.v);
	f[F_DURATION] = model_family(m, NAME, tcp_family_names[F_DURATION],
				     "Connection lifetime: ESTABLISHED to CLOSE.", FAMILY_HISTOGRAM,
				     l.n, l.v);
	f[F_RETRANS] = model_family(m, NAME, tcp_family_names[F_RETRANS],
				    "Segments retransmitted (as TcpRetransSegs counts them).",
				    FAMILY_COUNTER, l.n, l.v);
	f[F_RESETS] = model_family(m, NAME, tcp_family_names[F_RESETS],
				   "TCP resets, sent or received.", FAMILY_COUNTER, 1 + l.n, dir);
	for (int i = 0; i < F_NFAMILIES; i++)
		if (!f[i])
			return -ENOMEM;
	return 0;
}

static int add_value(struct family *f, const char *const *values, double v)
{
	struct series *s = family_series(f, values);

	if (!s)
		return -ENOMEM;
	s->value += v;
	return 0;
}

int tcp_add_slot(struct family **f, const struct tcp_labels *l, const struct kprof_tcp_stats *st,
		 bool always)
{
	const struct kprof_hist *h[3] = {&st->connect, &st->rtt, &st->duration};
	const char *sent[1 + TCP_MAX_LABELS] = {"sent"}, *recv[1 + TCP_MAX_LABELS] = {"received"};
	struct series *s;
	int ret = 0;

	memcpy(sent + 1, l->v, sizeof(l->v));
	memcpy(recv + 1, l->v, sizeof(l->v));
	for (int i = 0; i < 3; i++) {
		if (!h[i]->count)
			continue;
		s = family_series(f[F_CONNECT + i], l->v);
		if (!s)
			return -ENOMEM;
		hist_merge(s->hist, h[i]);
	}
	if (always || st->retransmits)
		ret = add_value(f[F_RETRANS], l->v, (double)st->retransmits);
	if (!ret && (always || st->resets_sent))
		ret = add_value(f[F_RESETS], sent, (double)st->resets_sent);
	if (!ret && (always || st->resets_received))
		ret = add_value(f[F_RESETS], recv, (double)st->resets_received);
	return ret;
}

void tcp_add_cpus(struct kprof_tcp_stats *sum, const struct kprof_tcp_stats *vals, int n)
{
	for (int i = 0; i < n; i++) {
		sum->retransmits += vals[i].retransmits;
		sum->resets_sent += vals[i].resets_sent;
		sum->resets_received += vals[i].resets_received;
		hist_merge(&sum->connect, &vals[i].connect);
		hist_merge(&sum->rtt, &vals[i].rtt);
		hist_merge(&sum->duration, &vals[i].duration);
	}
}

void tcp_events(const struct kprof_tcp_stats *st, __u64 events[F_NFAMILIES])
{
	events[F_CONNECT] = st->connect.count;
	events[F_RTT] = st->rtt.count;
	events[F_DURATION] = st->duration.count;
	events[F_RETRANS] = st->retransmits;
	events[F_RESETS] = st->resets_sent + st->resets_received;
}

static int collect_stats(struct tcp_collector *c, struct model *m)
{
	int ncpus = kprof_ncpus(), ret;
	struct kprof_tcp_stats *all, sum;
	struct family *f[F_NFAMILIES];
	struct cgroup_labels other;
	char(*names)[8];
	__u32 used;

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
	cgroup_series_other(&other);
	read_port_names(c, names, used);
	if (c->cgroups)
		ret = tcp_collect_cgroups(c, m, f, names, used);
	/* With --by cgroup, the array holds what has no known owner or found the hash full. */
	if (!ret)
		ret = kprof_array_read(bpf_map__fd(c->skel->maps.tcp_stats), used, all,
				       sizeof(*all), true);
	for (__u32 slot = 0; !ret && slot < used; slot++) {
		struct tcp_labels l;

		if (slot && !names[slot][0])
			continue;
		memset(&sum, 0, sizeof(sum));
		tcp_add_cpus(&sum, all + (size_t)slot * ncpus, ncpus);
		tcp_labels_of(c, names[slot], &other, &l);
		/* Without --tcp-by the counters exist even at 0: "none" is news. */
		ret = tcp_add_slot(f, &l, &sum, c->by == KPROF_TCP_BY_NONE);
	}
out_free:
	free(all);
	free(names);
	return ret;
}

static const char *reason_of(__u32 e)
{
	if (!e)
		return "closed";
	if (e == KPROF_TCP_ERRNO_SLOTS - 1 || !strerrorname_np((int)e))
		return "other";
	return strerrorname_np((int)e);
}

static int collect_failures(struct tcp_collector *c, struct model *m)
{
	const char *names[1 + CGROUP_SERIES_NLABELS] = {"reason"};
	int ncpus = kprof_ncpus(), nlabels = 1, ret;
	struct cgroup_labels other;
	struct family *f;
	__u64 *all;

	cgroup_series_other(&other);
	for (int i = 0; c->cgroups && i < CGROUP_SERIES_NLABELS; i++)
		names[nlabels++] = cgroup_series_label_names[i];
	f = model_family(m, NAME, "kprof_tcp_connect_failures_total",
			 "Active opens that ended in CLOSE before ESTABLISHED, by the socket's "
			 "error (closed: by the application).",
			 FAMILY_COUNTER, nlabels, names);
	if (!f)
		return -ENOMEM;
	all = calloc((size_t)ncpus * KPROF_TCP_ERRNO_SLOTS, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = c->cgroups ? tcp_collect_cgroup_failures(c, m, f, reason_of) : 0;
	if (!ret)
		ret = kprof_array_read(bpf_map__fd(c->skel->maps.tcp_connect_failures),
				       KPROF_TCP_ERRNO_SLOTS, all, sizeof(*all), true);
	for (__u32 e = 0; !ret && e < KPROF_TCP_ERRNO_SLOTS; e++) {
		const char *values[1 + CGROUP_SERIES_NLABELS] = {reason_of(e)};
		__u64 n = 0;

		for (int cpu = 0; cpu < ncpus; cpu++)
			n += all[(size_t)e * ncpus + cpu];
		if (!n)
			continue;
		memcpy(values + 1, other.values, sizeof(other.values));
		ret = add_value(f, values, (double)n);
	}
	free(all);
	return ret;
}

static const char *const lost_reasons[KPROF_TCP_LOST_REASONS] = {
	[KPROF_TCP_LOST_STORAGE] = "sk_storage_unavailable",
	[KPROF_TCP_LOST_PORT_SLOTS] = "port_slots_full",
	[KPROF_TCP_LOST_CG_MAP] = "cgroup_map_full",
	[KPROF_TCP_LOST_CG_FAILURES] = "cgroup_failure_map_full",
};

static int tcp_collect(void *state, struct model *m)
{
	struct tcp_collector *c = state;
	int ret;

	/* One read of both hashes: an id's growth and eviction count both. */
	if (c->cgroups)
		cgroup_series_read_begin(c->cgroups, cgroup_series_clock_ns());
	ret = collect_stats(c, m);
	if (!ret)
		ret = collect_failures(c, m);
	/* Complete only if both were read (on any error: the next read decides). */
	if (c->cgroups)
		cgroup_series_read_end(c->cgroups, !ret);
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
	tcp_cgroup_maps_free(c);
	tcp_bpf__destroy(c->skel);
	cgroup_series_free(c->cgroups);
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
	.by_cgroup = true,
};
