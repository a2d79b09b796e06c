#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-event cost of one collector with and without extra flags (e.g. --by
# cgroup), alternated run by run so that the machine's drift hits both:
# ns per run of each of kprof's programs (BPF run time / run count, counted
# only while the workload runs, through a BPF_ENABLE_STATS fd: `bpfwatch
# stats`; the sysctl is never touched).
#
#   tools/bench/flag_cost.sh COLLECTOR WORKLOAD RUNS [FLAGS...]
#     WORKLOAD: pipe, syscall or tcp (tools/bench/workload.sh)
#     KPROF=path/to/kprof to measure another build (default: this tree's)
#     KPROF_FLAGS_BIN=path/to/kprof: the build for the "flags" variant (default
#     KPROF); with no FLAGS, this compares two builds (before/after a change)
# Prints: "<variant> <run> <program> <ns/run> <runs>", variant "base" without
# FLAGS and "flags" with them.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KPROF=${KPROF:-$ROOT/kprof}
BIN=${BENCH_BIN:-$ROOT/build/bench}
[[ $# -ge 3 ]] || { echo "usage: flag_cost.sh COLLECTOR WORKLOAD RUNS [FLAGS...]" >&2; exit 2; }
c=$1 w=$2 runs=$3
shift 3
RATE_DIR=$(mktemp -d /tmp/kprof-flagcost.XXXXXX)
export RATE_DIR BIN WORKLOAD_SECS=${WORKLOAD_SECS:-1}
pid=
cleanup() {
	[[ -n $pid ]] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$RATE_DIR"
}
trap cleanup EXIT

one() { # variant binary run flags...
	local v=$1 bin=$2 r=$3 before after
	shift 3
	"$bin" record -d 24h -c "$c" "$@" >/dev/null 2>"$RATE_DIR/err" &
	pid=$!
	if ! "$BIN/bpfwatch" attached "$pid" 20000 300; then
		echo "flag_cost: kprof did not attach: $(head -c 300 "$RATE_DIR/err")" >&2
		exit 1
	fi
	before=$("$BIN/bpfwatch" progs "$pid")
	"$BIN/bpfwatch" stats "$HERE/workload.sh" "$w" >/dev/null
	after=$("$BIN/bpfwatch" progs "$pid")
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	pid=
	awk -v v="$v" -v r="$r" 'FNR == NR { t0[$1] = $5; n0[$1] = $6; next }
		{ dn = $6 - n0[$1]; p = $4 != "-" ? $4 : $3; if (dn > 0) printf "%s %d %s %.1f %d\n", v, r, p, ($5 - t0[$1]) / dn, dn }' \
		<(echo "$before") <(echo "$after")
}

for r in $(seq "$runs"); do
	one base "$KPROF" "$r"
	one flags "${KPROF_FLAGS_BIN:-$KPROF}" "$r" "$@"
done
