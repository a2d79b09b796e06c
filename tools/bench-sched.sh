#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-event cost of the sched collector's BPF programs next to Debian's
# libbpf-tools runqlat, from the kernel's own BPF stats (run_time_ns and
# run_cnt per program), on the same workload: perf bench sched pipe.
# Usage: tools/bench-sched.sh [LOOPS] (as root; restores bpf_stats_enabled).
set -u
cd "$(dirname "$0")/.."
LOOPS=${1:-200000}
RUNQLAT=${RUNQLAT:-/usr/sbin/runqlat}
[ "$(id -u)" -eq 0 ] || { echo "bench-sched: needs root" >&2; exit 1; }
for t in ./kprof "$RUNQLAT" perf bpftool; do
	command -v "$t" >/dev/null || { echo "bench-sched: $t not found" >&2; exit 1; }
done
old=$(sysctl -n kernel.bpf_stats_enabled)
tool=
trap '[ -n "$tool" ] && kill -INT $tool 2>/dev/null; sysctl -qw kernel.bpf_stats_enabled=$old' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

progs_of() { cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u; }
# "name run_time_ns run_cnt" of every program the process holds.
stats_of() {
	for id in $(progs_of "$1"); do bpftool -j prog show id "$id"; echo; done |
		python3 -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        p = json.loads(line)
        print(p["name"], p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}

# measure LABEL CMD...: start the tool, let it settle, run the workload, diff.
measure() {
	local label=$1; shift
	"$@" >/dev/null 2>&1 &
	tool=$!
	for _ in $(seq 100); do [ -n "$(progs_of $tool)" ] && break; sleep 0.1; done
	sleep 1
	stats_of $tool >"$tmp/before"
	perf bench sched pipe -l "$LOOPS" >/dev/null 2>&1
	stats_of $tool >"$tmp/after"
	kill -INT $tool; wait $tool 2>/dev/null; tool=
	python3 - "$label" "$tmp/before" "$tmp/after" <<'PY'
import sys
label, before, after = sys.argv[1:]
b = {l.split()[0]: list(map(int, l.split()[1:])) for l in open(before)}
tot_ns = tot_runs = switch_runs = 0
for line in open(after):
    name, ns, runs = line.split()
    ns, runs = int(ns) - b.get(name, [0, 0])[0], int(runs) - b.get(name, [0, 0])[1]
    if runs <= 0:
        continue
    tot_ns += ns; tot_runs += runs
    if "switch" in name:
        switch_runs += runs
    print(f"{label:8} {name:24} {runs:10d} runs {ns / runs:8.1f} ns/run")
if switch_runs:
    print(f"{label:8} {'all, per sched_switch':24} {switch_runs:10d} sw   {tot_ns / switch_runs:8.1f} ns/switch")
PY
}

tmp=$(mktemp -d)
trap '[ -n "$tool" ] && kill -INT $tool 2>/dev/null; sysctl -qw kernel.bpf_stats_enabled=$old; rm -rf "$tmp"' EXIT
echo "perf bench sched pipe -l $LOOPS, $(nproc) CPUs, $(uname -r)"
measure kprof ./kprof record -d 600s --collectors sched
measure runqlat "$RUNQLAT" 600 1
