#!/bin/bash
# SPDX-License-Identifier: MIT
# `kprof record --collectors sched` as users run it: three histograms with
# p50/p90/p99/max, and one section per collector when several are chosen.
set -u
source "$(dirname "$0")/test_lib.bash"

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: kprof record loads BPF programs and needs root"
	exit 77
fi
tmp=$(mktemp -d)
trap 'kill $load 2>/dev/null; rm -rf "$tmp"' EXIT
# Something that sleeps, wakes and runs while kprof records.
(while :; do sleep 0.01; done) &
load=$!

# The row of a family's "all" series: count, total, p50, p90, p99, max.
row() { awk -v fam="$2:" '$1 == fam { f = 1 } f && $1 == "all" { print; exit }' "$1"; }

$KPROF record -d 2s --collectors sched >"$tmp/sched" 2>"$tmp/err" || fail "record exited $?: $(cat "$tmp/err")"
grep -q "^=== sched: " "$tmp/sched" || fail "no sched section"
grep -q "^=== syscall: " "$tmp/sched" && fail "syscall section without asking for it"
for fam in kprof_sched_runqueue_latency_seconds kprof_sched_offcpu_seconds \
	kprof_sched_oncpu_seconds; do
	r=$(row "$tmp/sched" $fam)
	[ -n "$r" ] || { fail "no $fam row"; continue; }
	# all COUNT TOTAL P50 P90 P99 MAX: six figures, a positive count.
	set -- $r
	[ $# -eq 7 ] && [ "$2" -gt 0 ] || fail "$fam row '$r'"
	echo "$fam: $r"
done
[ "$(grep -c 'count *total *p50 *p90 *p99 *max' "$tmp/sched")" -eq 3 ] ||
	fail "want 3 count/total/p50/p90/p99/max headers"

$KPROF record -d 2s --collectors sched,syscall >"$tmp/both" 2>"$tmp/err" ||
	fail "record sched,syscall exited $?: $(cat "$tmp/err")"
grep -q "^=== sched: " "$tmp/both" || fail "sched,syscall: no sched section"
grep -q "^=== syscall: " "$tmp/both" || fail "sched,syscall: no syscall section"
grep -q "^kprof_syscall_latency_seconds:" "$tmp/both" || fail "sched,syscall: no syscall latency"
[ -n "$(row "$tmp/both" kprof_sched_oncpu_seconds)" ] || fail "sched,syscall: no on-CPU row"
# Sections in table order: sched, then syscall.
[ "$(grep '^=== ' "$tmp/both" | cut -d: -f1)" = "$(printf '=== sched\n=== syscall')" ] ||
	fail "sections out of order: $(grep '^=== ' "$tmp/both")"
[ $fails -eq 0 ] && echo "cli sched ok"
[ $fails -eq 0 ]
