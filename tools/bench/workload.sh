#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs one benchmark workload and prints its throughput in ops/s.
# Environment: BIN (built helpers), PIPE_LOOPS, SYSCALL_LOOPS, TCP_SECS.
# Niced to -20 so that other jobs on a shared machine (compilers) disturb
# the measured workload less; the tools under test run at normal priority.
set -u
N="nice -n -20"
case ${1:-} in
pipe) $N taskset -c 1 perf bench sched pipe -l "$PIPE_LOOPS" | awk '/ops\/sec/ { print $1 }' ;;
syscall) $N perf bench syscall basic -l "$SYSCALL_LOOPS" | awk '/ops\/sec/ { print $1 }' ;;
tcp) $N "$BIN/tcploop" -d "$TCP_SECS" | awk '{ print $3 }' ;;
*) echo "usage: workload.sh pipe|syscall|tcp" >&2; exit 2 ;;
esac
