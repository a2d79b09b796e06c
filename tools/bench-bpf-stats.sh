#!/bin/bash
# SPDX-License-Identifier: MIT
# Cost of the kernel's BPF run-time stats (kprof serve --bpf-stats): the
# syscall microbenchmark `perf bench syscall basic` (getppid in a loop)
# without kprof, under `kprof serve --no-bpf-stats` and `--bpf-stats`,
# interleaved ROUNDS times; the minimum of each is the least noisy figure.
# The figure is CPU time per syscall of the benchmark process.
# Usage (root): tools/bench-bpf-stats.sh [ROUNDS] [LOOPS]
set -u
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
LOOPS=${2:-1000000}
PORT=19499
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 1; }
command -v perf >/dev/null || { echo "needs perf (Debian package linux-perf)"; exit 1; }
[ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = 0 ] ||
	echo "warning: kernel.bpf_stats_enabled is 1: stats are on in every run"

# CPU time (user + system) of the benchmark per syscall, not wall time: on a
# shared machine waiting for a CPU would swamp a difference of nanoseconds.
bench() {
	python3 -c '
import resource, subprocess, sys
n = int(sys.argv[1])
subprocess.run(["perf", "bench", "syscall", "basic", "--loop", str(n)], check=True,
               stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(round((r.ru_utime + r.ru_stime) / n * 1e9, 1))' "$LOOPS"
}
run() {
	local mode=$1 pid ns
	if [ "$mode" = none ]; then
		bench
		return
	fi
	./kprof serve --collectors syscall --web.listen-address 127.0.0.1:$PORT --$mode \
		--log.level error &
	pid=$!
	for _ in $(seq 100); do
		curl -sf -o /dev/null http://127.0.0.1:$PORT/healthz && break
		sleep 0.1
	done
	ns=$(bench)
	kill -TERM $pid
	wait $pid
	echo "$ns"
}
declare -A best
for r in $(seq "$ROUNDS"); do
	for mode in none no-bpf-stats bpf-stats; do
		ns=$(run $mode)
		echo "round $r $mode: $ns ns/syscall"
		if [ -z "${best[$mode]:-}" ] || awk "BEGIN { exit !($ns < ${best[$mode]}) }"; then
			best[$mode]=$ns
		fi
	done
done
echo
printf '%-14s %10s\n' mode "min ns/op"
for mode in none no-bpf-stats bpf-stats; do printf '%-14s %10s\n' $mode "${best[$mode]}"; done
awk -v a="${best[no-bpf-stats]}" -v b="${best[bpf-stats]}" -v n="${best[none]}" 'BEGIN {
	printf "kprof syscall collector: +%.0f ns per syscall; BPF stats: +%.0f ns per syscall (2 programs per syscall: %.0f ns per program run)\n", a - n, b - a, (b - a) / 2 }'
