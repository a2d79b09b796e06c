#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-event cost of the offcpu and cpu collectors, from the kernel's BPF
# stats (run time / run count per program), side by side with Debian's
# libbpf-tools offcputime on the same workload (perf bench sched pipe).
# Debian ships no libbpf-tools `profile`, so cpu has no baseline here.
# Usage (root): tools/bench_stacks.sh [LOOPS]    (default 200000)
set -u
cd "$(dirname "$0")/.."
LOOPS=${1:-200000}
KPROF=./kprof
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
for t in perf bpftool /usr/sbin/offcputime; do
	command -v $t >/dev/null || { echo "needs $t"; exit 77; }
done
old=$(sysctl -n kernel.bpf_stats_enabled)
tmp=$(mktemp -d)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old; kill $tpid 2>/dev/null; rm -rf "$tmp"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# Average ns per run and runs of the programs named $1 held by process $2.
prog_cost() {
	local name=$1 pid=$2 ids
	ids=$(cat /proc/$pid/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u)
	for id in $ids; do
		bpftool prog show id "$id" -j 2>/dev/null
		echo
	done | python3 -c '
import json, sys
name = sys.argv[1]
ns = runs = 0
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    p = json.loads(line)
    if p.get("name", "").startswith(name[:15]):
        ns += p.get("run_time_ns", 0); runs += p.get("run_cnt", 0)
print(f"{ns / runs if runs else 0:.0f} {runs}")' "$name"
}

# Runs the workload under a tracer ($2...) and prints its program cost.
measure() {
	local label=$1 prog=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" &
	tpid=$!
	sleep 3 # load and attach
	local t0=$(date +%s.%N)
	perf bench sched pipe -l "$LOOPS" >/dev/null 2>&1
	local t1=$(date +%s.%N)
	read -r ns runs < <(prog_cost "$prog" $tpid)
	kill -INT $tpid; wait $tpid 2>/dev/null
	printf "%-34s %10s ns/event %12s events  workload %.2f s\n" "$label" "$ns" "$runs" \
		"$(echo "$t1 - $t0" | bc)"
}

t0=$(date +%s.%N); perf bench sched pipe -l "$LOOPS" >/dev/null 2>&1; t1=$(date +%s.%N)
printf "%-34s %10s             %12s         workload %.2f s\n" "no tracer" "-" "-" "$(echo "$t1 - $t0" | bc)"
measure "kprof offcpu (tp_btf sched_switch)" kprof_offcpu_switch \
	$KPROF record -d 120s -c offcpu -o "$tmp/k"
measure "libbpf-tools offcputime" sched_switch /usr/sbin/offcputime 120
measure "kprof cpu at 99 Hz (per sample)" kprof_cpu_sample \
	$KPROF record -d 120s -c cpu -o "$tmp/k"
echo "kernel $(uname -r), $(nproc) CPUs; bpf_stats_enabled restored to $old"
