#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-event cost of several tools on one collector's workload, measured as
# the bench's section 1 does (tools/bench/cost.sh), alternating the tools
# within each run, with each tool's ratio to the reference tool (the last
# one named) in the same run: the paired ratio. Used for the offcpu
# variants of docs/flamegraphs.md; variant builds go in
# build/bench/variants/kprof-NAME and are named kprof=NAME:COLLECTOR.
#
# usage: tools/bench/variants.sh COLLECTOR RUNS TOOL... REFERENCE
#   e.g. tools/bench/variants.sh offcpu 5 kprof:offcpu \
#            kprof:offcpu+--min-block+100us offcputime
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KPROF=${KPROF:-$ROOT/kprof}
BIN=${BENCH_BIN:-$ROOT/build/bench}
WORKLOAD_SECS=${WORKLOAD_SECS:-1}
export BIN WORKLOAD_SECS
# shellcheck source=common.sh
. "$HERE/common.sh"
# shellcheck source=cost.sh
. "$HERE/cost.sh"

[[ $# -ge 3 ]] || { echo "usage: variants.sh COLLECTOR RUNS TOOL... REFERENCE" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "variants.sh: needs root" >&2; exit 1; }
c=$1 runs=$2
shift 2
ref=${!#}
WORK=$(mktemp -d /tmp/kprof-variants.XXXXXX)
RAW=$WORK/raw.tsv
export RATE_DIR=$WORK
TOOL_PID=
trap 'tool_stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
w=${COST_WORKLOAD[$c]:-syscall}
echo "variants: $c on \`$(workload_label "$w")\`, $runs runs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$runs"); do
	for t in "$@"; do
		echo "run $r" >>"$RAW"
		cost_one "$c" "$t" "$w" || echo "variants: $t failed in run $r" >&2
	done
done
# Per run: ns per event of each tool; ratio to the reference of the same run.
awk -F'\t' -v ref="$ref" '
	/^run / { run = $0; next }
	$1 == "cost" && $4 == "per event" { v[run, $3] = $5; tools[$3] = 1; runs[run] = 1 }
	$1 == "cost" && $4 != "per event" { prog[$3, $4] = prog[$3, $4] " " $5 }
	END {
		for (t in tools) {
			line = t "\t"
			for (r in runs) if ((r, t) in v) {
				line = line " " v[r, t]
				if ((r, ref) in v) rat[t] = rat[t] " " v[r, t] / v[r, ref]
			}
			print line "\t" rat[t]
		}
		for (k in prog) { split(k, a, SUBSEP); print "prog\t" a[1] "\t" a[2] "\t" prog[k] }
	}' "$RAW" | python3 -c '
import statistics, sys
def s(xs, f):
    xs = [float(x) for x in xs.split()]
    if not xs: return "–"
    return f"{f(statistics.median(xs))} ({f(min(xs))}–{f(max(xs))}, n={len(xs)})"
ns = lambda x: f"{x:.0f}"
rt = lambda x: f"{x:.2f}×"
rows, progs = [], []
for line in sys.stdin:
    p = line.rstrip("\n").split("\t")
    if p[0] == "prog": progs.append(p[1:])
    else: rows.append(p)
print("| tool | ns per switch (median, min–max, runs) | ÷ reference, same run |")
print("|---|---|---|")
order = sys.argv[1:]
for t, v, r in sorted(rows, key=lambda x: order.index(x[0]) if x[0] in order else 99):
    print(f"| {t} | {s(v, ns)} | {s(r, rt)} |")
print()
print("| tool | program | ns per run |")
print("|---|---|---|")
for t, prog, v in sorted(progs, key=lambda x: (order.index(x[0]) if x[0] in order else 99, x[1])):
    print(f"| {t} | {prog} | {s(v, ns)} |")
' "$@"
