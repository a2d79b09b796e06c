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
	for w in ${BENCH_WORKLOADS:-pipe syscall tcp}; do
		note slowdown "$w: \`$(workload_label "$w")\`"
		for tool in $(slowdown_tools "$w"); do
			base=$(workload "$w")
			for r in $(seq "$RUNS"); do
				tool_start "$tool" || { note slowdown "$w: $tool did not start"; break; }
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
