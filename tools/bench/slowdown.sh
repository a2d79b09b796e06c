# SPDX-License-Identifier: MIT
# Section 2: workload slowdown. For each workload and each tool that traces
# what it does, alternating runs A B A B ... A (A: no tool, B: the tool),
# $RUNS runs with the tool; each paired ratio is the tool run's ops/s ÷ the
# mean of the no-tool runs just before and after it, so that drift in the
# machine's load (other jobs) cancels out.
# BPF stats stay off here: they cost two clock reads per program run.

# Tools that trace a workload: the collectors that see its events, all of
# kprof, and the equivalents of those collectors.
slowdown_tools() { # workload
	local cs c t out=""
	case $1 in
	pipe) cs="sched offcpu cpu syscall" ;;
	syscall) cs="syscall cpu" ;;
	tcp) cs="tcp syscall" ;;
	esac
	for c in $cs; do
		[[ " $COLLECTORS " == *" $c "* ]] && out+=" kprof:$c"
	done
	out+=" kprof:all"
	for c in $cs; do
		[[ " $COLLECTORS " == *" $c "* && -n ${FLOOR[$c]:-} && " $out " != *" ${FLOOR[$c]} "* ]] &&
			out+=" ${FLOOR[$c]}"
	done
	for c in $cs; do
		[[ " $COLLECTORS " == *" $c "* ]] || continue
		for t in ${EQUIV[$c]:-}; do
			[[ $t == profile ]] && ! tool_available profile && t=perf-record
			tool_available "$t" && [[ " $out " != *" $t "* ]] && out+=" $t"
		done
	done
	echo "$out"
}

section_slowdown() {
	local w tool r base next with
	log "section 2: workload slowdown ($RUNS A/B pairs)"
	[[ $(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null) == 1 ]] &&
		note slowdown "kernel.bpf_stats_enabled is 1 (set by another process, not by the bench): every BPF program run pays two more clock reads, so every tool's ratio is lower than on a clean machine"
	for w in ${BENCH_WORKLOADS:-pipe syscall tcp}; do
		note slowdown "$w: \`$(workload_label "$w")\`"
		for tool in $(slowdown_tools "$w"); do
			base=$(workload "$w")
			for r in $(seq "$RUNS"); do
				tool_start "$tool" || { note slowdown "$w: $tool did not start"; break; }
				# Another process (e.g. a `kprof serve`) holding BPF stats on
				# makes every program run pay two more clock reads.
				[[ $(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null) == 1 ]] &&
					emit slowdown "$w" "$tool" stats_on 1
				with=$(workload "$w")
				tool_stop
				next=$(workload "$w")
				if [[ -n $base && -n $with && -n $next ]]; then
					emit slowdown "$w" "$tool" ratio "$(awk -v a="$with" -v b="$base" -v c="$next" \
						'BEGIN { printf "%.4f", 2 * a / (b + c) }')"
					emit slowdown "$w" "$tool" ops "$with"
					emit slowdown "$w" none ops "$base"
				fi
				base=$next
			done
		done
	done
}
