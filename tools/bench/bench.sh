#!/bin/bash
# SPDX-License-Identifier: MIT
# `make bench`: kprof's cost next to libbpf-tools on the same workloads, in
# four sections (see docs/bench.md). Every section iterates over the
# collectors `kprof list` reports as supported; what is missing is named in
# the tables' notes. Writes bench/results-<date>.md, and bench/latest.md
# when the run is complete (not BENCH_QUICK, no subset).
#
# Environment: BENCH_QUICK=1 (short runs, for development), BENCH_RUNS=N,
# BENCH_SECTIONS="cost slowdown footprint scrape", BENCH_WORKLOADS="pipe syscall
# tcp" (slowdown), BENCH_COLLECTORS="syscall ..." (a subset), BENCH_OUT=dir.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KPROF=${KPROF:-$ROOT/kprof}
BIN=${BENCH_BIN:-$ROOT/build/bench}
OUT=${BENCH_OUT:-$ROOT/bench}
SERVE_PORT=${BENCH_SERVE_PORT:-19417}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	RUNS=${BENCH_RUNS:-2} WORKLOAD_SECS=0.5
	STEADY_S=2 TRAFFIC_SECS=5 SCRAPE_SECS=2 SERIES_PORTS="10"
else
	RUNS=${BENCH_RUNS:-5} WORKLOAD_SECS=1
	STEADY_S=3 TRAFFIC_SECS=60 SCRAPE_SECS=3 SERIES_PORTS="10 100 256"
fi
SECTIONS=${BENCH_SECTIONS:-cost slowdown footprint scrape}
export BIN WORKLOAD_SECS

# shellcheck source=common.sh
. "$HERE/common.sh"
for s in cost slowdown footprint scrape; do
	# shellcheck disable=SC1090
	. "$HERE/$s.sh"
done

if [[ $(id -u) -ne 0 ]]; then
	echo "bench: needs root (it loads BPF programs and enables BPF stats)" >&2
	exit 1
fi
for t in perf taskset python3 curl; do
	command -v "$t" >/dev/null || { echo "bench: $t is missing; run \`make bench\`, which installs it" >&2; exit 1; }
done
[[ -x $KPROF && -x $BIN/bpfwatch && -x $BIN/tcploop && -x $BIN/scrape ]] ||
	{ echo "bench: build first: make kprof bench-tools" >&2; exit 1; }

WORK=$(mktemp -d /tmp/kprof-bench.XXXXXX)
RAW=$WORK/raw.tsv
export RATE_DIR=$WORK
TOOL_PID=
: >"$RAW"
# libbpf-tools' syscount, tcplife and tcpstates attach classic tracepoints,
# which need tracefs; mount it for the run if it is not, and undo that after.
MOUNTED_TRACEFS=
if [[ ! -e /sys/kernel/tracing/events ]]; then
	mount -t tracefs nodev /sys/kernel/tracing && MOUNTED_TRACEFS=1
fi
cleanup() {
	tool_stop
	[[ -n $MOUNTED_TRACEFS ]] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

COLLECTORS=$(supported_collectors | tr '\n' ' ')
COLLECTORS=${COLLECTORS% }
if [[ -n ${BENCH_COLLECTORS:-} ]]; then
	only=""
	for c in $BENCH_COLLECTORS; do [[ " $COLLECTORS " == *" $c "* ]] && only+=" $c"; done
	COLLECTORS=${only# }
fi
for c in $KNOWN_COLLECTORS; do
	if [[ " $COLLECTORS " != *" $c "* ]]; then
		if [[ -n ${BENCH_COLLECTORS:-} && " $BENCH_COLLECTORS " != *" $c "* ]]; then
			why="not in BENCH_COLLECTORS"
		elif all_collectors | grep -qx "$c"; then
			why="\`kprof list\` says this kernel cannot run it"
		else
			why="not in this build of kprof yet"
		fi
		for s in $SECTIONS; do note "$s" "collector $c: $why; skipped"; done
	fi
done
log "collectors: $COLLECTORS; $RUNS runs per measurement"

cat >"$WORK/machine.md" <<EOF
# kprof benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

| | |
|---|---|
| kprof | $("$KPROF" version 2>/dev/null | head -1) |
| kernel | $(uname -r) |
| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores |
| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |
| load at start | $(cut -d' ' -f1-3 /proc/loadavg) |
| libbpf-tools | $(dpkg-query -W -f='${Version}' libbpf-tools 2>/dev/null || echo none) |
| perf | $(perf --version 2>/dev/null) |
| collectors | $COLLECTORS |
| workloads | about ${WORKLOAD_SECS} s per run (loop count from the last measured rate) |
| runs | $RUNS per measurement$([[ ${BENCH_QUICK:-0} == 1 ]] && echo " (BENCH_QUICK: short runs, not for comparison)") |

Medians with min–max over the runs. The machine may be shared: compare
paired ratios and BPF run time per event, not absolute throughput.
EOF

start=$(date +%s)
for s in $SECTIONS; do
	"section_$s"
done
echo "Whole run: $(($(date +%s) - start)) s." >>"$WORK/machine.md"

mkdir -p "$OUT"
result="$OUT/results-$(date -u +%Y%m%d-%H%M%S).md"
python3 "$HERE/report.py" "$RAW" "$WORK/machine.md" >"$result" || exit 1
cp "$RAW" "${result%.md}.tsv"
cat "$result"
# latest.md (which the README quotes) only from a complete run: a quick or
# partial run must not replace the full tables.
if [[ ${BENCH_QUICK:-0} != 1 && -z ${BENCH_SECTIONS:-} && -z ${BENCH_COLLECTORS:-} && -z ${BENCH_WORKLOADS:-} ]]; then
	cp "$result" "$OUT/latest.md"
	log "written: $result and $OUT/latest.md (compare two runs: tools/bench/compare.py A.tsv B.tsv)"
else
	log "written: $result (partial or quick run: $OUT/latest.md left as it was)"
fi
