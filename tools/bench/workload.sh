#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs one benchmark workload for about $WORKLOAD_SECS and prints its
# throughput in ops/s.
#
# perf bench takes a number of loops, not a duration, and on a shared
# machine the rate moves 10x from one minute to the next: the loop count is
# the last measured rate of this workload (kept in $RATE_DIR) times the
# target duration, so a run lasts about as long whatever the load.
# Environment: BIN (built helpers), WORKLOAD_SECS, RATE_DIR.
#
# Niced to -20 so that other jobs on a shared machine (compilers) disturb
# the measured workload less; the tools under test run at normal priority.
set -u
w=${1:-}
secs=${WORKLOAD_SECS:-1}
rate_file=${RATE_DIR:-/tmp}/kprof-bench-rate.$w
N="nice -n -20"

loops() { # initial rate, minimum loops
	local rate
	rate=$(cat "$rate_file" 2>/dev/null || echo "$1")
	awk -v r="$rate" -v s="$secs" -v m="$2" 'BEGIN { l = int(r * s); print l < m ? m : l }'
}

case $w in
pipe) ops=$($N taskset -c 1 perf bench sched pipe -l "$(loops 50000 5000)" | awk '/ops\/sec/ { print $1 }') ;;
syscall) ops=$($N perf bench syscall basic -l "$(loops 1000000 50000)" | awk '/ops\/sec/ { print $1 }') ;;
tcp) ops=$($N "$BIN/tcploop" -d "$secs" | awk '{ print $3 }') ;;
*) echo "usage: workload.sh pipe|syscall|tcp" >&2; exit 2 ;;
esac
[[ -n $ops ]] || exit 1
echo "$ops" >"$rate_file"
echo "$ops"
