#!/bin/bash
# SPDX-License-Identifier: MIT
# Retransmits counted by the tcp collector against the kernel's own count.
#
# Two network namespaces made here (always removed on exit), joined by a
# veth pair. A bounded transfer runs from A to B twice: without loss (kprof
# must count 0 retransmits) and with packet loss (kprof must count > 0, and
# exactly the TcpRetransSegs of /proc/net/snmp summed over both namespaces).
# Loss: `tc qdisc ... netem loss` on A's veth if sch_netem exists, else an
# nftables rule in B dropping a fraction of TCP packets (numgen random).
# Needs root, ip(8), and netem or nftables; otherwise it says skipped, why.
set -u
source "$(dirname "$0")/test_lib.bash"
XFER=build/tests/helpers/tcp_xfer
CONNS=2
BYTES=1000000
LOSS_PCT=5
skip() { echo "skipped: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root to make network namespaces and load BPF programs"
command -v ip >/dev/null || skip "needs ip(8) (iproute2)"

A=kprof-rtx-a-$$
B=kprof-rtx-b-$$
tmp=$(mktemp -d)
spid= cpid= kpid=
cleanup() {
	kill $spid $cpid $kpid 2>/dev/null
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $A && ip netns add $B || skip "cannot make network namespaces"
# Made inside A, one end moved to B: nothing ever appears in the host's namespace.
ip -n $A link add kprof-va type veth peer name kprof-vb || skip "cannot make a veth pair"
ip -n $A link set kprof-vb netns $B || skip "cannot move a veth end between namespaces"
ip -n $A addr add 10.254.77.1/24 dev kprof-va
ip -n $B addr add 10.254.77.2/24 dev kprof-vb
ip -n $A link set kprof-va up && ip -n $B link set kprof-vb up && ip -n $A link set lo up &&
	ip -n $B link set lo up || skip "cannot bring the veth pair up"
# One segment per packet (no 64 KiB TSO packets): a loss rate then means
# many losses, and so retransmits, in a transfer of 1 MB.
ip -n $A link set dev kprof-va gso_max_size 1500 || skip "cannot set gso_max_size on the veth"
# Tail loss probes resend a segment when an ACK is late, which a loaded
# 2-CPU host makes happen without any loss: off, so that "no loss" means 0.
for ns in $A $B; do
	ip netns exec $ns sysctl -qw net.ipv4.tcp_early_retrans=0 || skip "cannot turn off TLP in $ns"
done

# TcpRetransSegs of a namespace, from /proc/net/snmp (what `nstat` reads).
retrans_segs() {
	ip netns exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RetransSegs") c = i; h = 1 } else print $c }' /proc/net/snmp
}

# transfer NAME: CONNS connections of BYTES from A to B while kprof records
# (--comm tcp_xfer: both ends, nothing else on the host); waits until no
# socket in either namespace can retransmit any more, then stops kprof.
transfer() {
	local name=$1 before after
	before=$(($(retrans_segs $A) + $(retrans_segs $B)))
	$KPROF record --json -d 120s --collectors tcp --comm tcp_xfer >"$tmp/$name.json" \
		2>"$tmp/$name.err" &
	kpid=$!
	for _ in $(seq 100); do grep -q recording "$tmp/$name.err" && break; sleep 0.1; done
	grep -q recording "$tmp/$name.err" || fail "$name: kprof did not start: $(cat "$tmp/$name.err")"
	: >"$tmp/srv.out"
	ip netns exec $B $XFER server 10.254.77.2 5001 $CONNS >"$tmp/srv.out" &
	spid=$!
	for _ in $(seq 50); do grep -q listening "$tmp/srv.out" && break; sleep 0.1; done
	timeout 60 ip netns exec $A $XFER client 10.254.77.2 5001 $CONNS $BYTES </dev/null ||
		fail "$name: client exited $?"
	wait $spid || fail "$name: server exited $?"
	spid=
	# Orphaned sockets may still resend a FIN: wait until only TIME-WAIT is left.
	for _ in $(seq 200); do
		[ -z "$( (ip netns exec $A ss -Htan; ip netns exec $B ss -Htan) | grep -v TIME-WAIT)" ] && break
		sleep 0.1
	done
	after=$(($(retrans_segs $A) + $(retrans_segs $B)))
	kill -INT $kpid
	wait $kpid || fail "$name: kprof record exited $?"
	kpid=
	echo $((after - before)) >"$tmp/$name.snmp"
}

# kprof's count from its JSON output.
kprof_retrans() {
	python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
fam = {f["name"]: f for f in doc["families"]}
print(int(sum(s["value"] for s in fam["kprof_tcp_retransmits_total"]["series"])))
' "$1"
}

# Without loss. kprof must always equal the kernel's count; a veth on a
# loaded 2-CPU host can still drop a burst (backlog full), so a run in which
# the kernel itself retransmitted is retried, up to 3 times, for a 0 = 0 run.
for try in 1 2 3; do
	transfer clean
	clean_kprof=$(kprof_retrans "$tmp/clean.json") clean_snmp=$(cat "$tmp/clean.snmp")
	echo "no loss (run $try): kprof $clean_kprof retransmitted segments, TcpRetransSegs $clean_snmp"
	[ "$clean_kprof" = "$clean_snmp" ] ||
		fail "no loss: kprof counted $clean_kprof retransmitted segments, the kernel $clean_snmp"
	[ "$clean_snmp" = 0 ] && break
done
[ "$clean_kprof" = 0 ] || fail "no loss in 3 runs, yet kprof counted $clean_kprof retransmits"

if tc -n $A qdisc add dev kprof-va root netem loss ${LOSS_PCT}% 2>"$tmp/tc.err"; then
	method="netem loss ${LOSS_PCT}% on A's veth"
elif ip netns exec $B nft -f - 2>"$tmp/nft.err" <<EOF
table inet kprof_loss {
	chain in {
		type filter hook prerouting priority -300; policy accept;
		meta l4proto tcp numgen random mod 100 < $LOSS_PCT drop
	}
}
EOF
then
	method="nftables: numgen random drops ${LOSS_PCT}% of TCP packets entering B (no sch_netem: $(head -1 "$tmp/tc.err"))"
else
	echo "the no-loss half passed: kprof 0, TcpRetransSegs 0"
	skip "no way to lose packets: tc netem failed ($(head -1 "$tmp/tc.err")) and nftables failed ($(head -1 "$tmp/nft.err"))"
fi
echo "loss: $method"

transfer lossy
lossy_kprof=$(kprof_retrans "$tmp/lossy.json") lossy_snmp=$(cat "$tmp/lossy.snmp")
echo "with loss: kprof $lossy_kprof retransmitted segments, TcpRetransSegs $lossy_snmp"
[ "$lossy_kprof" -gt 0 ] || fail "packets were lost, yet kprof counted no retransmits"
[ "$lossy_kprof" = "$lossy_snmp" ] ||
	fail "kprof counted $lossy_kprof retransmitted segments, the kernel $lossy_snmp"
[ $fails -eq 0 ]
